import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** Pod-level settings of the Kubernetes "restricted" profile, for a fixed non-root user. */
export function restrictedPodSecurity(uid: number): PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level settings every workload of ours carries: read-only root, no capabilities, no escalation. */
export function restrictedContainerSecurity(): SecurityContext {
  return {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** `app.kubernetes.io` labels: what selectors, NetworkPolicies and dashboards match on. */
export function appLabels(name: string, component: string, instance: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": "agentyard",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}
