import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../infra/config/load";
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
}

/**
 * Composes the platform for one validated stack config. Only what exists so far is composed;
 * the network is AWS-only, because on `kubernetes` the cluster brings its own.
 */
export function definePlatform(config: StackConfig): PlatformOutputs {
  const { settings } = config;
  const base = { platform: config.platform, preset: config.preset, region: config.region };
  if (config.platform === "kubernetes") return base;

  const network = new Network("network", {
    preset: config.preset,
    ...settings.network,
    flowLogRetentionDays: settings.logs.retentionDays,
  });
  return {
    ...base,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    isolatedSubnetIds: network.isolatedSubnetIds,
  };
}
