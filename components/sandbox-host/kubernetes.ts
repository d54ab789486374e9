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
import { createWorkload, restrictedNamespace } from "../../infra/kubernetes/workload";
import { currentScope } from "../../infra/naming";
import type { Transform } from "../../infra/transform";
import type { NormalizedSandboxArgs, SandboxHostArgs } from "./args";
import { readSeccompProfile } from "./contract";
import { buildSandboxImage, localSandboxImage } from "./interpreter";
import { TOKEN_DIR, sandboxPodSpec } from "./pod";
import { SANDBOX_CLIENT_LABEL, SANDBOX_PORT, resourceSplit, runtimeConfig, scratchSizeMb } from "./runtime-config";
import { createSeccompInstaller } from "./seccomp-installer";

type DeploymentArgs = k8s.apps.v1.DeploymentArgs;

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
      ? buildSandboxImage(name, s.interpreter, args.cluster?.arm64 === true, { parent })
      : pulumi.output(localSandboxImage(s.interpreter));
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

  // The executor's profile allows the namespace flags of unshare/clone that RuntimeDefault
  // refuses. Under gVisor it is not installed: runsc applies no OCI seccomp filter unless started
  // with --oci-seccomp (runsc flags; the Sentry's own syscall filtering is the boundary there),
  // and the gVisor nodes are tainted, so the executor keeps RuntimeDefault.
  const profile = s.gvisor ? undefined : readSeccompProfile(cfg.contract);
  let executorSeccomp: k8s.types.input.core.v1.SeccompProfile = { type: "RuntimeDefault" };
  let installer: pulumi.Resource | undefined;
  if (profile) {
    const made = createSeccompInstaller(parent, `${name}-seccomp`, { namespaceName: `${scope.project}-${scope.stack}-seccomp`.slice(0, 63), profiles: [profile], image, transform: args.transform?.seccompInstaller }, provider);
    executorSeccomp = { type: "Localhost", localhostProfile: made.localhostProfile(profile.file) };
    installer = made.daemonSet;
  }

  // Named by its output, so the Deployment waits for the Secret it mounts.
  const authSecret = new core.Secret(
    `${name}-auth`,
    { metadata: { name: "sandbox-auth", namespace }, type: "Opaque", stringData: { token: token.result } },
    k8sOpts,
  );
  // The workload makes one container; the sandbox's pod is two (pod.ts), and waits for the
  // profile to be on the nodes. The caller's transform still has the last word.
  const twoContainers: Transform<DeploymentArgs> = (deployment, opts) => {
    const template = (deployment.spec as k8s.types.input.apps.v1.DeploymentSpec).template as k8s.types.input.core.v1.PodTemplateSpec;
    const podSpec = template.spec as k8s.types.input.core.v1.PodSpec;
    const [main] = podSpec.containers as k8s.types.input.core.v1.Container[];
    template.spec = sandboxPodSpec(podSpec, {
      contract: cfg.contract,
      image,
      port: SANDBOX_PORT,
      main,
      tokenSecretName: authSecret.metadata.name,
      resources: resourceSplit(s),
      scratchMb: scratchSizeMb(s),
      executorSeccomp,
    });
    if (installer) opts.dependsOn = [...([] as pulumi.Resource[]).concat((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), installer];
  };
  const workload = createWorkload(
    parent,
    name,
    {
      namespace,
      appName: "sandbox",
      component: "sandbox",
      image,
      port: SANDBOX_PORT,
      uid: cfg.contract.api.uid,
      cpuMillicores: s.cpu,
      memoryMb: s.memoryMb,
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      config: { ...runtimeConfig(s, cfg.contract), SANDBOX_AUTH_TOKEN_FILE: `${TOKEN_DIR}/token` },
      secrets: {},
      automountToken: false,
      runtimeClassName,
      terminationGracePeriodSeconds: 30,
      // Saturation shows as CPU: every execution is a busy process.
      cpuTargetPercent: 60,
      transform: { deployment: composeTransforms(twoContainers, args.transform?.deployment) },
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

/** Ours first, then the caller's (an object is merged over the args, as applyTransform does). */
function composeTransforms<Args extends object>(first: Transform<Args>, then: Transform<Args> | undefined): Transform<Args> {
  return (args, opts, resourceName) => {
    if (typeof first === "function") first(args, opts, resourceName);
    if (then === undefined) return;
    if (typeof then === "function") then(args, opts, resourceName);
    else Object.assign(args, then);
  };
}
