import type { LoadBalancer } from "../load-balancer";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { ConfigError } from "../../infra/config/problems";
import { type EnvironmentSettings, type Platform, type PresetName, sandboxSection } from "../../infra/config/schema";
import { argProblems } from "../../infra/config/zod-problems";
import type { EcsCluster } from "../../infra/cluster/ecs";
import type { EksCluster } from "../../infra/cluster/eks";
import type { Transform } from "../../infra/transform";
import { PRESETS } from "../../infra/config/presets";
import { type SandboxContract, readSandboxContract } from "./contract";
import { SCIENTIFIC_MIN_EXECUTION_MB } from "./interpreter";
import { API_MEMORY_MB } from "./runtime-config";

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
}

export interface NormalizedSandboxArgs {
  readonly platform: Platform;
  readonly settings: SandboxSettings;
  readonly logRetentionDays: number;
  /** The runtime's two-container contract (sandbox/contract.json). */
  readonly contract: SandboxContract;
}

export function normalizeSandboxArgs(name: string, args: SandboxHostArgs): NormalizedSandboxArgs {
  const subject = `SandboxHost "${name}"`;
  if (args.platform === "ecs" && args.ecsCluster === undefined) throw new Error(`${subject}: on ecs it needs ecsCluster`);
  if (args.platform === "eks" && args.cluster === undefined) throw new Error(`${subject}: on eks it needs the cluster`);
  const settings = { ...PRESETS[args.preset ?? "prod"].sandbox, ...args.settings };
  const parsed = sandboxSection.safeParse(settings);
  if (!parsed.success) throw new ConfigError(subject, argProblems(parsed.error, settings, "settings"));
  const s = parsed.data;
  const problems = [];
  if (s.minReplicas > s.maxReplicas) problems.push({ key: "settings.minReplicas", got: s.minReplicas, expected: `at most settings.maxReplicas (${s.maxReplicas})` });
  // The api container keeps API_MEMORY_MB of the replica; executions live in the executor's rest.
  if (s.executionMemoryMb > s.memoryMb - API_MEMORY_MB) {
    problems.push({ key: "settings.executionMemoryMb", got: s.executionMemoryMb, expected: `at most settings.memoryMb - ${API_MEMORY_MB} (${s.memoryMb - API_MEMORY_MB}), the executor container's limit` });
  }
  if (s.gvisor && args.platform !== "eks") problems.push({ key: "settings.gvisor", got: true, expected: `false on ${args.platform} (the gVisor node group is made on eks; Fargate isolates each task in its own microVM)` });
  if ((args.loadBalancer === undefined) !== (args.route === undefined)) problems.push({ key: "route", got: args.route ? "a route" : "a loadBalancer", expected: "loadBalancer and route together" });
  if (args.route && args.platform === "kubernetes") problems.push({ key: "route", got: "kubernetes", expected: "eks or ecs (on kubernetes the Ingress would sit in another namespace than the sandbox)" });
  if (args.route && args.platform === "eks" && !args.loadBalancerCidrs?.length) problems.push({ key: "loadBalancerCidrs", got: args.loadBalancerCidrs, expected: "the ALB's subnet CIDRs on eks (the default-deny NetworkPolicy admits only them)" });
  // --- what executions can import (settings.interpreter) ---
  if (s.interpreter === "scientific" && s.executionMemoryMb < SCIENTIFIC_MIN_EXECUTION_MB) {
    problems.push({ key: "settings.executionMemoryMb", got: s.executionMemoryMb, expected: `at least ${SCIENTIFIC_MIN_EXECUTION_MB} with the scientific interpreter (its imports alone take about 200 MB of an execution's address space)` });
  }
  // --- end of the interpreter's checks ---
  if (problems.length) throw new ConfigError(subject, problems);
  return { platform: args.platform, settings: s, contract: readSandboxContract(), logRetentionDays: args.logRetentionDays ?? PRESETS[args.preset ?? "prod"].logs.retentionDays };
}
