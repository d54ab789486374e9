import { API_TOKEN_SECONDS, KUBERNETES_API_ANNOTATION } from "../infra/kubernetes/api-token";

export { API_TOKEN_SECONDS, KUBERNETES_API_ANNOTATION };

/*
 * Small readers over resource properties as Pulumi hands them to policies (the SDK's camelCase
 * input names). Policies stay plain functions of data, so the tests can run them on the mock graph.
 */

export type Props = Record<string, unknown>;

export function obj(value: unknown): Props {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Props) : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export const WORLD = new Set(["0.0.0.0/0", "::/0"]);

export const SANDBOX_TEMPLATE_TYPE = "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate";

export const WORKLOAD_TYPES = new Set([
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:batch/v1:CronJob",
  // agent-sandbox's template: the controller makes a pod of it for every Sandbox (SandboxHost, engine agent-sandbox).
  SANDBOX_TEMPLATE_TYPE,
]);

/** The pod spec of a workload (a CronJob's is one level deeper; a SandboxTemplate's is its podTemplate). */
export function podSpec(type: string, props: Props): Props {
  const spec = obj(props.spec);
  if (type === "kubernetes:batch/v1:CronJob") return obj(obj(obj(obj(spec.jobTemplate).spec).template).spec);
  if (type === SANDBOX_TEMPLATE_TYPE) return obj(obj(spec.podTemplate).spec);
  return obj(obj(spec.template).spec);
}

/** The TLS policies an HTTPS listener may use: TLS 1.2 and 1.3 only, forward secrecy. */
export const MODERN_TLS_POLICIES = new Set([
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]);

export const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|DATABASE_URL|REDIS_URL)/i;

/** kubelet's seccomp root (`<root-dir>/seccomp`): the one hostPath a profile installer may write. */
export const SECCOMP_ROOT = "/var/lib/kubelet/seccomp/";

/** A Kubernetes API token a pod holds: automounted, or a projected volume's `serviceAccountToken`. */
export interface ApiToken {
  /** `automounted`, or the projected volume's name. */
  readonly source: string;
  /** A projected token's requested lifetime (the API's default, an hour, when unset); none when automounted. */
  readonly expirationSeconds?: number;
}

/**
 * The API tokens a pod spec holds. Automounting is on unless the pod says false (the pod's field
 * wins over its ServiceAccount's, and the policy sees only the pod:
 * https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting).
 * A projected token of any audience counts: its audience is not ours to trust from here.
 */
export function apiTokens(pod: Props): ApiToken[] {
  const tokens: ApiToken[] = pod.automountServiceAccountToken === false ? [] : [{ source: "automounted" }];
  for (const volume of list(pod.volumes).map(obj)) {
    for (const source of list(obj(volume.projected).sources).map(obj)) {
      const token = obj(source.serviceAccountToken);
      if (source.serviceAccountToken !== undefined) tokens.push({ source: `volume ${String(volume.name)}`, expirationSeconds: Number(token.expirationSeconds ?? API_TOKEN_SECONDS) });
    }
  }
  return tokens;
}
