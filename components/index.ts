// The `agentyard` package: what `import { ... } from "agentyard"` gives another stack.
import type { DashboardModel } from "../infra/monitoring/dashboard-model";
import { DASHBOARDS as GRAFANA_DASHBOARDS } from "../infra/monitoring/dashboards";

export { LoadBalancer, type LoadBalancerArgs, type RouteArgs, type AttachedRoute } from "./load-balancer";
export { DataTier, type DataTierArgs, type ConnectionSettings, type SecretReference, ecsValueFrom } from "./data-tier";
export { MonitoringStack, type MonitoringStackArgs, SCRAPE_LABEL } from "./monitoring-stack";
export { ALERT_GROUPS, renderRulesYaml, type AlertRule, type RuleGroup } from "../infra/monitoring/rules";
export { appAlertGroup, DEFAULT_APP_METRICS, type AppMetrics } from "../infra/monitoring/app-metrics";
export { Network, type NetworkArgs, type NatMode, normalizeNetworkArgs } from "../infra/network/network";
export { subnetLayout, type SubnetLayout } from "../infra/network/layout";
export { EcsCluster, type EcsClusterArgs } from "../infra/cluster/ecs";
export { EksCluster, type EksClusterArgs } from "../infra/cluster/eks";
export { ContainerImage, type ContainerImageArgs } from "../infra/images/image";
export { AgentService, type AgentServiceArgs } from "./agent-service";
export { SandboxHost, type SandboxHostArgs } from "./sandbox-host";
export {
  AgentPlatform,
  type AgentPlatformArgs,
  type AgentPlatformChildNames,
  type AgentPlacement,
  type SandboxPlacement,
  DEFAULT_CHILD_NAMES,
  readSiteConfig,
  type SiteConfig,
} from "./agent-platform";
export { estimateCost, type CostEstimate } from "../cli/cost/estimate";
export { type Transform, applyTransform } from "../infra/transform";
export { physicalName, requireNameFits, standardTags, AWS_NAME_LIMITS, type AwsNameKind } from "../infra/naming";
export { parseStackConfig, type StackConfig } from "../infra/config/load";
export { readStackConfig } from "../infra/config/read";
export { ConfigError, type ConfigProblem } from "../infra/config/problems";
export { type EnvironmentSettings, type Platform, type PresetName, PLATFORMS, PRESET_NAMES } from "../infra/config/schema";
export { PRESETS } from "../infra/config/presets";
export type { DashboardModel };

/** The Grafana dashboards MonitoringStack provisions, by uid. */
export const DASHBOARDS: Readonly<Record<string, DashboardModel>> = GRAFANA_DASHBOARDS;
