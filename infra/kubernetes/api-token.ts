import type * as k8s from "@pulumi/kubernetes";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/*
 * A Kubernetes API token for the one workload of ours that calls the API server from the app
 * itself (AgentService claiming sandboxes, SandboxHost engine agent-sandbox), as a projected
 * volume rather than `automountServiceAccountToken: true`:
 *
 * - A projected token lives as long as asked: `expirationSeconds` (default 1 h, at least 10 min),
 *   rotated by the kubelet once 80 % of that has passed; the audience defaults to the API server's
 *   (https://kubernetes.io/docs/concepts/storage/projected-volumes/#serviceaccounttoken). The
 *   automounted one is requested for 3607 s, and the API server extends exactly that value
 *   (kubernetes/kubernetes: plugin/pkg/admission/serviceaccount/admission.go TokenVolumeSource,
 *   pkg/registry/core/serviceaccount/storage/token.go): on EKS it is accepted for 90 days
 *   (https://docs.aws.amazon.com/eks/latest/userguide/service-accounts.html#service-account-tokens).
 *   Ours is a real hour.
 * - Automounting puts the token in every container of the pod (and any later sidecar); a volume is
 *   in the containers that mount it. The pod and the ServiceAccount keep
 *   `automountServiceAccountToken: false`, which is what opts out
 *   (https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting).
 *
 * The volume is the admission controller's own three sources (the token, `ca.crt` of the
 * `kube-root-ca.crt` ConfigMap every namespace has, the namespace by the downward API;
 * https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#bound-service-account-token-volume)
 * at the path in-cluster clients read (Go's rest.InClusterConfig, Python's load_incluster_config:
 * https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/). With the pod's fsGroup the kubelet
 * writes the token 0640, owner root, group the pod's (pkg/volume/projected/projected.go).
 */

/** Where in-cluster Kubernetes clients read the token, the CA and the namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The token's lifetime: an hour, the API's default, rotated by the kubelet after 48 minutes. */
export const API_TOKEN_SECONDS = 3600;

/**
 * A workload whose pods hold a Kubernetes API token says why in this annotation (on the workload:
 * the Deployment); the policy pack (`kubernetes-workloads-hardened`) refuses a token without it,
 * and a sandbox pod's token whatever it says (`sandbox-executor-isolated`).
 */
export const KUBERNETES_API_ANNOTATION = "agentyard.dev/kubernetes-api";

const VOLUME_NAME = "kube-api-access";

export interface ApiTokenMount {
  readonly volume: Volume;
  readonly mount: VolumeMount;
  /** The workload's annotation, saying why it holds the token. */
  readonly annotations: Record<string, string>;
}

/** The projected token volume, its read-only mount, and the annotation, for a workload that calls the API because `reason`. */
export function projectedApiToken(reason: string): ApiTokenMount {
  if (reason.trim() === "") throw new Error("a Kubernetes API token needs its reason (the agentyard.dev/kubernetes-api annotation)");
  return {
    volume: {
      name: VOLUME_NAME,
      projected: {
        sources: [
          // No audience: the API server's own, so the token is good for the API and nothing else.
          { serviceAccountToken: { path: "token", expirationSeconds: API_TOKEN_SECONDS } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
      },
    },
    mount: { name: VOLUME_NAME, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
    annotations: { [KUBERNETES_API_ANNOTATION]: reason },
  };
}
