import type { PlannedResource } from "../plan/engine";
import { type DeployRule, asArray, at, label } from "./rule";

const DEFAULT_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

/** Volume claims a resource makes, each with the storage class it names (undefined: the cluster's default). */
function claimsOf(r: PlannedResource): Array<{ where: string; storageClass: unknown }> {
  switch (r.type) {
    case "kubernetes:core/v1:PersistentVolumeClaim":
      return [{ where: "spec", storageClass: at(r.inputs, "spec.storageClassName") }];
    case "kubernetes:apps/v1:StatefulSet":
      return asArray(at(r.inputs, "spec.volumeClaimTemplates")).map((t, i) => ({ where: `spec.volumeClaimTemplates[${i}]`, storageClass: at(t, "spec.storageClassName") }));
    case "kubernetes:helm.sh/v3:Release":
    case "kubernetes:helm.sh/v4:Chart":
      return chartClaims(r.inputs.values, "values");
    default:
      return [];
  }
}

/** In chart values: every `volumeClaimTemplate` (prometheus-operator's storageSpec) and every enabled `persistence` block. */
function chartClaims(value: unknown, path: string): Array<{ where: string; storageClass: unknown }> {
  if (value === null || typeof value !== "object") return [];
  const found: Array<{ where: string; storageClass: unknown }> = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const where = `${path}.${key}`;
    if (key === "volumeClaimTemplate") found.push({ where, storageClass: at(child, "spec.storageClassName") });
    else if (key === "persistence" && at(child, "enabled") === true) found.push({ where, storageClass: at(child, "storageClassName") });
    else found.push(...chartClaims(child, where));
  }
  return found;
}

/** A default class the graph itself makes: an annotated StorageClass, or the EBS CSI add-on's own. */
function makesDefaultClass(r: PlannedResource): boolean {
  if (r.type === "kubernetes:storage.k8s.io/v1:StorageClass") {
    const annotations = at(r.inputs, "metadata.annotations");
    return typeof annotations === "object" && annotations !== null && (annotations as Record<string, unknown>)[DEFAULT_ANNOTATION] === "true";
  }
  if (r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "aws-ebs-csi-driver" && typeof r.inputs.configurationValues === "string") {
    try {
      return at(JSON.parse(r.inputs.configurationValues), "defaultStorageClass.enabled") === true;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * On EKS since 1.30 no StorageClass is the default: a claim that names none stays Pending for ever
 * (and Prometheus with it). Clusters elsewhere (kind, minikube) ship a default class.
 */
export const storageClass: DeployRule = {
  id: "volume-claims-name-a-class",
  fact: "Starting with Kubernetes 1.30, Amazon EKS no longer annotates the gp2 StorageClass of new clusters as the default: a PersistentVolumeClaim without storageClassName is never bound.",
  source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html",
  check(graph) {
    if (!graph.has("aws:eks/cluster:Cluster") || graph.resources.some(makesDefaultClass)) return [];
    return graph.resources.flatMap((r) =>
      claimsOf(r)
        .filter((c) => typeof c.storageClass !== "string" || c.storageClass === "")
        .map((c) => ({ urn: r.urn, message: `${label(r)} claims a volume at ${c.where} with no storageClassName, and the EKS cluster has no default StorageClass: name one (an encrypted gp3 class) or make one the default` })),
    );
  },
};
