import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { ConfigError } from "../../infra/config/problems";
import { type EnvironmentSettings, type Platform, type PresetName, agentsSection } from "../../infra/config/schema";
import { argProblems } from "../../infra/config/zod-problems";
import type { EcsCluster } from "../../infra/cluster/ecs";
import type { EksCluster } from "../../infra/cluster/eks";
import type { Transform } from "../../infra/transform";
import { PRESETS } from "../../infra/config/presets";
import type { DataTier, SecretReference } from "../data-tier";
import type { LoadBalancer } from "../load-balancer";
import type { SandboxClaims, SandboxHost } from "../sandbox-host";
import type * as ecs from "@pulumi/aws/ecs";
import { type AppArgs, appArgsProblems } from "./app-args";

export type AgentSettings = EnvironmentSettings["agents"];

export interface AgentServiceArgs extends AppArgs {
  /**
   * Where it renders: a hardened Deployment on `eks` and `kubernetes`, a Fargate service on `ecs`.
   * @example
   * ```ts
   * { platform: "eks" }
   * ```
   */
  platform: Platform;
  /**
   * The environment preset that fills every setting not given here.
   * @default "prod"
   * @example
   * ```ts
   * { preset: "dev" }
   * ```
   */
  preset?: PresetName;
  /**
   * Replicas, CPU and memory over the preset's (the seeds: 3 to 20 in prod, 500m and 1 GiB).
   * @default the preset's `agents` section
   * @example
   * ```ts
   * { settings: { minReplicas: 4, maxReplicas: 30 } }
   * ```
   */
  settings?: Partial<AgentSettings>;
  /**
   * The image to run, by reference, or a build context (Dockerfile inside) built and pushed to ECR on `eks`.
   * @example
   * ```ts
   * { image: "ghcr.io/acme/agent@sha256:..." } // or { build: { context: "./agent" } }
   * ```
   */
  image?: pulumi.Input<string>;
  build?: { context: string; dockerfile?: string };
  /**
   * The port the service listens on (named `http`); the default probes ask `/health` (liveness) and `/ready` (readiness) there.
   * @default 8080
   * @example
   * ```ts
   * { port: 3000 }
   * ```
   */
  port?: number;
  /**
   * Plain settings, as environment variables (kept in a ConfigMap).
   * @example
   * ```ts
   * { env: { LOG_LEVEL: "info", MODEL: "gpt-4.1" } }
   * ```
   */
  env?: Record<string, pulumi.Input<string>>;
  /**
   * The OpenTelemetry collector's OTLP/HTTP endpoint (MonitoringStack's `otlpEndpoint`): sets
   * OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME (the service's name)
   * and OTEL_RESOURCE_ATTRIBUTES; `env` overrides any of them.
   * @example
   * ```ts
   * { otlpEndpoint: monitoring.otlpEndpoint }
   * ```
   */
  otlpEndpoint?: pulumi.Input<string>;
  /**
   * Secrets as environment variables, by reference (Secrets Manager ARN and JSON key, or a Kubernetes Secret).
   * @example
   * ```ts
   * { secrets: { OPENAI_API_KEY: { source: "secretsmanager", secretArn: apiKey.arn, jsonKey: "key" } } }
   * ```
   */
  secrets?: Record<string, SecretReference>;
  /**
   * Secret values (such as `config.requireSecret("openaiApiKey")`), as environment variables by
   * reference: one Secrets Manager secret with a JSON key each on `ecs`, the workload's Kubernetes
   * Secret on `eks` (envelope-encrypted with KMS) and `kubernetes`. Never plain environment; the
   * plan shows them as "[secret]".
   * @example
   * ```ts
   * { secretValues: { OPENAI_API_KEY: config.requireSecret("openaiApiKey") } }
   * ```
   */
  secretValues?: Record<string, pulumi.Input<string>>;
  /**
   * The data tier: its `connection` (DATABASE_URL, REDIS_URL...) becomes env, secrets included.
   * @example
   * ```ts
   * { dataTier: data }
   * ```
   */
  dataTier?: DataTier;
  /**
   * The sandbox: SANDBOX_URL, SANDBOX_MCP_URL and SANDBOX_TOKEN become env, and the pods may reach it.
   * @example
   * ```ts
   * { sandbox }
   * ```
   */
  sandbox?: SandboxHost;
  /**
   * The sandbox's claims (`sandbox.claims`, SandboxHost engine `agent-sandbox`), for a service
   * that claims a sandbox pod per session: SANDBOX_CLAIM_NAMESPACE, SANDBOX_CLAIM_API_VERSION,
   * SANDBOX_CLAIM_WARM_POOL and SANDBOX_CLAIM_URL_TEMPLATE (`{sandbox}` for the claim's
   * `status.sandbox.name`) become env, and the container alone gets a Kubernetes API token: projected,
   * valid an hour and rotated by the kubelet, at /var/run/secrets/kubernetes.io/serviceaccount
   * (token, ca.crt, namespace) where in-cluster clients look. The token may do what the
   * ServiceAccount (named as the service) is bound to: give it SandboxHost's
   * `agentSandbox.claimants`. With `sandbox` (its token and the label its NetworkPolicy admits);
   * `eks` and `kubernetes` only.
   * @default none: no claims, no API token
   * @example
   * ```ts
   * { sandbox, sandboxClaims: sandbox.claims }
   * ```
   */
  sandboxClaims?: SandboxClaims;
  /**
   * The load balancer and the route that reaches this service.
   * @example
   * ```ts
   * { loadBalancer: lb, route: { priority: 100, pathPatterns: ["/v1/*"] } }
   * ```
   */
  loadBalancer?: LoadBalancer;
  route?: { priority: number; pathPatterns?: string[]; hosts?: string[]; rateLimit?: "api" | "auth"; deregistrationDelaySeconds?: number };
  /**
   * IAM statements for the service's own role (IRSA on `eks`).
   * @default none: the role exists and may do nothing
   * @example
   * ```ts
   * { iamStatements: [{ Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: ["*"] }] }
   * ```
   */
  iamStatements?: Array<{ Effect: "Allow" | "Deny"; Action: string[]; Resource: pulumi.Input<string>[] }>;
  /**
   * The cluster (platform `eks`).
   * @example
   * ```ts
   * { cluster }
   * ```
   */
  cluster?: EksCluster;
  /**
   * The ECS cluster (platform `ecs`).
   * @example
   * ```ts
   * { ecsCluster }
   * ```
   */
  ecsCluster?: EcsCluster;
  /**
   * Run the task on ARM64 (Graviton: about 20 % cheaper on Fargate); the image must be built for it (platform `ecs`).
   * @default the cluster's `architecture`
   * @example
   * ```ts
   * { arm64: true }
   * ```
   */
  arm64?: boolean;
  /**
   * The container health check (platform `ecs`); the image must have the command. Without one, a
   * `command` liveness probe becomes the health check, and an HTTP one is left to the ALB's check of
   * the readiness path (slim images have no curl to run an HTTP check from inside).
   * @default the liveness probe's command, else none
   * @example
   * ```ts
   * { healthCheckCommand: ["CMD", "/app/healthcheck"] }
   * ```
   */
  healthCheckCommand?: string[];
  /**
   * Days the task logs are kept (platform `ecs`).
   * @default 30
   * @example
   * ```ts
   * { logRetentionDays: 90 }
   * ```
   */
  logRetentionDays?: number;
  /**
   * Kubernetes provider (platform `kubernetes`).
   * @default the ambient kubeconfig
   * @example
   * ```ts
   * { provider }
   * ```
   */
  provider?: pulumi.ProviderResource;
  /**
   * The namespace; created unless `createNamespace` is false.
   * @default "<project>-<stack>-agents"
   * @example
   * ```ts
   * { namespace: "agents" }
   * ```
   */
  namespace?: string;
  /** @default true */
  createNamespace?: boolean;
  /**
   * Edits child resources' args before they are created.
   * @example
   * ```ts
   * { transform: { deployment: (args) => { args.metadata = { ...args.metadata, annotations: { team: "ai" } }; } } }
   * ```
   */
  transform?: {
    deployment?: Transform<k8s.apps.v1.DeploymentArgs>;
    /** The migration Job (`eks`, `kubernetes`). */
    job?: Transform<k8s.batch.v1.JobArgs>;
    /** The task definition (`ecs`). */
    taskDefinition?: Transform<ecs.TaskDefinitionArgs>;
    /** The Fargate service (`ecs`). */
    service?: Transform<ecs.ServiceArgs>;
  };
}

export interface NormalizedAgentArgs {
  readonly platform: Platform;
  readonly settings: AgentSettings;
  readonly port: number;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function normalizeAgentArgs(name: string, args: AgentServiceArgs): NormalizedAgentArgs {
  const subject = `AgentService "${name}"`;
  if (args.platform === "ecs" && args.ecsCluster === undefined) throw new Error(`${subject}: on ecs it needs ecsCluster`);
  if (args.platform === "eks" && args.cluster === undefined) throw new Error(`${subject}: on eks it needs the cluster`);
  if ((args.image === undefined) === (args.build === undefined)) throw new Error(`${subject}: give exactly one of image and build`);
  if (args.build && args.platform === "kubernetes") throw new Error(`${subject}: build needs a registry (eks, ecs); on kubernetes give an image built locally`);
  if (args.kind === "worker" && (args.loadBalancer || args.route)) {
    throw new ConfigError(subject, [{ key: "route", got: args.route ?? "a loadBalancer", expected: "none: a worker has no route and no public exposure" }]);
  }
  if ((args.loadBalancer === undefined) !== (args.route === undefined)) throw new Error(`${subject}: loadBalancer and route go together`);
  const settings = { ...PRESETS[args.preset ?? "prod"].agents, ...args.settings };
  const parsed = agentsSection.safeParse(settings);
  if (!parsed.success) throw new ConfigError(subject, argProblems(parsed.error, settings, "settings"));
  const problems = [];
  if (parsed.data.minReplicas > parsed.data.maxReplicas) problems.push({ key: "settings.minReplicas", got: parsed.data.minReplicas, expected: `at most settings.maxReplicas (${parsed.data.maxReplicas})` });
  const port = args.port ?? 8080;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) problems.push({ key: "port", got: port, expected: "an unprivileged port from 1024 to 65535 (the pod runs non-root)" });
  for (const key of [...Object.keys(args.env ?? {}), ...Object.keys(args.secrets ?? {}), ...Object.keys(args.secretValues ?? {})]) {
    if (!ENV_NAME.test(key)) problems.push({ key: `env.${key}`, got: key, expected: "an environment variable name (A-Z, 0-9, _)" });
  }
  const clash = Object.keys(args.env ?? {}).filter((k) => k in (args.secrets ?? {}) || k in (args.secretValues ?? {}));
  for (const key of clash) problems.push({ key: `secrets.${key}`, got: key, expected: "a name not also in env" });
  problems.push(...appArgsProblems(args, port), ...platformProblems(args), ...claimsProblems(args));
  if (problems.length) throw new ConfigError(subject, problems);
  return { platform: args.platform, settings: parsed.data, port };
}

/** Claims need the sandbox they are of, a pod to hold the token, and an engine that takes claims. */
function claimsProblems(args: AgentServiceArgs): Array<{ key: string; got: unknown; expected: string }> {
  if (args.sandboxClaims === undefined) return [];
  if (args.platform === "ecs") return [{ key: "sandboxClaims", got: "ecs", expected: "eks or kubernetes (SandboxClaims are Kubernetes objects; on ecs the sandbox is one shared service: use sandbox alone)" }];
  if (args.sandbox === undefined) return [{ key: "sandboxClaims", got: "claims without a sandbox", expected: "sandbox as well (its bearer token, and the label its NetworkPolicy admits)" }];
  if (args.sandbox.claims === undefined) return [{ key: "sandboxClaims", got: "claims of a sandbox whose engine is runtime", expected: "a SandboxHost with engine agent-sandbox (its claims)" }];
  return [];
}

/** What a platform cannot do, refused with the reason rather than dropped. */
function platformProblems(args: AgentServiceArgs): Array<{ key: string; got: unknown; expected: string }> {
  const problems: Array<{ key: string; got: unknown; expected: string }> = [];
  for (const [volumeName, volume] of Object.entries(args.volumes ?? {})) {
    if (volume.type === "efs") problems.push({ key: `volumes.${volumeName}`, got: "efs", expected: "scratch or config: EFS volumes are not built yet (EFS CSI driver on EKS, efsVolumeConfiguration on Fargate); use a scratch volume or an external store" });
  }
  if (args.platform === "ecs") {
    if (args.fieldEnv && Object.keys(args.fieldEnv).length) problems.push({ key: "fieldEnv", got: Object.keys(args.fieldEnv), expected: "none on ecs: a task has no pod fields (read ECS_CONTAINER_METADATA_URI_V4 for the task's ARN)" });
    if (args.autoscaling?.prometheus) problems.push({ key: "autoscaling.prometheus", got: args.autoscaling.prometheus.query, expected: "none on ecs: Application Auto Scaling tracks CloudWatch metrics, not Prometheus queries (publish the metric to CloudWatch and use a transform)" });
    if (args.migration) problems.push({ key: "migration", got: args.migration.command, expected: "none on ecs yet: a one-off task during up is not built; run it from CI with aws ecs run-task" });
    if (args.registryCredentials && args.registryCredentials.secretArn === undefined) problems.push({ key: "registryCredentials.secretArn", got: undefined, expected: "a Secrets Manager secret with username and password on ecs (repositoryCredentials)" });
    for (const [key, probe] of Object.entries(args.probes ?? {})) {
      if (probe && "tcp" in probe) problems.push({ key: `probes.${key}`, got: "tcp", expected: "path or command on ecs: a container health check runs a command, and the ALB checks an HTTP path" });
    }
  } else if (args.registryCredentials && args.registryCredentials.kubernetesSecretName === undefined) {
    problems.push({ key: "registryCredentials.kubernetesSecretName", got: undefined, expected: "a kubernetes.io/dockerconfigjson Secret in the namespace on eks and kubernetes (imagePullSecrets)" });
  }
  return problems;
}
