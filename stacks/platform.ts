import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../infra/config/load";
import { DataTier } from "../components/data-tier";
import { LoadBalancer } from "../components/load-balancer";
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
}

/**
 * Composes the platform for one validated stack config. Only what exists so far is composed:
 * the network (AWS only: on `kubernetes` the cluster brings its own), the load balancer and the data tier.
 */
export function definePlatform(config: StackConfig): PlatformOutputs {
  const { settings } = config;
  const base = { platform: config.platform, preset: config.preset, region: config.region };
  const lbSettings = { ...settings.loadBalancer, deletionProtection: settings.deletionProtection };
  if (config.platform === "kubernetes") {
    const lb = new LoadBalancer("public", { platform: config.platform, preset: config.preset, ...lbSettings });
    const data = new DataTier("data", { platform: config.platform, preset: config.preset, database: settings.database, cache: settings.cache });
    return { ...base, url: lb.url, warnings: lb.warnings, ...dataOutputs(data) };
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
  return {
    ...base,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    isolatedSubnetIds: network.isolatedSubnetIds,
    url: lb.url,
    warnings: lb.warnings,
    ...dataOutputs(data),
  };
}

function dataOutputs(data: DataTier) {
  return {
    databaseHost: data.databaseHost,
    cacheHost: data.cacheHost,
    dataSecretArns: data.secretArns,
    databaseBootstrapChecksum: data.bootstrapChecksum,
  };
}
