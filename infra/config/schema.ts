import { z } from "zod";
import {
  cacheNodeType,
  cidrBlock,
  dbInstanceClass,
  ec2InstanceType,
  flag,
  integer,
  listOf,
  logRetentionDays,
  oneOf,
  text,
} from "./fields";
import { agentAppFields } from "./agent-app-schema";
import { backupFields, observabilityFields } from "./day2-fields";
import { sessionsSection, warmPoolField } from "./sandbox-session-fields";

export const PLATFORMS = ["eks", "ecs", "kubernetes"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PRESET_NAMES = ["dev", "staging", "prod"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** What a sandbox execution can import (sandbox/Dockerfile's SANDBOX_PYTHON build argument). */
export const SANDBOX_INTERPRETERS = ["minimal", "scientific"] as const;
export type SandboxInterpreter = (typeof SANDBOX_INTERPRETERS)[number];

/** How outbound internet reaches the private subnets. */
/** `instance`: one small EC2 instance doing NAT (dev: a tenth of a NAT gateway's price). */
export const NAT_MODES = ["perAz", "single", "instance", "none"] as const;

/**
 * What runs the sandbox on Kubernetes: `runtime`, our Deployment of shared replicas; `agent-sandbox`,
 * a pod per session made by the kubernetes-sigs/agent-sandbox controller from a SandboxTemplate and
 * a warm pool (components/sandbox-host/agent-sandbox/; its CRDs a cluster admin applies first,
 * agent-sandbox/crds.ts). ECS has only `runtime`.
 */
export const SANDBOX_ENGINES = ["runtime", "agent-sandbox"] as const;
export type SandboxEngine = (typeof SANDBOX_ENGINES)[number];

export const REDIS_EVICTION_POLICIES = [
  "noeviction",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
] as const;

/*
 * Each section is a strict object: an unknown key is a typo until proven otherwise, and a typo in
 * infrastructure config silently falls back to a default in every tool that does not check.
 */

export const networkSection = z.strictObject({
  /** The VPC's IPv4 block; subnets are carved from it per AZ. */
  cidr: cidrBlock(16, 20),
  /** How many availability zones the VPC spans (ALB and RDS subnet groups need at least 2). */
  azCount: integer(2, 6),
  /** `perAz`: a NAT gateway per AZ (zonal failure isolation); `single`: one shared NAT; `none`: no egress. */
  natGateways: oneOf(NAT_MODES),
  /** Interface endpoints for ECR, Secrets Manager, CloudWatch Logs and STS, so image pulls and secrets skip the NAT. */
  interfaceEndpoints: flag(),
  /** VPC flow logs to CloudWatch Logs. */
  flowLogs: flag(),
});

export const logsSection = z.strictObject({
  /** Retention of every CloudWatch log group the stack creates (flow logs, control plane, tasks). */
  retentionDays: logRetentionDays(),
});

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export const clusterSection = z.strictObject({
  /** Kubernetes minor version of the EKS control plane; must be in standard support unless supportType is EXTENDED (infra/cluster/eks-versions.ts). */
  version: text(/^1\.\d{2}$/, "a Kubernetes minor version such as 1.35"),
  /** EKS upgrade policy: STANDARD ($0.10/h, upgraded by AWS at end of standard support) or EXTENDED ($0.60/h once the version ages). */
  supportType: oneOf(["STANDARD", "EXTENDED"] as const),
  /** The Kubernetes service IP range; must not overlap the VPC. */
  serviceCidr: cidrBlock(12, 24),
  /**
   * How the deployer and CI reach the Kubernetes API (`pulumi up` installs charts and objects through it):
   * `publicCidrs`, the egress addresses allowed on the public endpoint; `privateCidrs`, networks inside the VPC or
   * connected to it (a self-hosted runner, a VPN) admitted on 443 to the private endpoint. An eks stack needs one.
   */
  endpointAccess: z.strictObject({
    publicCidrs: listOf(cidrBlock(), 40, "IPv4 CIDR blocks").optional(),
    privateCidrs: listOf(cidrBlock(), 40, "IPv4 CIDR blocks").optional(),
  }, { error: "an object with publicCidrs and/or privateCidrs" }),
  /** Instance types of the general node group. */
  nodeInstanceTypes: listOf(ec2InstanceType(), 10, "EC2 instance types").min(1, { error: "at least one EC2 instance type" }),
  minNodes: integer(1, 100),
  desiredNodes: integer(1, 100),
  maxNodes: integer(1, 100),
  capacityType: oneOf(["ON_DEMAND", "SPOT"] as const),
  /** CPU architecture of nodes (eks) and tasks (ecs); images are built for it. ARM (Graviton) costs about 20 % less. */
  architecture: oneOf(["x86_64", "arm64"] as const),
  /** ECS: share of tasks on FARGATE_SPOT, in percent (the rest on FARGATE). */
  fargateSpotPercent: integer(0, 100),
  /** ECS: allow `aws ecs execute-command` into tasks (off: no shell into production). */
  ecsExec: flag(),
  /** IAM roles given cluster-admin through EKS access entries (the deployer gets it as creator). */
  adminRoleArns: listOf(text(IAM_ROLE_ARN, "an IAM role ARN"), 20, "IAM role ARNs"),
  /** The role CI assumes for `pulumi preview` (vars.AWS_PREVIEW_ROLE_ARN): an access entry of its own. */
  ciRoleArn: text(IAM_ROLE_ARN, "an IAM role ARN").optional(),
  /** eks: the most vCPU Karpenter's general NodePool may launch (its `limits.cpu`); the managed node group is extra. */
  karpenterMaxVcpu: integer(2, 10000),
  /** eks: the most memory, in GiB, Karpenter's general NodePool may launch (its `limits.memory`). */
  karpenterMaxMemoryGb: integer(4, 100000),
  /** ecs: the account's Fargate vCPU quota (On-Demand, and Spot alike) the capacity check counts against; AWS's default is 6. */
  fargateVcpuQuota: integer(1, 1000000),
});

export const databaseSection = z.strictObject({
  /** PostgreSQL major version (pgvector with HNSW needs 16 or later here). */
  engineVersion: text(/^(1[6-9]|[2-9]\d)(\.\d+)?$/, "a PostgreSQL version of 16 or later, such as 17"),
  instanceClass: dbInstanceClass(),
  allocatedStorageGb: integer(20, 65536),
  maxAllocatedStorageGb: integer(20, 65536),
  multiAz: flag(),
  backupRetentionDays: integer(1, 35),
  performanceInsights: flag(),
  /** Enhanced monitoring interval; 0 turns it off. */
  monitoringIntervalSeconds: z.union([0, 1, 5, 10, 15, 30, 60].map((n) => z.literal(n)) as [z.ZodLiteral<number>, ...z.ZodLiteral<number>[]], {
    error: "one of 0, 1, 5, 10, 15, 30, 60",
  }),
  readReplicas: integer(0, 5),
  maxConnections: integer(20, 5000),
  /** `log_min_duration_statement`: statements slower than this are logged; -1 turns it off. */
  slowQueryMs: integer(-1, 600000),
  /** eks/ecs: RDS Proxy in front of PostgreSQL (TLS and IAM auth required); services' DATABASE_URL goes through it. */
  proxy: flag(),
  ...backupFields,
});

export const cacheSection = z.strictObject({
  engine: oneOf(["redis", "valkey"] as const),
  engineVersion: text(/^\d+\.\d+$/, "a major.minor engine version such as 7.1"),
  nodeType: cacheNodeType(),
  /** Replicas per shard; automatic failover and Multi-AZ need at least one. */
  replicas: integer(0, 5),
  multiAz: flag(),
  maxmemoryPolicy: oneOf(REDIS_EVICTION_POLICIES),
  snapshotRetentionDays: integer(0, 35),
});

const workloadFields = {
  minReplicas: integer(1, 100),
  maxReplicas: integer(1, 100),
  /** CPU request in millicores. */
  cpu: integer(100, 16000),
  /** Memory request in MiB. */
  memoryMb: integer(128, 122880),
};

export const agentsSection = z.strictObject({
  ...workloadFields,
  /** Database connections each agent replica's pool may open (`DATABASE_POOL_SIZE`; the seeds' 20); max replicas x this must fit max_connections. */
  databasePoolSize: integer(1, 500),
  /** The agent service's image; without one the stack deploys no agent service (and says so). */
  image: text(/^[a-z0-9][\w.\-/:@]{2,300}$/, "an image reference such as ghcr.io/acme/agent:1.2.0 or repo@sha256:...").optional(),
  /** The app itself (port, probes, env, secrets, command, volumes, route, autoscaling, migration): see agent-app-schema.ts. */
  ...agentAppFields,
});

export const sandboxSection = z.strictObject({
  ...workloadFields,
  /** Executions one sandbox replica runs at once (the seeds' MAX_SANDBOXES); more are answered 429. */
  maxConcurrent: integer(1, 256),
  /** Wall-clock limit of one execution (the seeds' SANDBOX_TIMEOUT). */
  timeoutMs: integer(1000, 1800000),
  /** Address-space limit of one execution (the seeds' SANDBOX_MEMORY_LIMIT). */
  executionMemoryMb: integer(32, 16384),
  /** CPU-time limit of one execution, in seconds (an rlimit, unlike the seeds' CPU percentage). */
  executionCpuSeconds: integer(1, 3600),
  /** Supervisors the executor isolates ahead of demand per replica (`SANDBOX_WARM_POOL`, 1 to 64; see sandbox-session-fields.ts). */
  warmPool: warmPoolField(),
  /** Sessions: interpreters kept between calls (sandbox/SESSIONS.md); see sandbox-session-fields.ts. */
  sessions: sessionsSection,
  /** Run sandbox pods under gVisor on a dedicated, tainted node group. */
  gvisor: flag(),
  /**
   * What executions can import: `minimal`, Python's standard library; `scientific`, also numpy,
   * pandas and matplotlib (Debian's packages; matplotlib draws with Agg into the scratch). The
   * image SandboxHost builds gets it as `SANDBOX_PYTHON`; on `kubernetes` it runs
   * `agentyard-sandbox:local` or `agentyard-sandbox:local-scientific` (`npm run
   * image:sandbox:local`); an `image` given to SandboxHost is run as it is. Scientific makes the
   * image larger and each execution that imports the three slower, and needs `executionMemoryMb`
   * of 256 or more (the imports take about 200 MB of it): README, "What executions can import",
   * has the measured numbers.
   * @default "minimal" (every preset)
   * @example "scientific"
   */
  interpreter: oneOf(SANDBOX_INTERPRETERS),
  /** Destinations the sandbox may reach; empty means no egress at all. */
  egressAllowCidrs: listOf(cidrBlock(), 20, "IPv4 CIDR blocks"),
  /**
   * `runtime` (shared replicas behind one Service) or `agent-sandbox` (eks, kubernetes: a pod per
   * SandboxClaim from the agent-sandbox controller; minReplicas sizes its warm pool, maxReplicas caps its pods).
   */
  engine: oneOf(SANDBOX_ENGINES),
});

export const monitoringSection = z.strictObject({
  /** Prometheus TSDB retention (the seeds keep 200 h). */
  retentionHours: integer(2, 8760),
  storageGb: integer(5, 16384),
  /** Route alerts to the configured receivers; off, they only show in Alertmanager. */
  alertsRouted: flag(),
  /** ECS: Amazon Managed Service for Prometheus with the alert rules (off: Container Insights only, dev). */
  managedPrometheus: flag(),
  ...observabilityFields,
});

export const loadBalancerSection = z.strictObject({
  /** Idle timeout; long enough for streamed answers (the seeds use 300 s). */
  idleTimeoutSeconds: integer(1, 4000),
  /** A WAFv2 web ACL with per-IP rate limits and the AWS common rule set. */
  waf: flag(),
  /** Requests per client IP per minute on the API before WAF blocks (the seeds: 10 r/s). */
  apiRateLimitPerMinute: integer(10, 2000000000),
  /** Requests per client IP per minute on auth paths (the seeds: 5 r/s). */
  authRateLimitPerMinute: integer(10, 2000000000),
  /** Sources allowed on 80/443; the default is the whole internet. */
  allowedCidrs: listOf(cidrBlock(), 50, "IPv4 CIDR blocks").min(1, { error: "at least one IPv4 CIDR block" }),
  /** How the ALB treats ambiguous HTTP requests (request smuggling). */
  desyncMitigationMode: oneOf(["defensive", "strictest"] as const),
  /** Days access logs are kept in their S3 bucket. */
  accessLogRetentionDays: integer(1, 3650),
  /** Serve plain HTTP when no domain or certificate is set (on AWS). Off in staging and prod: they refuse that unless this opts in. */
  allowPlainHttp: flag(),
  /** The public host name; with hostedZoneId, a certificate is requested and validated by DNS. Unset: HTTP only. */
  domain: text(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a lower-case DNS name such as agents.example.com").optional(),
  /** A Route 53 hosted zone id for the domain's validation and alias records. */
  hostedZoneId: text(/^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ").optional(),
  /** An existing ACM certificate to serve instead of requesting one. */
  certificateArn: text(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, "an ACM certificate ARN").optional(),
});

/** Every setting a preset fixes; config may override any key of it. */
/** Usage the cost estimate assumes (a plan cannot know traffic); see cli/cost/assumptions.ts. */
export const costSection = z.strictObject({
  natGbPerGateway: integer(0, 1000000),
  albLcus: z.number({ error: "a number of load balancer capacity units" }).min(0).max(10000),
  logGbPerGroup: z.number({ error: "a number of GB" }).min(0).max(100000),
  wafMillionRequests: z.number({ error: "a number of million requests" }).min(0).max(1000000),
  ecrGbPerRepository: z.number({ error: "a number of GB" }).min(0).max(10000),
  ampMillionSamples: z.number({ error: "a number of million samples" }).min(0).max(10000000),
  /** GB of database recovery points held in each backup vault (incremental snapshots, all kept days). */
  backupGbPerVault: z.number({ error: "a number of GB" }).min(0).max(10000000),
  /** GB copied to the second region a month (the copies' cross-region transfer). */
  backupCopyGbPerMonth: z.number({ error: "a number of GB" }).min(0).max(10000000),
});

export const settingsSchema = z.strictObject({
  /** Deletion protection on the database, the load balancer and stateful stores. */
  deletionProtection: flag(),
  network: networkSection,
  logs: logsSection,
  cluster: clusterSection,
  database: databaseSection,
  cache: cacheSection,
  agents: agentsSection,
  sandbox: sandboxSection,
  monitoring: monitoringSection,
  loadBalancer: loadBalancerSection,
  cost: costSection,
});

export type EnvironmentSettings = z.infer<typeof settingsSchema>;
export type SettingsSection = Exclude<keyof EnvironmentSettings, "deletionProtection">;

/** What a stack's `agentyard:*` config may hold: the platform, the preset, and any key of the preset. */
export const stackConfigSchema = z.strictObject({
  platform: oneOf(PLATFORMS),
  preset: oneOf(PRESET_NAMES),
  deletionProtection: flag().optional(),
  network: networkSection.partial().optional(),
  logs: logsSection.partial().optional(),
  cluster: clusterSection.partial().optional(),
  database: databaseSection.partial().optional(),
  cache: cacheSection.partial().optional(),
  agents: agentsSection.partial().optional(),
  // A nested section is given key by key too: `sandbox: { sessions: { max: 8 } }` keeps the preset's other session keys.
  sandbox: sandboxSection.extend({ sessions: sessionsSection.partial() }).partial().optional(),
  monitoring: monitoringSection.partial().optional(),
  loadBalancer: loadBalancerSection.partial().optional(),
  cost: costSection.partial().optional(),
});

export type StackConfigInput = z.infer<typeof stackConfigSchema>;

export const AWS_REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

export type DatabaseSettings = EnvironmentSettings["database"];
export type CacheSettings = EnvironmentSettings["cache"];
