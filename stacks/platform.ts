import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../infra/config/load";
import { AgentService } from "../components/agent-service";
import { agentAppArgs } from "./agent-app";
import { AgentPlatform, type AgentPlacement } from "../components/agent-platform";
import type { DataTier } from "../components/data-tier";
import type { LoadBalancer } from "../components/load-balancer";
import type { MonitoringStack } from "../components/monitoring-stack";
import { SandboxHost, type SandboxHostArgs } from "../components/sandbox-host";
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
 * The names the reference stacks gave the platform's parts before AgentPlatform existed (child
 * names are forever: AgentPlatform aliases the root, these keep the names).
 */
const STACK_NAMES = { network: "network", ecsCluster: "ecs", loadBalancer: "public" };

/**
 * Composes the platform for one validated stack config: AgentPlatform (the network and cluster on
 * AWS, the load balancer, the data tier and monitoring), the sandbox and the agent service (when
 * an image is configured); on `ecs` the services run on Fargate.
 */
export function definePlatform(config: StackConfig): PlatformOutputs {
  const { settings } = config;
  const base = { platform: config.platform, preset: config.preset, region: config.region };
  const scope = currentScope();
  const agentsNamespace = `${scope.project}-${scope.stack}-agents`.slice(0, 63);
  const warnings: string[] = [];
  const platform = new AgentPlatform("platform", {
    platform: config.platform,
    preset: config.preset,
    settings,
    region: config.region,
    ingressNamespace: config.platform === "kubernetes" ? agentsNamespace : undefined,
    names: STACK_NAMES,
  });
  const { network, cluster, ecsCluster, loadBalancer: lb, dataTier: data, monitoring } = platform;
  const sandbox = new SandboxHost("sandbox", {
    ...platform.sandboxPlacement,
    settings: settings.sandbox,
    ...(ecsCluster ? { logRetentionDays: settings.logs.retentionDays } : claimantsFor(config, agentsNamespace)),
  });
  const agents = agentsFor(config, { data, sandbox, lb, placement: platform.agentPlacement, namespace: agentsNamespace, otlpEndpoint: monitoring.otlpEndpoint }, warnings);
  if (ecsCluster) monitoring.collect([sandbox.metricsTarget, agents?.metricsTarget && { ...agents.metricsTarget, otlp: true }].filter((t) => t !== undefined));
  for (const warning of warnings) pulumi.log.warn(warning);
  const region = config.region ?? "";
  return {
    ...base,
    vpcId: network?.vpcId,
    privateSubnetIds: network?.privateSubnetIds,
    publicSubnetIds: network?.publicSubnetIds,
    isolatedSubnetIds: network?.isolatedSubnetIds,
    url: lb.url,
    warnings: [...lb.warnings, ...monitoring.warnings, ...warnings],
    ...dataOutputs(data),
    ...monitoringOutputs(monitoring),
    clusterName: cluster?.name,
    // The first admin role when there is one: the deployer's own identity otherwise (it is the cluster's creator).
    kubeconfigCommand: cluster
      ? pulumi.interpolate`aws eks update-kubeconfig --region ${region} --name ${cluster.name}${settings.cluster.adminRoleArns[0] ? ` --role-arn ${settings.cluster.adminRoleArns[0]}` : ""}`
      : undefined,
    sandboxUrl: sandbox.url,
    sandboxImage: sandbox.image,
    agentImage: agents?.image,
    logsCommand: ecsCluster
      ? pulumi.output(`aws logs tail /agentyard/${scope.project}-${scope.stack}-sandbox --follow --region ${region}`)
      : pulumi.interpolate`kubectl logs -n ${sandbox.namespace} deploy/sandbox -f`,
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
  parts: { data: DataTier; sandbox: SandboxHost; lb: LoadBalancer; placement: AgentPlacement; namespace: string; otlpEndpoint: pulumi.Output<string> | undefined },
  warnings: string[],
): AgentService | undefined {
  const { minReplicas, maxReplicas, cpu, memoryMb, image, ...app } = config.settings.agents;
  if (image === undefined) {
    warnings.push("no agents.image configured: no agent service is deployed (set agentyard:agents.image)");
    return undefined;
  }
  const worker = app.kind === "worker";
  return new AgentService(AGENTS, {
    ...parts.placement,
    settings: { minReplicas, maxReplicas, cpu, memoryMb },
    image,
    ...agentAppArgs(app),
    dataTier: parts.data,
    sandbox: parts.sandbox,
    // Defined with engine agent-sandbox only, where claimantsFor has bound this service's ServiceAccount.
    sandboxClaims: parts.sandbox.claims,
    loadBalancer: worker ? undefined : parts.lb,
    route: worker ? undefined : (app.route ?? { priority: 100, pathPatterns: ["/*"] }),
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

function monitoringOutputs(monitoring: MonitoringStack) {
  return { grafanaUrl: monitoring.grafanaUrl, alertTopicArn: monitoring.alertTopicArn };
}
