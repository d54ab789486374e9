// What every seed example stands on: network, cluster, front door, data tier and monitoring, on EKS or ECS.
import { DataTier, EcsCluster, EksCluster, LoadBalancer, MonitoringStack, Network, PRESETS, type PresetName, type RuleGroup } from "agentyard";
import { readSite } from "./site";

export type AwsPlatform = "eks" | "ecs";

export interface BaseOptions {
  readonly preset: PresetName;
  readonly cidr: string;
  /** Seconds the ALB keeps an idle connection (streams, long MCP sessions). */
  readonly idleTimeoutSeconds?: number;
  readonly embeddingDimensions?: number;
  /** Paths under the WAF's stricter per-IP limit (login). */
  readonly authPathPatterns?: string[];
  /** Alerts on the app's own metric names and labels. */
  readonly appRuleGroups?: RuleGroup[];
}

export function definePlatformBase(platform: AwsPlatform, options: BaseOptions) {
  const { preset } = options;
  const settings = PRESETS[preset];
  const site = readSite();
  const network = new Network("net", { preset, cidr: options.cidr });
  const cluster = platform === "eks" ? new EksCluster("cluster", { settings: { ...settings.cluster, endpointAccess: { privateCidrs: site.apiPrivateCidrs } }, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds, logRetentionDays: settings.logs.retentionDays, region: site.region }) : undefined;
  const ecsCluster = platform === "ecs" ? new EcsCluster("fargate", { settings: settings.cluster, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds }) : undefined;
  const lb = new LoadBalancer("edge", {
    platform,
    preset,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    workloadSecurityGroupIds: cluster ? [cluster.nodeSecurityGroupId] : [],
    domain: site.domain,
    hostedZoneId: site.hostedZoneId,
    idleTimeoutSeconds: options.idleTimeoutSeconds,
    authPathPatterns: options.authPathPatterns,
  });
  const data = new DataTier("data", {
    platform,
    preset,
    vpcId: network.vpcId,
    isolatedSubnetIds: network.isolatedSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    workloadSecurityGroupIds: cluster ? [cluster.nodeSecurityGroupId] : [],
    embeddingDimensions: options.embeddingDimensions,
    ...(site.backupCopyRegion ? { database: { backupCopyRegion: site.backupCopyRegion } } : {}),
  });
  const monitoring = new MonitoringStack("monitoring", { platform, preset, dataTier: data, provider: cluster?.provider, ecsCluster, appRuleGroups: options.appRuleGroups, alerts: { emails: site.alertEmails } });
  return { network, site, cluster, ecsCluster, lb, data, monitoring, shared: { platform, preset, cluster, ecsCluster } };
}
