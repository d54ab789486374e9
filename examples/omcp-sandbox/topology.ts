// Seed 000 (the OMCP Python sandbox, an MCP server running code) on agentyard: agentyard's own
// sandbox runtime (`SandboxHost`) published on the ALB at /mcp for external MCP clients, with the
// guide's limits. No Docker socket: each execution is a fresh, rlimited process. See README.md.
import * as pulumi from "@pulumi/pulumi";
import { AgentPlatform, PRESETS, SandboxHost, readSiteConfig, subnetLayout } from "agentyard";

const CIDR = "10.80.0.0/16";

/** The guide's `.env`: SANDBOX_TIMEOUT=600 s, MAX_SANDBOXES=50 (here 3 replicas x 16), SANDBOX_MEMORY_LIMIT=1g, CPU 75 % of the timeout. */
export const OMCP_LIMITS = { timeoutMs: 600000, maxConcurrent: 16, executionMemoryMb: 1024, executionCpuSeconds: 450, memoryMb: 4096, cpu: 1000, minReplicas: 3, maxReplicas: 10 };

export function defineTopology(platform: "eks" | "ecs") {
  // No data tier: the sandbox keeps no state. An execution may take 600 s: the ALB keeps the connection a minute longer.
  const base = new AgentPlatform("platform", { platform, preset: "prod", cidr: CIDR, ...readSiteConfig(), idleTimeoutSeconds: 660, dataTier: false });
  const published = { loadBalancer: base.loadBalancer, route: { priority: 100, pathPatterns: ["/mcp", "/mcp/*"] } };
  // On eks the sandbox's NetworkPolicy admits the ALB's subnets, and only them, besides its labelled clients.
  const loadBalancerCidrs = platform === "eks" ? [...subnetLayout(CIDR, PRESETS.prod.network.azCount).public] : undefined;
  const sandbox = new SandboxHost("omcp", { ...base.sandboxPlacement, settings: OMCP_LIMITS, ...published, loadBalancerCidrs });
  if (base.ecsCluster && sandbox.metricsTarget) base.monitoring.collect([sandbox.metricsTarget]);
  return { mcpUrl: pulumi.interpolate`${base.url}/mcp`, token: sandbox.authToken, sandbox };
}
