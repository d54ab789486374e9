import { AGENT_SANDBOX_TAG } from "./release";

/*
 * The release's four CustomResourceDefinitions are a prerequisite, not something SandboxHost
 * installs: a cluster admin applies upstream's files, at the pinned tag, once per cluster and
 * before `pulumi up` (the package ships none of upstream's files). Cluster-scoped, they serve
 * every namespace, as the one controller does.
 *
 * Why before: at start the controller patches the CRDs it finds with its conversion webhook's CA
 * (a CRD it does not find is skipped until it restarts), and `pulumi up` cannot create our
 * SandboxTemplate and SandboxWarmPool while their kinds are unknown to the API server.
 *
 * Why `--server-side`: the Sandbox and SandboxTemplate CRDs each embed a whole PodSpec schema
 * (about 400 kB); client-side apply would copy that into the `last-applied-configuration`
 * annotation, past the API server's 256 KiB limit on an object's annotations (TotalAnnotationSizeLimitB,
 * https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go).
 * Server-side apply
 * keeps no such annotation, and leaves the `caBundle` the controller sets alone: it is a field
 * another manager owns that the files do not set
 * (https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management).
 */

/** Each CRD by kind: its name in the cluster, and its file under k8s/crds/ at the tag. */
export const AGENT_SANDBOX_CRDS = {
  Sandbox: { name: "sandboxes.agents.x-k8s.io", file: "agents.x-k8s.io_sandboxes.yaml" },
  SandboxClaim: { name: "sandboxclaims.extensions.agents.x-k8s.io", file: "extensions.agents.x-k8s.io_sandboxclaims.yaml" },
  SandboxTemplate: { name: "sandboxtemplates.extensions.agents.x-k8s.io", file: "extensions.agents.x-k8s.io_sandboxtemplates.yaml" },
  SandboxWarmPool: { name: "sandboxwarmpools.extensions.agents.x-k8s.io", file: "extensions.agents.x-k8s.io_sandboxwarmpools.yaml" },
} as const;

/** A CRD file of the pinned tag, as GitHub serves the repository's raw content. */
export const crdUrl = (file: string) => `https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/${AGENT_SANDBOX_TAG}/k8s/crds/${file}`;

/** The one command a cluster admin runs (README, "A pod per session"; the component's plan-time warning). */
export const CRD_INSTALL_COMMAND = `kubectl apply --server-side ${Object.values(AGENT_SANDBOX_CRDS)
  .map((crd) => `-f ${crdUrl(crd.file)}`)
  .join(" ")}`;

/** What SandboxHost logs with engine agent-sandbox: `agentyard plan` and `pulumi preview` show it under Diagnostics. */
export function crdPrerequisiteWarning(name: string): string {
  return (
    `SandboxHost "${name}": engine agent-sandbox needs the agent-sandbox ${AGENT_SANDBOX_TAG} CRDs, which it does not install. ` +
    `Once per cluster, before pulumi up, a cluster admin runs: ${CRD_INSTALL_COMMAND}`
  );
}
