import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import { advertiseAddressEnv, createForwardingPolicy } from "./session-forwarding";
import * as vpc from "@pulumi/aws/vpc";
import { standardTags } from "../../infra/naming";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { createWorkload } from "../../infra/kubernetes/workload";
import type { Transform } from "../../infra/transform";
import type { NormalizedSandboxArgs, SandboxHostArgs } from "./args";
import { createSandboxPodBasics } from "./kubernetes-base";
import { clientPeers, fenceSandbox } from "./network-policies";
import { TOKEN_DIR, sandboxPodSpec } from "./pod";
import { SANDBOX_PORT, resourceSplit, runtimeConfig, scratchSizeMb } from "./runtime-config";

type DeploymentArgs = k8s.apps.v1.DeploymentArgs;

export interface KubernetesSandbox {
  readonly namespace: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly token: pulumi.Output<string>;
}

export function createKubernetesSandbox(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, args: SandboxHostArgs): KubernetesSandbox {
  const s = cfg.settings;
  const sessionsOn = s.sessions.max > 0;
  const provider = args.cluster?.provider ?? args.provider;
  const k8sOpts = { parent, provider };
  const { namespace, image, token, authSecretName, runtimeClassName, executorSeccomp, installer } = createSandboxPodBasics(parent, name, cfg, args);

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
      tokenSecretName: authSecretName,
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
      // The api's own address, for session forwarding (session-forwarding.ts); pod.ts keeps it for the api alone.
      extraEnv: sessionsOn ? advertiseAddressEnv() : undefined,
      automountToken: false,
      runtimeClassName,
      terminationGracePeriodSeconds: 30,
      // Saturation shows as CPU: every execution is a busy process.
      cpuTargetPercent: 60,
      transform: { deployment: composeTransforms(twoContainers, args.transform?.deployment) },
    },
    provider,
  );
  // Replicas forward calls for each other's sessions (session-forwarding.ts).
  if (sessionsOn) createForwardingPolicy(name, namespace, workload.selector, k8sOpts);

  // Default deny, then the ways in (clients, Prometheus, the ALB when published) and the allow-listed ways out.
  const from = clientPeers(args.monitoringNamespace);
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
  fenceSandbox(name, { namespace, podSelector: workload.selector, from, egressAllowCidrs: s.egressAllowCidrs }, k8sOpts);

  return { namespace, image, token };
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
