// Seed 004 (PMCP, a Rust MCP server) on agentyard: the guide's Deployment, Service, HPA, Ingress and
// TOML config as AgentService args. See README.md for the section-by-section mapping.
import { AgentPlatform, AgentService, readSiteConfig } from "agentyard";

/** The guide's `production.toml` ("Vertical Scaling Configuration"), mounted read-only at /etc/pmcp. */
export const PRODUCTION_TOML = `[server]
worker_threads = 16
max_connections = 10000
connection_timeout = 30

[performance]
enable_simd = true
cache_size = "1GB"
buffer_size = "64MB"

[database]
pool_size = 50
connection_timeout = 10
idle_timeout = 300
max_lifetime = 3600

[redis]
pool_size = 20
connection_timeout = 5
`;

export function defineTopology(platform: "eks" | "ecs") {
  // The guide's ingress keeps streams open for an hour (proxy-read-timeout 3600).
  const base = new AgentPlatform("platform", { platform, preset: "prod", cidr: "10.84.0.0/16", ...readSiteConfig(), idleTimeoutSeconds: 3600 });
  const pmcp = new AgentService("pmcp", {
    ...base.agentPlacement,
    image: "ghcr.io/acme/pmcp:1.0.0",
    port: 8080,
    ports: { metrics: 9090 },
    metricsPort: "metrics",
    settings: { minReplicas: 3, maxReplicas: 10, cpu: 500, memoryMb: 2048 },
    env: { RUST_LOG: "info,pmcp=debug", PMCP_ENV: "production", PMCP_CONFIG: "/etc/pmcp/production.toml" },
    // POD_NAME and POD_NAMESPACE are pod fields: Kubernetes only (a Fargate task has none).
    fieldEnv: platform === "eks" ? { POD_NAME: "metadata.name", POD_NAMESPACE: "metadata.namespace" } : undefined,
    dataTier: base.dataTier,
    probes: {
      liveness: { path: "/health/live", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
      readiness: { path: "/health/ready", initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    },
    volumes: {
      config: { type: "config", path: "/etc/pmcp", files: { "production.toml": PRODUCTION_TOML } },
      cache: { type: "scratch", path: "/var/cache/pmcp", sizeMb: 1024 },
    },
    stickySessions: { durationSeconds: 10800 },
    autoscaling:
      platform === "eks"
        ? { prometheus: { query: 'sum(pmcp_active_connections{namespace="agentyard-prod-agents"})', threshold: 100 } }
        : { requestsPerTarget: 600 },
    loadBalancer: base.loadBalancer,
    route: { priority: 100, pathPatterns: ["/*"], deregistrationDelaySeconds: 120 },
    namespace: "agentyard-prod-agents",
  });
  return { url: base.url, service: pmcp.url };
}
