import { z } from "zod";
import { integer, listOf, oneOf, text } from "./fields";

/*
 * What the `agents` section carries beyond sizing, so that an app deploys from `pulumi config set`
 * alone (issue #19): the same shapes as AgentService's args, validated here so that an error names
 * the config key. Every field is optional: the stack then deploys the app as before.
 */

const envName = () => text(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name (A-Z, 0-9, _)");
const path = () => text(/^\/[\w.\-/]*$/, "an absolute path such as /health");
const portName = () => text(/^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/, "a port name of at most 15 lower-case letters, digits and dashes");
const seconds = (min: number, max: number) => integer(min, max).optional();
const args = () => listOf(z.string({ error: "a string" }), 64, "arguments");

const probeTimings = {
  initialDelaySeconds: seconds(0, 3600),
  periodSeconds: seconds(1, 3600),
  timeoutSeconds: seconds(1, 3600),
  failureThreshold: seconds(1, 3600),
};
const probe = z.union(
  [
    z.strictObject({ path: path(), port: z.union([portName(), integer(1024, 65535)]).optional(), ...probeTimings }),
    z.strictObject({ tcp: z.literal(true, { error: "true" }), port: z.union([portName(), integer(1024, 65535)]).optional(), ...probeTimings }),
    z.strictObject({ command: args(), ...probeTimings }),
  ],
  { error: "a probe: { path } (HTTP GET), { tcp: true } or { command: [...] }, with optional timings" },
);

const volume = z.union(
  [
    z.strictObject({ type: z.literal("scratch"), path: path(), sizeMb: integer(1, 204800) }),
    z.strictObject({ type: z.literal("config"), path: path(), files: z.record(text(/^[A-Za-z0-9._-]{1,253}$/, "a file name"), z.string({ error: "the file's content" })) }),
  ],
  { error: 'a volume: { type: "scratch", path, sizeMb } or { type: "config", path, files }' },
);

export const agentAppFields = {
  /** `service` (routed) or `worker` (no route, no public exposure). */
  kind: oneOf(["service", "worker"] as const).optional(),
  /** The port the app listens on. */
  port: integer(1024, 65535).optional(),
  command: args().optional(),
  args: args().optional(),
  /** Plain settings as environment variables. */
  env: z.record(envName(), z.string({ error: "a string" })).optional(),
  /**
   * Secret values: set each with `pulumi config set --secret --path 'agentyard:agents.secrets.NAME' value`.
   * They become a Secrets Manager secret (ecs) or the workload's Secret (eks, kubernetes), never plain env.
   */
  // `{ secure }` is the ciphertext as the stack file stores it: the Pulumi engine decrypts it before
  // the program runs; the offline plan, which cannot, sees this form.
  secrets: z.record(envName(), z.union([z.string(), z.strictObject({ secure: z.string() })], { error: "a string" })).optional(),
  probes: z.strictObject({ liveness: probe.optional(), readiness: probe.optional(), startup: probe.optional() }).optional(),
  healthCheckPath: path().optional(),
  ports: z.record(portName(), integer(1024, 65535)).optional(),
  metricsPort: portName().optional(),
  fieldEnv: z.record(envName(), oneOf(["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.podIP", "status.hostIP"] as const)).optional(),
  volumes: z.record(portName(), volume).optional(),
  stickySessionSeconds: integer(1, 86400).optional(),
  /** The load balancer route; the reference stacks default to every path (`/*`, priority 100). */
  route: z
    .strictObject({
      priority: integer(1, 50000),
      pathPatterns: listOf(path().or(text(/^\/.*\*$/, "a path pattern such as /v1/*")), 5, "path patterns").optional(),
      hosts: listOf(z.string({ error: "a host name" }), 5, "host names").optional(),
      rateLimit: oneOf(["api", "auth"] as const).optional(),
    })
    .optional(),
  autoscaling: z
    .strictObject({
      requestsPerTarget: integer(1, 1000000).optional(),
      requestsMetric: text(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name").optional(),
      prometheus: z.strictObject({ query: z.string({ error: "a PromQL query" }).min(1, { error: "a PromQL query" }), threshold: z.number({ error: "a number above 0" }).positive({ error: "a number above 0" }) }).optional(),
      prometheusUrl: text(/^https?:\/\/\S+$/, "an http(s) URL").optional(),
    })
    .optional(),
  migration: z.strictObject({ command: args().min(1, { error: "the app's migration command" }), timeoutSeconds: integer(30, 3600).optional() }).optional(),
};
