import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../infra/config/load";
import { AgentService } from "../components/agent-service";
import { agentAppArgs } from "./agent-app";
import { DataTier } from "../components/data-tier";
import { LoadBalancer } from "../components/load-balancer";
import { MonitoringStack } from "../components/monitoring-stack";
import { SandboxHost, type SandboxHostArgs } from "../components/sandbox-host";
import { EcsCluster } from "../infra/cluster/ecs";
import { EksCluster } from "../infra/cluster/eks";
import { Network } from "../infra/network/network";
import { currentScope } from "../infra/naming";

/** What a stack exports. Secret values are never exported, only their ARNs. */
export interface PlatformOutputs {
  readonly platform: string;
  readonly preset: string;
  readonly region: string | undefined;
  readonly vpcId?: pulumi.Output<string>;
  readonly privateSubnetIds?: pulumi.Output<string>[];
  readonly publicSubnetIds?: pulumi.Output<string>[];
  readonly isolatedSubnetIds?: pulumi.Output<string>[];
  /** The public URL; `http://` with a warning when no certificate is configured. */
  readonly url: pulumi.Output<string>;
  readonly warnings: readonly string[];
  readonly databaseHost: pulumi.Output<string>;
  readonly cacheHost: pulumi.Output<string>;
  /** ARNs of the secrets services read (DATABASE_URL, REDIS_URL); never their values. */
  readonly dataSecretArns: pulumi.Output<string>[];
  readonly databaseBootstrapChecksum: string;
  /** Grafana's URL (in-cluster unless a host is configured); none on ecs. */
  readonly grafanaUrl: pulumi.Output<string> | undefined;
  /** The SNS topic alerts are sent to (AWS platforms). */
  readonly alertTopicArn: pulumi.Output<string> | undefined;
  readonly clusterName?: pulumi.Output<string>;
  /** The command that writes a kubeconfig for the cluster (eks). */
  readonly kubeconfigCommand?: pulumi.Output<string>;
  /** The command that follows the sandbox's logs. */
  readonly logsCommand?: pulumi.Output<string>;
  readonly sandboxUrl?: pulumi.Output<string>;
  readonly sandboxImage?: pulumi.Output<string>;
  readonly agentImage?: pulumi.Output<string>;
}

/**
 * Composes the platform for one validated stack config: the network and cluster (AWS), the load
 * balancer, the data tier, the sandbox, the agent service (when an image is configured) and
 * monitoring; on `ecs` the services run on Fargate.
 */
export function definePlatform(config: StackConfig): PlatformOutputs {
  const { settings } = config;
  const base = { platform: config.platform, preset: config.preset, region: config.region };
  const lbSettings = { ...settings.loadBalancer, deletionProtection: settings.deletionProtection };
  const scope = currentScope();
  const agentsNamespace = `${scope.project}-${scope.stack}-agents`.slice(0, 63);
  const warnings: string[] = [];

  if (config.platform === "kubernetes") {
    const lb = new LoadBalancer("public", { platform: config.platform, preset: config.preset, ...lbSettings, namespace: agentsNamespace });
    const data = new DataTier("data", { platform: config.platform, preset: config.preset, database: settings.database, cache: settings.cache });
    const monitoring = monitoringFor(config, data, undefined, undefined);
    const sandbox = new SandboxHost("sandbox", { platform: config.platform, preset: config.preset, settings: settings.sandbox, monitoringNamespace: monitoring.namespace, ...claimantsFor(config, agentsNamespace) });
    const agents = agentsFor(config, { data, sandbox, lb, namespace: agentsNamespace, otlpEndpoint: monitoring.otlpEndpoint }, warnings);
    return {
      ...base,
      url: lb.url,
      warnings: [...lb.warnings, ...monitoring.warnings, ...warnings],
      ...dataOutputs(data),
      ...monitoringOutputs(monitoring),
      sandboxUrl: sandbox.url,
      sandboxImage: sandbox.image,
      agentImage: agents?.image,
      logsCommand: pulumi.interpolate`kubectl logs -n ${sandbox.namespace} deploy/sandbox -f`,
    };
  }

  const network = new Network("network", { preset: config.preset, ...settings.network, flowLogRetentionDays: settings.logs.retentionDays });
  const cluster =
    config.platform === "eks"
      ? new EksCluster("cluster", {
          settings: settings.cluster,
          vpcId: network.vpcId,
          privateSubnetIds: network.privateSubnetIds,
          logRetentionDays: settings.logs.retentionDays,
          region: config.region ?? "",
          gvisorNodeGroup: settings.sandbox.gvisor,
        })
      : undefined;
  const lb = new LoadBalancer("public", {
    platform: config.platform,
    preset: config.preset,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    workloadSecurityGroupIds: cluster ? [cluster.nodeSecurityGroupId] : [],
    ...lbSettings,
  });
  const data = new DataTier("data", {
    platform: config.platform,
    preset: config.preset,
    vpcId: network.vpcId,
    isolatedSubnetIds: network.isolatedSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    database: settings.database,
    cache: settings.cache,
    deletionProtection: settings.deletionProtection,
    logRetentionDays: settings.logs.retentionDays,
    workloadSecurityGroupIds: cluster ? [cluster.nodeSecurityGroupId] : [],
  });
  const ecsCluster = cluster ? undefined : new EcsCluster("ecs", { settings: settings.cluster, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds });
  const monitoring = monitoringFor(config, data, cluster, ecsCluster);
  let sandbox: SandboxHost;
  let agents: AgentService | undefined;
  if (cluster) {
    sandbox = new SandboxHost("sandbox", { platform: "eks", preset: config.preset, settings: settings.sandbox, cluster, monitoringNamespace: monitoring.namespace, ...claimantsFor(config, agentsNamespace) });
    agents = agentsFor(config, { data, sandbox, lb, cluster, namespace: agentsNamespace, otlpEndpoint: monitoring.otlpEndpoint }, warnings);
  } else {
    const awsEndpoints = network.endpointSecurityGroupId ? { securityGroupId: network.endpointSecurityGroupId, s3PrefixListId: network.s3PrefixListId } : undefined;
    sandbox = new SandboxHost("sandbox", { platform: "ecs", preset: config.preset, settings: settings.sandbox, ecsCluster, awsEndpoints, logRetentionDays: settings.logs.retentionDays });
    agents = agentsFor(config, { data, sandbox, lb, ecsCluster, namespace: agentsNamespace, otlpEndpoint: monitoring.otlpEndpoint }, warnings);
    monitoring.collect([sandbox.metricsTarget, agents?.metricsTarget && { ...agents.metricsTarget, otlp: true }].filter((t) => t !== undefined));
  }
  for (const warning of warnings) pulumi.log.warn(warning);
  return {
    ...base,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    isolatedSubnetIds: network.isolatedSubnetIds,
    url: lb.url,
    warnings: [...lb.warnings, ...monitoring.warnings, ...warnings],
    ...dataOutputs(data),
    ...monitoringOutputs(monitoring),
    clusterName: cluster?.name,
    // The first admin role when there is one: the deployer's own identity otherwise (it is the cluster's creator).
    kubeconfigCommand: cluster
      ? pulumi.interpolate`aws eks update-kubeconfig --region ${config.region ?? ""} --name ${cluster.name}${settings.cluster.adminRoleArns[0] ? ` --role-arn ${settings.cluster.adminRoleArns[0]}` : ""}`
      : undefined,
    sandboxUrl: sandbox.url,
    sandboxImage: sandbox.image,
    agentImage: agents?.image,
    logsCommand: cluster
      ? pulumi.interpolate`kubectl logs -n ${sandbox.namespace} deploy/sandbox -f`
      : pulumi.output(`aws logs tail /agentyard/${scope.project}-${scope.stack}-sandbox --follow --region ${config.region ?? ""}`),
  };
}

/** The agent service's name, and so its ServiceAccount's (infra/kubernetes/workload.ts names it after the app). */
const AGENTS = "agents";

/**
 * Engine agent-sandbox: the agent service, when there is one, may claim sandboxes (SandboxHost
 * binds its ServiceAccount to the claimant Role; agentsFor gives it the claims and so its API token).
 */
function claimantsFor(config: StackConfig, agentsNamespace: string): Pick<SandboxHostArgs, "agentSandbox"> {
  if (config.settings.sandbox.engine !== "agent-sandbox" || config.settings.agents.image === undefined) return {};
  return { agentSandbox: { claimants: [{ namespace: agentsNamespace, serviceAccountName: AGENTS }] } };
}

function agentsFor(
  config: StackConfig,
  parts: { data: DataTier; sandbox: SandboxHost; lb: LoadBalancer; cluster?: EksCluster; ecsCluster?: EcsCluster; namespace: string; otlpEndpoint: pulumi.Output<string> | undefined },
  warnings: string[],
): AgentService | undefined {
  const { minReplicas, maxReplicas, cpu, memoryMb, image, ...app } = config.settings.agents;
  if (image === undefined) {
    warnings.push("no agents.image configured: no agent service is deployed (set agentyard:agents.image)");
    return undefined;
  }
  const worker = app.kind === "worker";
  return new AgentService(AGENTS, {
    platform: config.platform,
    preset: config.preset,
    settings: { minReplicas, maxReplicas, cpu, memoryMb },
    image,
    ...agentAppArgs(app),
    dataTier: parts.data,
    sandbox: parts.sandbox,
    // Defined with engine agent-sandbox only, where claimantsFor has bound this service's ServiceAccount.
    sandboxClaims: parts.sandbox.claims,
    loadBalancer: worker ? undefined : parts.lb,
    route: worker ? undefined : (app.route ?? { priority: 100, pathPatterns: ["/*"] }),
    cluster: parts.cluster,
    ecsCluster: parts.ecsCluster,
    logRetentionDays: config.settings.logs.retentionDays,
    namespace: parts.namespace,
    // The pool size the config check holds against max_connections; IAM connect rights when behind RDS Proxy.
    env: { DATABASE_POOL_SIZE: String(config.settings.agents.databasePoolSize) },
    iamStatements: [...parts.data.clientIamStatements],
    otlpEndpoint: parts.otlpEndpoint,
  });
}

function dataOutputs(data: DataTier) {
  return {
    databaseHost: data.databaseHost,
    cacheHost: data.cacheHost,
    dataSecretArns: data.secretArns,
    databaseBootstrapChecksum: data.bootstrapChecksum,
  };
}

function monitoringFor(config: StackConfig, data: DataTier, cluster: EksCluster | undefined, ecsCluster: EcsCluster | undefined): MonitoringStack {
  return new MonitoringStack("monitoring", {
    platform: config.platform,
    preset: config.preset,
    ...config.settings.monitoring,
    dataTier: data,
    provider: cluster?.provider,
    storageClassName: cluster?.storageClassName,
    cluster,
    ecsCluster,
    logRetentionDays: config.settings.logs.retentionDays,
  });
}

function monitoringOutputs(monitoring: MonitoringStack) {
  return { grafanaUrl: monitoring.grafanaUrl, alertTopicArn: monitoring.alertTopicArn };
}
