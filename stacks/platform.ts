import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../infra/config/load";
import { DataTier } from "../components/data-tier";
import { LoadBalancer } from "../components/load-balancer";
import { MonitoringStack } from "../components/monitoring-stack";
import { Network } from "../infra/network/network";

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
}

/**
 * Composes the platform for one validated stack config. Only what exists so far is composed:
 * the network (AWS only: on `kubernetes` the cluster brings its own), the load balancer, the data tier and monitoring.
 */
export function definePlatform(config: StackConfig): PlatformOutputs {
  const { settings } = config;
  const base = { platform: config.platform, preset: config.preset, region: config.region };
  const lbSettings = { ...settings.loadBalancer, deletionProtection: settings.deletionProtection };
  if (config.platform === "kubernetes") {
    const lb = new LoadBalancer("public", { platform: config.platform, preset: config.preset, ...lbSettings });
    const data = new DataTier("data", { platform: config.platform, preset: config.preset, database: settings.database, cache: settings.cache });
    const monitoring = monitoringFor(config, data);
    return { ...base, url: lb.url, warnings: [...lb.warnings, ...monitoring.warnings], ...dataOutputs(data), ...monitoringOutputs(monitoring) };
  }

  const network = new Network("network", {
    preset: config.preset,
    ...settings.network,
    flowLogRetentionDays: settings.logs.retentionDays,
  });
  const lb = new LoadBalancer("public", {
    platform: config.platform,
    preset: config.preset,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
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
  });
  const monitoring = monitoringFor(config, data);
  return {
    ...base,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    isolatedSubnetIds: network.isolatedSubnetIds,
    url: lb.url,
    warnings: [...lb.warnings, ...monitoring.warnings],
    ...dataOutputs(data),
    ...monitoringOutputs(monitoring),
  };
}

function monitoringFor(config: StackConfig, data: DataTier): MonitoringStack {
  return new MonitoringStack("monitoring", {
    platform: config.platform,
    preset: config.preset,
    ...config.settings.monitoring,
    dataTier: data,
    logRetentionDays: config.settings.logs.retentionDays,
  });
}

function monitoringOutputs(monitoring: MonitoringStack) {
  return { grafanaUrl: monitoring.grafanaUrl, alertTopicArn: monitoring.alertTopicArn };
}

function dataOutputs(data: DataTier) {
  return {
    databaseHost: data.databaseHost,
    cacheHost: data.cacheHost,
    dataSecretArns: data.secretArns,
    databaseBootstrapChecksum: data.bootstrapChecksum,
  };
}
