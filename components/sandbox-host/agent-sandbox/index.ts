import * as pulumi from "@pulumi/pulumi";
import * as core from "@pulumi/kubernetes/core/v1";
import { appLabels } from "../../../infra/kubernetes/hardening";
import type { NormalizedSandboxArgs, SandboxHostArgs } from "../args";
import { createSandboxPodBasics } from "../kubernetes-base";
import { clientPeers, fenceSandbox } from "../network-policies";
import { TOKEN_DIR } from "../pod";
import { SANDBOX_PORT, runtimeConfig } from "../runtime-config";
import { grantClaims } from "./claims-rbac";
import { installController } from "./controller";
import { crdPrerequisiteWarning } from "./crds";
import { CONTROLLER_IMAGE, SANDBOX_API } from "./release";
import { createSandboxTemplate, createWarmPool } from "./template";

export interface AgentSandbox {
  readonly namespace: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly token: pulumi.Output<string>;
  /** Where callers make SandboxClaims, and the pool they name. */
  readonly claims: SandboxClaims;
}

/** What a caller needs to get a sandbox of its own (README: "A pod per session"). */
export interface SandboxClaims {
  readonly apiVersion: string;
  readonly namespace: pulumi.Output<string>;
  /** `spec.warmPoolRef.name` of every claim. */
  readonly warmPool: pulumi.Output<string>;
  /** The claimed sandbox's URL, with `{sandbox}` for the claim's `status.sandbox.name`. */
  readonly urlTemplate: pulumi.Output<string>;
}

/**
 * Engine `agent-sandbox` (eks, kubernetes): the pinned agent-sandbox controller, and in the
 * sandbox's own namespace a SandboxTemplate of our two-container pod, a warm pool, the same
 * NetworkPolicies as the runtime engine, a pod quota, and the Role that lets the claimants claim.
 * The release's CRDs are the cluster admin's to apply first (crds.ts); the plan says so.
 */
export function createAgentSandbox(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, args: SandboxHostArgs): AgentSandbox {
  const s = cfg.settings;
  const provider = args.cluster?.provider ?? args.provider;
  const k8sOpts = { parent, provider };
  pulumi.log.warn(crdPrerequisiteWarning(name), parent);
  const basics = createSandboxPodBasics(parent, name, cfg, args);
  const { namespace } = basics;

  const controller = installController(parent, `${name}-controller`, { image: args.agentSandbox?.controllerImage ?? CONTROLLER_IMAGE, replicas: s.minReplicas > 1 ? 2 : 1 }, provider);

  const podLabels = appLabels("sandbox", "sandbox", name);
  const selector = { "app.kubernetes.io/name": "sandbox", "app.kubernetes.io/instance": name };
  const configMap = new core.ConfigMap(
    `${name}-config`,
    { metadata: { name: "sandbox-config", namespace, labels: podLabels }, data: { ...runtimeConfig(s, cfg.contract), SANDBOX_AUTH_TOKEN_FILE: `${TOKEN_DIR}/token` } },
    k8sOpts,
  );
  // The custom objects need the controller up to act on them (their CRDs are already in the
  // cluster: the prerequisite above); the pods need the seccomp profile on the nodes.
  const after = { provider, dependsOn: [controller.deployment, ...(basics.installer ? [basics.installer] : [])] };
  const template = createSandboxTemplate(parent, name, cfg, { namespace, basics, configMapName: configMap.metadata.name, templateLabels: podLabels, podLabels }, after);
  const warmPool = createWarmPool(parent, name, cfg, namespace, template, podLabels, after);

  fenceSandbox(name, { namespace, podSelector: selector, from: clientPeers(args.monitoringNamespace), egressAllowCidrs: s.egressAllowCidrs }, k8sOpts);
  // Claims have no limit of their own: the namespace's pod count is the cap (warm and claimed).
  // https://kubernetes.io/docs/concepts/policy/resource-quotas/#object-count-quota
  new core.ResourceQuota(`${name}-pod-quota`, { metadata: { name: "sandbox-pods", namespace }, spec: { hard: { pods: String(s.maxReplicas) } } }, k8sOpts);
  grantClaims(name, namespace, args.agentSandbox?.claimants ?? [], k8sOpts);

  return {
    namespace,
    image: basics.image,
    token: basics.token,
    claims: {
      apiVersion: SANDBOX_API.extensions,
      namespace,
      warmPool: warmPool.metadata.name,
      urlTemplate: pulumi.interpolate`http://{sandbox}.${namespace}.svc.cluster.local:${SANDBOX_PORT}`,
    },
  };
}
