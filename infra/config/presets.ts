import { DEFAULT_EKS_VERSION } from "../cluster/eks-versions";
import type { EnvironmentSettings, PresetName } from "./schema";

/*
 * Environment presets: typed data that sizes every component. A stack names one and overrides
 * keys of it in its Pulumi.<stack>.yaml. Figures follow the seeds where they give one (agents
 * 3..20 replicas with 500m/1Gi requests, Prometheus 200 h, nginx 10 r/s API and 5 r/s auth).
 */

const dev: EnvironmentSettings = {
  deletionProtection: false,
  // Two AZs because the ALB and RDS subnet groups require them; one NAT because it costs $32/month each.
  // A NAT instance instead of a NAT gateway: $7 a month against $37, with no failover (dev only).
  network: { cidr: "10.20.0.0/16", azCount: 2, natGateways: "instance", interfaceEndpoints: false, flowLogs: true },
  logs: { retentionDays: 7 },
  cluster: {
    // In standard support until 2027-03-27 (infra/cluster/eks-versions.ts).
    version: DEFAULT_EKS_VERSION,
    supportType: "STANDARD",
    serviceCidr: "172.20.0.0/16",
    // Nobody by default: an eks stack must say how its deployer reaches the API (config check).
    endpointAccess: {},
    // The managed node group runs Karpenter and the add-ons; Karpenter's NodePools add nodes for the workloads.
    // Graviton Spot: the cheapest capacity; dev runs one Karpenter replica, so one node is enough.
    nodeInstanceTypes: ["t4g.medium"],
    minNodes: 1,
    desiredNodes: 1,
    maxNodes: 3,
    capacityType: "SPOT",
    architecture: "arm64",
    fargateSpotPercent: 100,
    ecsExec: false,
    adminRoleArns: [],
    // Karpenter's general NodePool: room for dev's maximum (1 vCPU of agents and sandboxes) and monitoring.
    karpenterMaxVcpu: 8,
    karpenterMaxMemoryGb: 32,
    // AWS's default "Fargate On-Demand vCPU resource count" (L-3032A538): 6 per Region
    // (https://docs.aws.amazon.com/general/latest/gr/ecs-service.html#service-quotas-fargate); set yours once raised.
    fargateVcpuQuota: 6,
  },
  database: {
    engineVersion: "17",
    instanceClass: "db.t4g.micro",
    allocatedStorageGb: 20,
    maxAllocatedStorageGb: 50,
    multiAz: false,
    backupRetentionDays: 1,
    performanceInsights: false,
    monitoringIntervalSeconds: 0,
    readReplicas: 0,
    maxConnections: 100,
    slowQueryMs: 1000,
    // Two agent replicas connect directly; RDS Proxy costs at least 2 vCPU-hours an hour (aws-proxy.ts).
    proxy: false,
    // AWS Backup's daily recovery points, kept beside RDS's automated backups (docs/runbooks/restore.md).
    backupPlanRetentionDays: 7,
  },
  cache: {
    // Valkey: Redis-compatible, and ElastiCache prices its nodes 20 % below Redis OSS.
    engine: "valkey",
    engineVersion: "8.0",
    nodeType: "cache.t4g.micro",
    replicas: 0,
    multiAz: false,
    maxmemoryPolicy: "allkeys-lru",
    snapshotRetentionDays: 0,
  },
  agents: { minReplicas: 1, maxReplicas: 2, cpu: 250, memoryMb: 512, databasePoolSize: 20 },
  sandbox: {
    minReplicas: 1,
    maxReplicas: 2,
    cpu: 250,
    memoryMb: 1024,
    maxConcurrent: 4,
    timeoutMs: 30000,
    executionMemoryMb: 256,
    executionCpuSeconds: 10,
    // Sessions hold their memory between calls, so each replica keeps few: with one execution at its
    // limit beside them they must fit the executor's 768 MiB (2 x (128 + 64 home) + 256 + 64 = 704;
    // infra/config/sandbox-memory.ts). SESSIONS.md's defaults for TTL, idle, CPU and files.
    sessions: { max: 2, ttlSeconds: 3600, idleTimeoutSeconds: 600, memoryMb: 128, cpuSeconds: 300, fileLimitMb: 8 },
    warmPool: 2,
    gvisor: false,
    // The standard library only in every preset: numpy, pandas and matplotlib ("scientific") are
    // an opt-in, for their image size and import time (README, "What executions can import").
    interpreter: "minimal",
    egressAllowCidrs: [],
    engine: "runtime",
  },
  monitoring: { retentionHours: 48, storageGb: 10, alertsRouted: false, managedPrometheus: false },
  loadBalancer: {
    idleTimeoutSeconds: 300,
    waf: false,
    apiRateLimitPerMinute: 600,
    authRateLimitPerMinute: 300,
    allowedCidrs: ["0.0.0.0/0"],
    desyncMitigationMode: "defensive",
    accessLogRetentionDays: 14,
    // dev may run without a domain (plain HTTP, said in a warning); staging and prod may not.
    allowPlainHttp: true,
  },
  // A developer's traffic: little data, one capacity unit at most, a small Prometheus.
  cost: { natGbPerGateway: 10, albLcus: 0.5, logGbPerGroup: 0.5, wafMillionRequests: 0, ecrGbPerRepository: 1, ampMillionSamples: 50, backupGbPerVault: 5, backupCopyGbPerMonth: 0 },
};

/** Prod's shape (3 AZs, NAT per AZ, Multi-AZ data, WAF) at smaller sizes, so prod's failure modes show up here first. */
const staging: EnvironmentSettings = {
  ...dev,
  network: { cidr: "10.30.0.0/16", azCount: 3, natGateways: "perAz", interfaceEndpoints: true, flowLogs: true },
  logs: { retentionDays: 30 },
  cluster: { ...dev.cluster, nodeInstanceTypes: ["m6i.large"], architecture: "x86_64", minNodes: 2, desiredNodes: 2, maxNodes: 3, capacityType: "ON_DEMAND", fargateSpotPercent: 50, karpenterMaxVcpu: 24, karpenterMaxMemoryGb: 96 },
  database: {
    ...dev.database,
    instanceClass: "db.t4g.medium",
    allocatedStorageGb: 50,
    maxAllocatedStorageGb: 200,
    multiAz: true,
    backupRetentionDays: 7,
    performanceInsights: true,
    monitoringIntervalSeconds: 60,
    // 6 agent replicas x a pool of 20 = 120 connections, plus the reserved ones (infra/config/pool-checks.ts).
    maxConnections: 200,
    // Pooled and failover-aware connections through RDS Proxy, as in prod.
    proxy: true,
    backupPlanRetentionDays: 30,
  },
  cache: { ...dev.cache, engine: "redis", engineVersion: "7.1", nodeType: "cache.t4g.small", replicas: 1, multiAz: true, snapshotRetentionDays: 1 },
  agents: { minReplicas: 2, maxReplicas: 6, cpu: 500, memoryMb: 1024, databasePoolSize: 20 },
  sandbox: { ...dev.sandbox, cpu: 500, minReplicas: 2, maxReplicas: 6, maxConcurrent: 8, timeoutMs: 120000, warmPool: 4 },
  monitoring: { retentionHours: 200, storageGb: 50, alertsRouted: true, managedPrometheus: true },
  loadBalancer: { ...dev.loadBalancer, waf: true, accessLogRetentionDays: 30, allowPlainHttp: false },
  cost: { natGbPerGateway: 50, albLcus: 1, logGbPerGroup: 2, wafMillionRequests: 5, ecrGbPerRepository: 2, ampMillionSamples: 200, backupGbPerVault: 40, backupCopyGbPerMonth: 0 },
};

const prod: EnvironmentSettings = {
  deletionProtection: true,
  network: { cidr: "10.40.0.0/16", azCount: 3, natGateways: "perAz", interfaceEndpoints: true, flowLogs: true },
  logs: { retentionDays: 365 },
  // Three managed nodes (one per AZ) for Karpenter and the add-ons; Karpenter's limit covers prod's maximum
  // (30 vCPU and 60 GiB of agents and sandboxes at 20 replicas each) with room for monitoring and overhead.
  cluster: { ...staging.cluster, minNodes: 3, desiredNodes: 3, maxNodes: 4, fargateSpotPercent: 0, karpenterMaxVcpu: 48, karpenterMaxMemoryGb: 192 },
  database: {
    ...staging.database,
    instanceClass: "db.r6g.large",
    allocatedStorageGb: 100,
    maxAllocatedStorageGb: 1000,
    backupRetentionDays: 14,
    monitoringIntervalSeconds: 30,
    // 20 agent replicas x a pool of 20 = 400 connections, plus the reserved ones (infra/config/pool-checks.ts).
    maxConnections: 500,
    slowQueryMs: 500,
    backupPlanRetentionDays: 90,
  },
  cache: { ...staging.cache, nodeType: "cache.r6g.large", replicas: 2, snapshotRetentionDays: 7 },
  agents: { minReplicas: 3, maxReplicas: 20, cpu: 500, memoryMb: 1024, databasePoolSize: 20 },
  // Sessions at the executions' 256 MiB: 4 x (256 + 64 home) + 256 + 64 = 1600 of the executor's 1792 MiB.
  sandbox: { ...staging.sandbox, minReplicas: 3, maxReplicas: 20, cpu: 1000, memoryMb: 2048, maxConcurrent: 16, warmPool: 8, sessions: { ...staging.sandbox.sessions, max: 4, memoryMb: 256 } },
  monitoring: { retentionHours: 720, storageGb: 200, alertsRouted: true, managedPrometheus: true },
  loadBalancer: { ...staging.loadBalancer, desyncMitigationMode: "strictest", accessLogRetentionDays: 90 },
  cost: { natGbPerGateway: 200, albLcus: 5, logGbPerGroup: 10, wafMillionRequests: 50, ecrGbPerRepository: 5, ampMillionSamples: 1500, backupGbPerVault: 150, backupCopyGbPerMonth: 100 },
};

export const PRESETS: Readonly<Record<PresetName, EnvironmentSettings>> = { dev, staging, prod };
