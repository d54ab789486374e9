import { SECRET_MARK } from "../cli/plan/engine";
import type { PlannedResource } from "../cli/plan/engine";

/**
 * Validates a planned Kubernetes object against the Kubernetes OpenAPI schema (npm
 * `kubernetes-models`). Returns the kinds it has no model for (CRDs, Helm releases).
 */
const MODELS: Record<string, string> = {
  "kubernetes:apps/v1:Deployment": "kubernetes-models/apps/v1/Deployment",
  "kubernetes:apps/v1:StatefulSet": "kubernetes-models/apps/v1/StatefulSet",
  "kubernetes:apps/v1:DaemonSet": "kubernetes-models/apps/v1/DaemonSet",
  "kubernetes:batch/v1:Job": "kubernetes-models/batch/v1/Job",
  "kubernetes:core/v1:Namespace": "kubernetes-models/v1/Namespace",
  "kubernetes:core/v1:ConfigMap": "kubernetes-models/v1/ConfigMap",
  "kubernetes:core/v1:Secret": "kubernetes-models/v1/Secret",
  "kubernetes:core/v1:Service": "kubernetes-models/v1/Service",
  "kubernetes:core/v1:ServiceAccount": "kubernetes-models/v1/ServiceAccount",
  "kubernetes:core/v1:ResourceQuota": "kubernetes-models/v1/ResourceQuota",
  "kubernetes:rbac.authorization.k8s.io/v1:Role": "kubernetes-models/rbac.authorization.k8s.io/v1/Role",
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding",
  "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
  "kubernetes:networking.k8s.io/v1:Ingress": "kubernetes-models/networking.k8s.io/v1/Ingress",
  "kubernetes:policy/v1:PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler",
  "kubernetes:node.k8s.io/v1:RuntimeClass": "kubernetes-models/node.k8s.io/v1/RuntimeClass",
  "kubernetes:storage.k8s.io/v1:StorageClass": "kubernetes-models/storage.k8s.io/v1/StorageClass",
};

export const UNVALIDATED_KUBERNETES_TYPES = new Set([
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
  // Karpenter's own kinds: validated against our transcription of Karpenter's CRD schemas (test/karpenter-chart.ts, test/karpenter.test.ts).
  "kubernetes:karpenter.sh/v1:NodePool",
  "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
  // agent-sandbox's kinds: validated against our transcription of the pinned release's CRD schemas
  // (test/agent-sandbox-schemas.ts), their pod with podSpecProblems below (test/agent-sandbox.test.ts).
  "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate",
  "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxWarmPool",
]);

/** The object as the API server would get it: apiVersion and kind from the type; a secret map stands in as an empty map. */
export function manifestOf(r: PlannedResource): Record<string, unknown> {
  const [, group, kind] = r.type.split(":");
  const apiVersion = group.startsWith("core/") ? group.slice(5) : group;
  const inputs = { ...r.inputs };
  for (const key of ["stringData", "data"]) if (inputs[key] === SECRET_MARK) inputs[key] = {};
  return { apiVersion, kind, ...inputs };
}

export async function validateManifest(r: PlannedResource): Promise<void> {
  const module = MODELS[r.type];
  if (module === undefined) throw new Error(`no schema model for ${r.type}`);
  const exports = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = exports[r.type.split(":")[2]];
  new Model(manifestOf(r)).validate();
}

export function hasModel(type: string): boolean {
  return type in MODELS;
}

/**
 * A PodSpec embedded in another kind (a SandboxTemplate's `podTemplate.spec`) against the
 * Kubernetes PodSpec model: every problem as `path: what`, none when it is valid.
 */
export async function podSpecProblems(spec: unknown, path = "$"): Promise<string[]> {
  const { PodSpec } = await import("kubernetes-models/v1/PodSpec");
  try {
    new PodSpec(spec as ConstructorParameters<typeof PodSpec>[0]).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
    if (!errors) throw e;
    return errors.map((x) => `${path}${x.instancePath.replace(/\/(\d+)/g, "[$1]").replaceAll("/", ".")}: ${x.message ?? "invalid"}`);
  }
}
