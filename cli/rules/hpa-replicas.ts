import type { PlannedResource } from "../plan/engine";
import { type DeployRule, at, label } from "./rule";

const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** The Deployment an HPA scales: by name and namespace, or (names not known yet) the one it waits for. */
function targetOf(hpa: PlannedResource, deployments: readonly PlannedResource[], waitsFor: ReadonlySet<string>): PlannedResource[] {
  if (at(hpa.inputs, "spec.scaleTargetRef.kind") !== "Deployment") return [];
  const name = at(hpa.inputs, "spec.scaleTargetRef.name");
  const namespace = at(hpa.inputs, "metadata.namespace");
  const byName = deployments.filter((d) => at(d.inputs, "metadata.name") === name && at(d.inputs, "metadata.namespace") === namespace);
  return byName.length > 0 ? byName : deployments.filter((d) => waitsFor.has(d.urn));
}

/**
 * A Deployment whose `spec.replicas` every `pulumi up` applies again undoes the HPA's scale. It may
 * set replicas on create (else it starts at 1) only if updates ignore the field.
 */
export const hpaReplicas: DeployRule = {
  id: "hpa-owns-replicas",
  fact: "When an HPA is enabled, spec.replicas should be removed from the Deployment's manifest: any apply of it scales the Deployment back to that value.",
  source: "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling",
  check(graph) {
    const deployments = graph.ofType(DEPLOYMENT);
    return graph.ofType(HPA).flatMap((hpa) =>
      targetOf(hpa, deployments, graph.waitsFor(hpa.urn))
        .filter((d) => at(d.inputs, "spec.replicas") !== undefined && !d.options.ignoreChanges.includes("spec.replicas"))
        .map((d) => ({
          urn: d.urn,
          message: `${label(d)} sets spec.replicas (${String(at(d.inputs, "spec.replicas"))}) and is scaled by the HPA ${hpa.name}: every pulumi up resets the HPA's scale; leave replicas unset, or ignoreChanges ["spec.replicas"]`,
        })),
    );
  },
};
