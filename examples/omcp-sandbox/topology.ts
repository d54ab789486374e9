// Seed 000 (the OMCP Python sandbox, an MCP server running code) on agentyard: agentyard's own
// sandbox runtime (`SandboxHost`) published on the ALB at /mcp for external MCP clients, with the
// guide's limits. No Docker socket: each execution is a fresh, rlimited process. See README.md.
import * as pulumi from "@pulumi/pulumi";
import { EcsCluster, EksCluster, LoadBalancer, MonitoringStack, Network, PRESETS, SandboxHost, subnetLayout } from "agentyard";
import { readSite } from "./site";

export type AwsPlatform = "eks" | "ecs";

const CIDR = "10.80.0.0/16";

/** The guide's `.env`: SANDBOX_TIMEOUT=600 s, MAX_SANDBOXES=50 (here 3 replicas x 16), SANDBOX_MEMORY_LIMIT=1g, CPU 75 % of the timeout. */
export const OMCP_LIMITS = { timeoutMs: 600000, maxConcurrent: 16, executionMemoryMb: 1024, executionCpuSeconds: 450, memoryMb: 4096, cpu: 1000, minReplicas: 3, maxReplicas: 10 };

export function defineTopology(platform: AwsPlatform) {
  const preset = "prod";
  const settings = PRESETS[preset];
  const site = readSite();
  const network = new Network("net", { preset, cidr: CIDR });
  const cluster = platform === "eks" ? new EksCluster("cluster", { settings: { ...settings.cluster, endpointAccess: { privateCidrs: site.apiPrivateCidrs } }, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds, logRetentionDays: settings.logs.retentionDays, region: site.region }) : undefined;
  const ecsCluster = platform === "ecs" ? new EcsCluster("fargate", { settings: settings.cluster, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds }) : undefined;
  // An execution may take 600 s: the ALB keeps the connection a minute longer.
  const lb = new LoadBalancer("edge", { platform, preset, vpcId: network.vpcId, publicSubnetIds: network.publicSubnetIds, workloadSecurityGroupIds: cluster ? [cluster.nodeSecurityGroupId] : [], domain: site.domain, hostedZoneId: site.hostedZoneId, idleTimeoutSeconds: 660 });
  const monitoring = new MonitoringStack("monitoring", { platform, preset, provider: cluster?.provider, ecsCluster, alerts: { emails: site.alertEmails } });
  const published = { loadBalancer: lb, route: { priority: 100, pathPatterns: ["/mcp", "/mcp/*"] } };
  const sandbox =
    platform === "eks"
      ? new SandboxHost("omcp", { platform, preset, cluster, settings: OMCP_LIMITS, monitoringNamespace: monitoring.namespace, ...published, loadBalancerCidrs: [...subnetLayout(CIDR, settings.network.azCount).public] })
      : new SandboxHost("omcp", { platform, preset, ecsCluster, settings: OMCP_LIMITS, ...published, awsEndpoints: network.endpointSecurityGroupId ? { securityGroupId: network.endpointSecurityGroupId, s3PrefixListId: network.s3PrefixListId } : undefined });
  if (ecsCluster && sandbox.metricsTarget) monitoring.collect([sandbox.metricsTarget]);
  return { mcpUrl: pulumi.interpolate`${lb.url}/mcp`, token: sandbox.authToken, sandbox };
}
