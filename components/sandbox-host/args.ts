import type { LoadBalancer } from "../load-balancer";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { ConfigError } from "../../infra/config/problems";
import { type EnvironmentSettings, type Platform, type PresetName, type SandboxEngine, sandboxSection } from "../../infra/config/schema";
import { argProblems } from "../../infra/config/zod-problems";
import type { EcsCluster } from "../../infra/cluster/ecs";
import type { EksCluster } from "../../infra/cluster/eks";
import type { Transform } from "../../infra/transform";
import { PRESETS } from "../../infra/config/presets";
import type { AgentSandboxArgs } from "./agent-sandbox/args";
import { type SandboxContract, readSandboxContract } from "./contract";
import { SCIENTIFIC_MIN_EXECUTION_MB } from "./interpreter";
import { API_MEMORY_MB } from "./runtime-config";
import { sessionIdleProblem, sessionMemoryProblem } from "../../infra/config/sandbox-memory";
import type { SessionSettings } from "../../infra/config/sandbox-session-fields";

export type SandboxSettings = EnvironmentSettings["sandbox"];

export interface SandboxHostArgs {
  /**
   * Where it renders: a hardened Deployment on `eks` and `kubernetes`, a Fargate service on `ecs`;
   * everywhere one image as two containers, `api` (token, HTTP, probes) and `executor` (runs code).
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
   * Sandbox settings over the preset's: replicas, size, per-pod concurrency, limits, warm pool, gVisor, egress.
   * @default the preset's `sandbox` section
   * @example
   * ```ts
   * { settings: { maxConcurrent: 32, egressAllowCidrs: ["10.40.0.0/16"] } }
   * ```
   */
  settings?: Partial<SandboxSettings>;

  // ---- Sessions (issue #23, sandbox/SESSIONS.md): kept in this block of their own. ----

  /**
   * Session settings over `settings.sessions` and the preset's, key by key: how many sessions a
   * replica holds (`max`, 0 turns sessions off), their TTL and idle timeout (also the most a caller
   * may ask), each session's memory and whole CPU budget, and the largest file moved in or out.
   * Every session at its memory limit plus one execution at its limit must fit the executor's
   * memory (`memoryMb` less the api's 256 MiB, plus 64 MiB of tmpfs home each on eks and kubernetes).
   * With sessions on, replicas forward calls for each other's sessions on the sandbox port: the
   * NetworkPolicy (eks, kubernetes) or security group (ecs) admits the replicas to each other.
   * @default the preset's `sandbox.sessions` (prod: 4 per replica at 256 MiB, 3600 s TTL, 600 s idle, 300 CPU seconds, 8 MiB files)
   * @example
   * ```ts
   * { sessions: { max: 6, memoryMb: 192, idleTimeoutSeconds: 300 } }
   * ```
   */
  sessions?: Partial<SessionSettings>;
  // ---- end of the sessions block ----

  /**
   * The cluster (platform `eks`): its provider, and the node group for gVisor.
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
   * The VPC's AWS endpoints (platform `ecs`): with them the tasks' HTTPS egress goes only to the
   * interface endpoints' security group and the S3 gateway endpoint's prefix list, never to
   * 0.0.0.0/0. Without them (no `network.interfaceEndpoints`), image pulls, logs and the token
   * secret go through NAT and HTTPS must leave to anywhere.
   * @default none: HTTPS to 0.0.0.0/0
   * @example
   * ```ts
   * { awsEndpoints: { securityGroupId: network.endpointSecurityGroupId, s3PrefixListId: network.s3PrefixListId } }
   * ```
   */
  awsEndpoints?: { securityGroupId: pulumi.Input<string>; s3PrefixListId: pulumi.Input<string> };
  /**
   * Days the task logs are kept (platform `ecs`).
   * @default the preset's `logs.retentionDays`
   * @example
   * ```ts
   * { logRetentionDays: 30 }
   * ```
   */
  logRetentionDays?: number;
  /**
   * Kubernetes provider (platform `kubernetes`).
   * @default the ambient kubeconfig
   * @example
   * ```ts
   * { provider: new k8s.Provider("kind", { context: "kind-agentyard" }) }
   * ```
   */
  provider?: pulumi.ProviderResource;
  /**
   * The runtime image. On `eks` without it, the image is built from `sandbox` and pushed to ECR.
   * @default built from sandbox with `settings.interpreter` (eks, ecs); "agentyard-sandbox:local", or "agentyard-sandbox:local-scientific" for the scientific interpreter (kubernetes, built by `npm run image:sandbox:local`)
   * @example
   * ```ts
   * { image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/sandbox@sha256:..." }
   * ```
   */
  image?: pulumi.Input<string>;
  /**
   * Namespace of the sandbox (its own, created).
   * @default "<project>-<stack>-sandbox"
   * @example
   * ```ts
   * { namespace: "sandbox" }
   * ```
   */
  namespace?: string;
  /**
   * Namespace of Prometheus, admitted to scrape /metrics.
   * @example
   * ```ts
   * { monitoringNamespace: monitoring.namespace }
   * ```
   */
  monitoringNamespace?: pulumi.Input<string>;
  /**
   * Edits child resources' args before they are created.
   * @example
   * ```ts
   * { transform: { deployment: (args) => { args.metadata = { ...args.metadata, annotations: { team: "ai" } }; } } }
   * ```
   */
  transform?: { deployment?: Transform<k8s.apps.v1.DeploymentArgs>; seccompInstaller?: Transform<k8s.apps.v1.DaemonSetArgs> };
  /**
   * Publish the sandbox through the load balancer (seed 000: external MCP clients, with the bearer
   * token) on `eks` and `ecs`. Every request still needs the token.
   * @example
   * ```ts
   * { loadBalancer: lb, route: { priority: 90, pathPatterns: ["/mcp", "/mcp/*"] }, loadBalancerCidrs: ["10.80.0.0/22"] }
   * ```
   */
  loadBalancer?: LoadBalancer;
  route?: { priority: number; pathPatterns?: string[]; hosts?: string[]; rateLimit?: "api" | "auth" };
  /**
   * The ALB's subnets (`eks`): the NetworkPolicy admits them, and only them, besides the labelled clients.
   * @example
   * ```ts
   * { loadBalancerCidrs: ["10.80.0.0/22", "10.80.4.0/22"] }
   * ```
   */
  loadBalancerCidrs?: string[];

  // ---- The engine: our runtime Deployment, or a pod per session from agent-sandbox (issue #23) ----

  /**
   * What makes the sandbox pods on `eks` and `kubernetes`: `runtime`, our hardened Deployment of
   * shared replicas behind one Service; `agent-sandbox`, the kubernetes-sigs/agent-sandbox
   * controller (release v0.5.6, installed here) making one pod per `SandboxClaim` from a
   * `SandboxTemplate` of the same two-container pod, with a `SandboxWarmPool` of `minReplicas`
   * pods. `ecs` has only `runtime`.
   *
   * With `agent-sandbox`, the release's four CRDs are a prerequisite SandboxHost does not install
   * (the plan warns): once per cluster, before `pulumi up`, a cluster admin runs
   * ```sh
   * kubectl apply --server-side \
   *   -f https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/v0.5.6/k8s/crds/agents.x-k8s.io_sandboxes.yaml \
   *   -f https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/v0.5.6/k8s/crds/extensions.agents.x-k8s.io_sandboxclaims.yaml \
   *   -f https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/v0.5.6/k8s/crds/extensions.agents.x-k8s.io_sandboxtemplates.yaml \
   *   -f https://raw.githubusercontent.com/kubernetes-sigs/agent-sandbox/v0.5.6/k8s/crds/extensions.agents.x-k8s.io_sandboxwarmpools.yaml
   * ```
   * @default settings.engine (every preset: "runtime")
   * @example
   * ```ts
   * { engine: "agent-sandbox", agentSandbox: { claimants: [{ namespace: "agents", serviceAccountName: "agents" }] } }
   * ```
   */
  engine?: SandboxEngine;
  /**
   * With engine `agent-sandbox`: who may claim sandboxes, and the controller's image.
   * @default no claimant; the release's controller image
   * @example
   * ```ts
   * { agentSandbox: { claimants: [{ namespace: "acme-prod-agents", serviceAccountName: "agents" }] } }
   * ```
   */
  agentSandbox?: AgentSandboxArgs;
}

export interface NormalizedSandboxArgs {
  readonly platform: Platform;
  readonly engine: SandboxEngine;
  readonly settings: SandboxSettings;
  readonly logRetentionDays: number;
  /** The runtime's two-container contract (sandbox/contract.json). */
  readonly contract: SandboxContract;
}

export function normalizeSandboxArgs(name: string, args: SandboxHostArgs): NormalizedSandboxArgs {
  const subject = `SandboxHost "${name}"`;
  if (args.platform === "ecs" && args.ecsCluster === undefined) throw new Error(`${subject}: on ecs it needs ecsCluster`);
  if (args.platform === "eks" && args.cluster === undefined) throw new Error(`${subject}: on eks it needs the cluster`);
  const preset = PRESETS[args.preset ?? "prod"].sandbox;
  const settings = { ...preset, ...args.settings, sessions: { ...preset.sessions, ...args.settings?.sessions, ...args.sessions } };
  const parsed = sandboxSection.safeParse(settings);
  if (!parsed.success) throw new ConfigError(subject, argProblems(parsed.error, settings, "settings"));
  const s = parsed.data;
  const problems = [];
  if (s.minReplicas > s.maxReplicas) problems.push({ key: "settings.minReplicas", got: s.minReplicas, expected: `at most settings.maxReplicas (${s.maxReplicas})` });
  // The api container keeps API_MEMORY_MB of the replica; executions live in the executor's rest.
  if (s.executionMemoryMb > s.memoryMb - API_MEMORY_MB) {
    problems.push({ key: "settings.executionMemoryMb", got: s.executionMemoryMb, expected: `at most settings.memoryMb - ${API_MEMORY_MB} (${s.memoryMb - API_MEMORY_MB}), the executor container's limit` });
  }
  for (const problem of [sessionMemoryProblem(s, args.platform, (path) => `settings.${path}`), sessionIdleProblem(s, (path) => `settings.${path}`)]) if (problem) problems.push(problem);
  if (s.gvisor && args.platform !== "eks") problems.push({ key: "settings.gvisor", got: true, expected: `false on ${args.platform} (the gVisor node group is made on eks; Fargate isolates each task in its own microVM)` });
  if ((args.loadBalancer === undefined) !== (args.route === undefined)) problems.push({ key: "route", got: args.route ? "a route" : "a loadBalancer", expected: "loadBalancer and route together" });
  if (args.route && args.platform === "kubernetes") problems.push({ key: "route", got: "kubernetes", expected: "eks or ecs (on kubernetes the Ingress would sit in another namespace than the sandbox)" });
  if (args.route && args.platform === "eks" && !args.loadBalancerCidrs?.length) problems.push({ key: "loadBalancerCidrs", got: args.loadBalancerCidrs, expected: "the ALB's subnet CIDRs on eks (the default-deny NetworkPolicy admits only them)" });
  const engine = args.engine ?? s.engine;
  if (engine === "agent-sandbox" && args.platform === "ecs") problems.push({ key: args.engine ? "engine" : "settings.engine", got: engine, expected: "runtime on ecs (agent-sandbox is a Kubernetes controller: eks or kubernetes)" });
  if (engine === "agent-sandbox" && args.route) problems.push({ key: "route", got: "a route", expected: "none with engine agent-sandbox (each session's pod is reached by its own name; there is no shared Service to publish)" });
  if (engine === "runtime" && args.agentSandbox) problems.push({ key: "agentSandbox", got: "settings for agent-sandbox", expected: `engine "agent-sandbox" as well (the engine is "runtime")` });
  // --- what executions can import (settings.interpreter) ---
  if (s.interpreter === "scientific" && s.executionMemoryMb < SCIENTIFIC_MIN_EXECUTION_MB) {
    problems.push({ key: "settings.executionMemoryMb", got: s.executionMemoryMb, expected: `at least ${SCIENTIFIC_MIN_EXECUTION_MB} with the scientific interpreter (its imports alone take about 200 MB of an execution's address space)` });
  }
  // --- end of the interpreter's checks ---
  if (problems.length) throw new ConfigError(subject, problems);
  return { platform: args.platform, engine, settings: s, contract: readSandboxContract(), logRetentionDays: args.logRetentionDays ?? PRESETS[args.preset ?? "prod"].logs.retentionDays };
}
