import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as vpc from "@pulumi/aws/vpc";
import { standardTags } from "../../infra/naming";
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as core from "@pulumi/kubernetes/core/v1";
import * as networking from "@pulumi/kubernetes/networking/v1";
import * as node from "@pulumi/kubernetes/node/v1";
import * as random from "@pulumi/random";
import { GVISOR_NODE_LABEL, GVISOR_TAINT } from "../../infra/cluster/eks";
import { ContainerImage } from "../../infra/images/image";
import { createWorkload, restrictedNamespace } from "../../infra/kubernetes/workload";
import { currentScope } from "../../infra/naming";
import type { NormalizedSandboxArgs, SandboxHostArgs } from "./args";
import { SANDBOX_CLIENT_LABEL, SANDBOX_CONTEXT, SANDBOX_PORT, runtimeConfig } from "./runtime-config";

const TOKEN_PATH = "/var/run/secrets/agentyard";

export interface KubernetesSandbox {
  readonly namespace: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly token: pulumi.Output<string>;
}

export function createKubernetesSandbox(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, args: SandboxHostArgs): KubernetesSandbox {
  const s = cfg.settings;
  const provider = args.cluster?.provider ?? args.provider;
  const k8sOpts = { parent, provider };
  const scope = currentScope();

  const namespace = restrictedNamespace(parent, `${name}-namespace`, args.namespace ?? `${scope.project}-${scope.stack}-sandbox`.slice(0, 63), provider).metadata.name;
  const image = args.image
    ? pulumi.output(args.image)
    : cfg.platform === "eks"
      ? new ContainerImage(`${name}-image`, { context: SANDBOX_CONTEXT, component: "sandbox", platform: args.cluster?.arm64 ? "linux/arm64" : "linux/amd64" }, { parent }).imageRef
      : pulumi.output("agentyard-sandbox:local");
  const token = new random.RandomPassword(`${name}-auth-token`, { length: 48, special: false }, { parent });

  let runtimeClassName: pulumi.Output<string> | undefined;
  if (s.gvisor) {
    runtimeClassName = new node.RuntimeClass(
      `${name}-gvisor`,
      {
        metadata: { name: `${scope.stack}-gvisor` },
        handler: "runsc",
        scheduling: { nodeSelector: { ...GVISOR_NODE_LABEL }, tolerations: [{ key: GVISOR_TAINT.key, operator: "Equal", value: GVISOR_TAINT.value, effect: "NoSchedule" }] },
      },
      k8sOpts,
    ).metadata.name;
  }

  const scratchMb = Math.max(256, s.maxConcurrent * 64);
  // Named by its output, so the Deployment waits for the Secret it mounts.
  const authSecret = new core.Secret(
    `${name}-auth`,
    { metadata: { name: "sandbox-auth", namespace }, type: "Opaque", stringData: { token: token.result } },
    k8sOpts,
  );
  const workload = createWorkload(
    parent,
    name,
    {
      namespace,
      appName: "sandbox",
      component: "sandbox",
      image,
      port: SANDBOX_PORT,
      uid: 10001,
      cpuMillicores: s.cpu,
      memoryMb: s.memoryMb,
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      config: { ...runtimeConfig(s), SANDBOX_AUTH_TOKEN_FILE: `${TOKEN_PATH}/token` },
      secrets: {},
      volumes: [
        { name: "scratch", emptyDir: { sizeLimit: `${scratchMb}Mi` } },
        { name: "auth", secret: { secretName: authSecret.metadata.name, defaultMode: 0o440 } },
      ],
      volumeMounts: [
        { name: "scratch", mountPath: "/sandbox" },
        { name: "auth", mountPath: TOKEN_PATH, readOnly: true },
      ],
      automountToken: false,
      runtimeClassName,
      terminationGracePeriodSeconds: 30,
      // Saturation shows as CPU: every execution is a busy process.
      cpuTargetPercent: 60,
      transform: args.transform,
    },
    provider,
  );

  // Default deny, then the two ways in and the allow-listed ways out.
  new networking.NetworkPolicy(`${name}-default-deny`, { metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, k8sOpts);
  const from: k8s.types.input.networking.v1.NetworkPolicyPeer[] = [{ namespaceSelector: {}, podSelector: { matchLabels: { ...SANDBOX_CLIENT_LABEL } } }];
  if (args.monitoringNamespace) from.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.monitoringNamespace } } });
  if (args.loadBalancer && args.route && args.cluster) {
    // Published through the ALB: its nodes (in its subnets) reach the pods' IPs directly.
    for (const cidr of args.loadBalancerCidrs ?? []) from.push({ ipBlock: { cidr } });
    const attached = args.loadBalancer.attach(name, { port: SANDBOX_PORT, healthCheckPath: "/ready", serviceName: "sandbox", ...args.route });
    if (attached.targetGroupArn) {
      new apiextensions.CustomResource(
        `${name}-target-group-binding`,
        { apiVersion: "elbv2.k8s.aws/v1beta1", kind: "TargetGroupBinding", metadata: { name: "sandbox", namespace }, spec: { serviceRef: { name: workload.service.metadata.name, port: SANDBOX_PORT }, targetGroupARN: attached.targetGroupArn, targetType: "ip" } },
        { parent, provider, dependsOn: args.cluster.addons },
      );
    }
    if (args.loadBalancer.securityGroupId) {
      new vpc.SecurityGroupIngressRule(
        `${name}-from-load-balancer`,
        { securityGroupId: args.cluster.nodeSecurityGroupId, referencedSecurityGroupId: args.loadBalancer.securityGroupId, ipProtocol: "tcp", fromPort: SANDBOX_PORT, toPort: SANDBOX_PORT, description: `ALB to ${name}`, tags: standardTags("sandbox") },
        { parent },
      );
    }
  }
  new networking.NetworkPolicy(
    `${name}-allow-clients`,
    { metadata: { name: "allow-clients", namespace }, spec: { podSelector: { matchLabels: workload.selector }, policyTypes: ["Ingress"], ingress: [{ from, ports: [{ protocol: "TCP", port: SANDBOX_PORT }] }] } },
    k8sOpts,
  );
  if (s.egressAllowCidrs.length > 0) {
    new networking.NetworkPolicy(
      `${name}-allow-egress`,
      { metadata: { name: "allow-egress", namespace }, spec: { podSelector: { matchLabels: workload.selector }, policyTypes: ["Egress"], egress: [{ to: s.egressAllowCidrs.map((cidr) => ({ ipBlock: { cidr } })) }] } },
      k8sOpts,
    );
  }

  return { namespace, image, token: token.result };
}
