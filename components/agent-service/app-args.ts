import type * as pulumi from "@pulumi/pulumi";
import type { ConfigProblem } from "../../infra/config/problems";
import type { SecretReference } from "../data-tier";

/**
 * How a probe asks the app: an HTTP GET of `path`, a TCP connect, or a command in the container
 * (exit 0 is healthy). `port` is a port name (`http` or one of `ports`) or number.
 */
export type ProbeCheck = { path: string; port?: string | number } | { tcp: true; port?: string | number } | { command: string[] };

/**
 * A probe and its timings. Kubernetes defaults when unset (periodSeconds 10, timeoutSeconds 1,
 * failureThreshold 3): https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export type ProbeSpec = ProbeCheck & { initialDelaySeconds?: number; periodSeconds?: number; timeoutSeconds?: number; failureThreshold?: number };

export interface AppProbes {
  /** Restarts the container when it fails. @default `{ path: "/health" }` */
  liveness?: ProbeSpec;
  /** Takes the pod out of the Service (and the ALB's health check path, when HTTP). @default `{ path: "/ready" }` */
  readiness?: ProbeSpec;
  /** Holds the other two back while a slow starter starts. @default the liveness check, every 2 s, 30 times */
  startup?: ProbeSpec;
}

/** A volume mounted into the app's container. */
export type AppVolume =
  /** A writable, empty directory: an emptyDir with a size limit on Kubernetes, task storage on ECS. */
  | { type: "scratch"; path: string; sizeMb: number }
  /** Read-only files from the given content: a ConfigMap on Kubernetes, written by an init container on ECS. */
  | { type: "config"; path: string; files: Record<string, string> }
  /** Shared persistent storage on EFS (refused for now: see `checkAppArgs`). */
  | { type: "efs"; path: string; fileSystemId: pulumi.Input<string>; accessPointId?: pulumi.Input<string> };

/** Pod fields that may become environment variables (the downward API). */
export const POD_FIELDS = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.podIP", "status.hostIP"] as const;
export type PodField = (typeof POD_FIELDS)[number];

export interface AppAutoscaling {
  /**
   * Requests a minute per replica to hold: ALB `ALBRequestCountPerTarget` target tracking on ECS; on
   * Kubernetes a KEDA Prometheus trigger on the rate of `requestsMetric`.
   */
  requestsPerTarget?: number;
  /** The request counter scaled on under KEDA. @default "http_requests_total" */
  requestsMetric?: string;
  /**
   * A Prometheus query whose value per replica is held at `threshold` (KEDA on `eks` and
   * `kubernetes`; refused on `ecs`, whose Application Auto Scaling reads CloudWatch, not Prometheus).
   * @example
   * ```ts
   * { prometheus: { query: "sum(pmcp_active_connections)", threshold: 100 } }
   * ```
   */
  prometheus?: { query: string; threshold: number };
  /** The Prometheus KEDA queries. @default MonitoringStack's in-cluster Prometheus (kps-prometheus in <project>-<stack>-monitoring) */
  prometheusUrl?: string;
}

export interface AppMigration {
  /** The app's own migration command, run in the app's image with its env and secrets. */
  command: string[];
  /** Secrets that replace the app's for the migration (credentials that may own the schema). */
  secrets?: Record<string, SecretReference>;
  /** Seconds the migration may take before it fails the `up`. @default 600 */
  timeoutSeconds?: number;
}

/** What real apps need beyond an image and a port (issue #19). */
export interface AppArgs {
  /**
   * `service` is reached through the load balancer; `worker` has no route and no public exposure.
   * @default "service"
   */
  kind?: "service" | "worker";
  /** Overrides the image's ENTRYPOINT. */
  command?: string[];
  /** Overrides the image's CMD. */
  args?: string[];
  /** Probes. @default liveness `/health`, readiness `/ready` on `http`, startup as liveness */
  probes?: AppProbes;
  /** The path the ALB health-checks. @default the readiness probe's path, else `/ready` */
  healthCheckPath?: string;
  /**
   * Extra named container ports (never routed: the load balancer reaches `http` only).
   * @example
   * ```ts
   * { ports: { metrics: 9090 } }
   * ```
   */
  ports?: Record<string, number>;
  /**
   * The port Prometheus scrapes `/metrics` on: `http` or one of `ports`. With a separate port the
   * metrics are not reachable through the public route.
   * @default "http"
   */
  metricsPort?: string;
  /** Environment variables from pod fields (Kubernetes only). @example `{ POD_NAME: "metadata.name" }` */
  fieldEnv?: Record<string, PodField>;
  /** Volumes by name. */
  volumes?: Record<string, AppVolume>;
  /**
   * Credentials for a private registry: a `kubernetes.io/dockerconfigjson` Secret in the namespace
   * (`imagePullSecrets`) on Kubernetes, a Secrets Manager secret (`repositoryCredentials`) on ECS.
   */
  registryCredentials?: { kubernetesSecretName?: string; secretArn?: pulumi.Input<string> };
  /** Keep a client on one replica: Service `ClientIP` affinity and ALB cookie stickiness for this long. */
  stickySessions?: { durationSeconds: number };
  /** Scaling beyond CPU and memory. */
  autoscaling?: AppAutoscaling;
  /** A migration run during `up`, before the new version rolls out. */
  migration?: AppMigration;
}

const PORT_NAME = /^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const FILE_NAME = /^[A-Za-z0-9._-]{1,253}$/;

function timingsProblems(key: string, probe: ProbeSpec | undefined, ports: Set<string>): ConfigProblem[] {
  if (!probe) return [];
  const problems: ConfigProblem[] = [];
  const kinds = ["path" in probe, "tcp" in probe, "command" in probe].filter(Boolean).length;
  if (kinds !== 1) problems.push({ key, got: probe, expected: "exactly one of path, tcp, command" });
  if ("path" in probe && !probe.path.startsWith("/")) problems.push({ key: `${key}.path`, got: probe.path, expected: "a path starting with /" });
  if ("command" in probe && probe.command.length === 0) problems.push({ key: `${key}.command`, got: probe.command, expected: "a non-empty command" });
  const port = "command" in probe ? undefined : probe.port;
  if (typeof port === "string" && !ports.has(port)) problems.push({ key: `${key}.port`, got: port, expected: `a port name among ${[...ports].join(", ")}` });
  for (const t of ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold"] as const) {
    const v = probe[t];
    const min = t === "initialDelaySeconds" ? 0 : 1;
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > 3600)) problems.push({ key: `${key}.${t}`, got: v, expected: `an integer from ${min} to 3600` });
  }
  return problems;
}

/** Every problem of the app args, each naming its key; platform limits are checked where rendered. */
export function appArgsProblems(args: AppArgs, mainPort: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ports = new Set(["http"]);
  const numbers = new Set([mainPort]);
  for (const [portName, port] of Object.entries(args.ports ?? {})) {
    if (!PORT_NAME.test(portName) || portName === "http") problems.push({ key: `ports.${portName}`, got: portName, expected: "a port name of at most 15 lower-case letters, digits and dashes, not http" });
    if (!Number.isInteger(port) || port < 1024 || port > 65535) problems.push({ key: `ports.${portName}`, got: port, expected: "an unprivileged port from 1024 to 65535" });
    else if (numbers.has(port)) problems.push({ key: `ports.${portName}`, got: port, expected: "a port not already used" });
    ports.add(portName);
    numbers.add(port);
  }
  if (args.metricsPort !== undefined && !ports.has(args.metricsPort)) problems.push({ key: "metricsPort", got: args.metricsPort, expected: `a port name among ${[...ports].join(", ")}` });
  problems.push(...timingsProblems("probes.liveness", args.probes?.liveness, ports));
  problems.push(...timingsProblems("probes.readiness", args.probes?.readiness, ports));
  problems.push(...timingsProblems("probes.startup", args.probes?.startup, ports));
  if (args.healthCheckPath !== undefined && !args.healthCheckPath.startsWith("/")) problems.push({ key: "healthCheckPath", got: args.healthCheckPath, expected: "a path starting with /" });
  for (const [key, field] of Object.entries(args.fieldEnv ?? {})) {
    if (!ENV_NAME.test(key)) problems.push({ key: `fieldEnv.${key}`, got: key, expected: "an environment variable name (A-Z, 0-9, _)" });
    if (!(POD_FIELDS as readonly string[]).includes(field)) problems.push({ key: `fieldEnv.${key}`, got: field, expected: `one of ${POD_FIELDS.join(", ")}` });
  }
  const paths = new Set(["/tmp"]);
  for (const [volumeName, volume] of Object.entries(args.volumes ?? {})) {
    const key = `volumes.${volumeName}`;
    if (!PORT_NAME.test(volumeName) || volumeName === "tmp") problems.push({ key, got: volumeName, expected: "a volume name of lower-case letters, digits and dashes (at most 15), not tmp" });
    if (!volume.path.startsWith("/") || paths.has(volume.path)) problems.push({ key: `${key}.path`, got: volume.path, expected: "an absolute path not mounted twice" });
    paths.add(volume.path);
    if (volume.type === "scratch" && (!Number.isInteger(volume.sizeMb) || volume.sizeMb < 1 || volume.sizeMb > 200 * 1024)) problems.push({ key: `${key}.sizeMb`, got: volume.sizeMb, expected: "an integer from 1 to 204800 (Fargate's task storage is at most 200 GiB)" });
    if (volume.type === "config") {
      const files = Object.keys(volume.files);
      if (files.length === 0) problems.push({ key: `${key}.files`, got: volume.files, expected: "at least one file" });
      for (const file of files) if (!FILE_NAME.test(file)) problems.push({ key: `${key}.files.${file}`, got: file, expected: "a file name (letters, digits, . _ -)" });
    }
  }
  const sticky = args.stickySessions?.durationSeconds;
  // ALB lb_cookie duration: 1 s to 7 days; Service ClientIP timeoutSeconds: 1 to 86400.
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html
  // https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/ (sessionAffinityConfig)
  if (sticky !== undefined && (!Number.isInteger(sticky) || sticky < 1 || sticky > 86400)) problems.push({ key: "stickySessions.durationSeconds", got: sticky, expected: "an integer from 1 to 86400" });
  const scaling = args.autoscaling;
  if (scaling?.requestsPerTarget !== undefined && !(scaling.requestsPerTarget > 0)) problems.push({ key: "autoscaling.requestsPerTarget", got: scaling.requestsPerTarget, expected: "a number above 0" });
  if (scaling?.prometheus && !(scaling.prometheus.threshold > 0)) problems.push({ key: "autoscaling.prometheus.threshold", got: scaling.prometheus.threshold, expected: "a number above 0" });
  if (scaling?.prometheus && scaling.prometheus.query.trim() === "") problems.push({ key: "autoscaling.prometheus.query", got: scaling.prometheus.query, expected: "a PromQL query" });
  if (args.migration && args.migration.command.length === 0) problems.push({ key: "migration.command", got: args.migration.command, expected: "the app's migration command" });
  const timeout = args.migration?.timeoutSeconds;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 30 || timeout > 3600)) problems.push({ key: "migration.timeoutSeconds", got: timeout, expected: "an integer from 30 to 3600" });
  for (const key of Object.keys(args.migration?.secrets ?? {})) if (!ENV_NAME.test(key)) problems.push({ key: `migration.secrets.${key}`, got: key, expected: "an environment variable name (A-Z, 0-9, _)" });
  return problems;
}

/** The port a probe or the scrape names, as a number. */
export function portNumber(port: string | number | undefined, mainPort: number, ports: Record<string, number> | undefined): number {
  if (port === undefined || port === "http") return mainPort;
  return typeof port === "number" ? port : (ports?.[port] ?? mainPort);
}

/** The ALB's health-check path: explicit, else the readiness probe's HTTP path, else `/ready`. */
export function loadBalancerHealthPath(args: AppArgs): string {
  const readiness = args.probes?.readiness;
  return args.healthCheckPath ?? (readiness && "path" in readiness ? readiness.path : "/ready");
}
