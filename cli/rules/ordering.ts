import { CRD_PREREQUISITE_ANNOTATION } from "../../infra/kubernetes/crd-prerequisite";
import type { PlannedResource } from "../plan/engine";
import { type DeployRule, asArray, at, label } from "./rule";

const SERVICE = "aws:ecs/service:Service";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";

/**
 * ECS refuses a service whose target group no listener forwards to yet, and a capacity provider
 * strategy naming providers the cluster does not have yet: the service must wait for both.
 */
export const ecsServiceOrdering: DeployRule = {
  id: "ecs-service-after-listener-rule-and-capacity",
  fact: "Creating an ECS service with a target group that is not associated with a load balancer fails (\"The target group ... does not have an associated load balancer\"); a capacity provider strategy may only name providers associated with the cluster.",
  source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
  check(graph) {
    return graph.ofType(SERVICE).flatMap((service) => {
      const problems = [];
      const waits = graph.waitsFor(service.urn);
      const targetGroups = graph.waitedFor(service.urn, (r) => r.type === TARGET_GROUP);
      if (asArray(service.inputs.loadBalancers).length > 0) {
        for (const tg of targetGroups) {
          const rules = graph.ofType(LISTENER_RULE).filter((rule) => rule.dependencies.includes(tg.urn));
          if (!rules.some((rule) => waits.has(rule.urn))) {
            problems.push({ urn: service.urn, message: `${label(service)} registers to target group ${tg.name} but does not wait for the listener rule that forwards to it${rules.length ? ` (${rules.map((r) => r.name).join(", ")})` : " (none found)"}: add it to dependsOn` });
          }
        }
      }
      const providers = asArray(service.inputs.capacityProviderStrategies);
      if (providers.length > 0 && !graph.waitedFor(service.urn, (r) => r.type === CAPACITY).length) {
        const names = providers.map((p) => String(at(p, "capacityProvider"))).join(", ");
        problems.push({ urn: service.urn, message: `${label(service)} names capacity providers (${names}) but does not wait for the cluster's ClusterCapacityProviders: add it to dependsOn` });
      }
      return problems;
    });
  },
};

/** Kubernetes API groups served by the API server itself (no CRD to wait for). */
const BUILT_IN_GROUPS = new Set(["core", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "node.k8s.io", "scheduling.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "certificates.k8s.io", "helm.sh", "yaml", "kustomize", "apiregistration.k8s.io", "flowcontrol.apiserver.k8s.io", "events.k8s.io", "resource.k8s.io"]);

/** API group of a `kubernetes:<group>/<version>:<Kind>` type; `core` for `core/v1`. */
function apiGroup(type: string): string | undefined {
  const match = /^kubernetes:([^/]+)\/[^:]+:/.exec(type);
  return match?.[1];
}

const isCrdSource = (group: string) => (r: PlannedResource) =>
  r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart" || (r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition" && at(r.inputs, "spec.group") === group);

/** Where a custom resource says its CRD is a cluster admin's prerequisite, applied before `pulumi up`. */
function crdPrerequisite(r: PlannedResource): string | undefined {
  const value = (at(r.inputs, "metadata.annotations") as Record<string, unknown> | undefined)?.[CRD_PREREQUISITE_ANNOTATION];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * A custom resource applied before its CRD exists fails: "no matches for kind". It waits for the
 * CRD or the Helm release that installs it, or says where its CRD comes from when the cluster
 * admin applies it first (CRD_PREREQUISITE_ANNOTATION): then there is nothing in the graph to wait for.
 */
export const customResourceOrdering: DeployRule = {
  id: "custom-resources-after-their-crd",
  fact: "A custom resource can only be created once its CustomResourceDefinition is established; before that the API server answers \"no matches for kind\".",
  source: "https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#create-custom-objects",
  check(graph) {
    return graph.resources.flatMap((r) => {
      const group = apiGroup(r.type);
      if (!group || BUILT_IN_GROUPS.has(group) || r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResource") return [];
      if (graph.waitedFor(r.urn, isCrdSource(group)).length > 0 || crdPrerequisite(r)) return [];
      return [
        {
          urn: r.urn,
          message: `${label(r)} is a custom resource (${group}) that waits for no Helm release or CustomResourceDefinition: depend on the release that installs its CRD, or, when a cluster admin applies the CRD first, say where from in annotation ${CRD_PREREQUISITE_ANNOTATION}`,
        },
      ];
    });
  },
};
