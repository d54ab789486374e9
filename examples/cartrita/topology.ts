// Seed 003 (Cartrita, a Node.js multi-agent platform) on agentyard. See README.md for the mapping.
import type * as pulumi from "@pulumi/pulumi";
import { AgentPlatform, AgentService, appAlertGroup, readSiteConfig } from "agentyard";

/** The guide's "API Keys" and "Security" variables: values from `pulumi config set --secret`. */
export const APP_SECRET_NAMES = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DEEPGRAM_API_KEY", "GITHUB_TOKEN", "JWT_SECRET", "ENCRYPTION_KEY", "SENTRY_DSN"] as const;

/** The guide's plain settings ("Production Environment Variables"); DATABASE_URL and REDIS_URL come from the data tier. */
export const CARTRITA_ENV = {
  NODE_ENV: "production",
  HOST: "0.0.0.0",
  LOG_LEVEL: "info",
  DATABASE_POOL_SIZE: "20",
  DATABASE_TIMEOUT: "30000",
  REDIS_TTL: "3600",
  ALLOWED_ORIGINS: "https://app.cartrita.com,https://admin.cartrita.com",
  RATE_LIMIT_MAX: "1000",
  RATE_LIMIT_WINDOW: "60000",
  PROMETHEUS_METRICS: "true",
  ENABLE_TRACING: "true",
  COMPUTER_USE_ENABLED: "true",
  VECTOR_SEARCH_ENABLED: "true",
  STREAMING_ENABLED: "true",
};

export function defineTopology(platform: "eks" | "ecs", secretValues: Record<string, pulumi.Input<string>>) {
  const base = new AgentPlatform("platform", {
    platform,
    preset: "prod",
    ...readSiteConfig(),
    cidr: "10.83.0.0/16",
    // OpenAI's text-embedding-3-small, the guide's vector store.
    embeddingDimensions: 1536,
    // The guide's auth limiter (5 r/s) on its login paths, in the WAF.
    authPathPatterns: ["/api/auth/*"],
    // The guide's five alerts, on its own label (`status_code`) and connection gauge.
    appRuleGroups: [appAlertGroup("cartrita", { statusLabel: "status_code", dbConnections: { gauge: "db_connections_active", max: 80 } })],
  });
  const master = base.dataTier.masterSecretArn;
  const app = new AgentService("cartrita", {
    ...base.agentPlacement,
    image: "ghcr.io/acme/cartrita:3.2.0",
    port: 3000,
    settings: { minReplicas: 3, maxReplicas: 10, cpu: 500, memoryMb: 4096 },
    env: CARTRITA_ENV,
    secretValues,
    dataTier: base.dataTier,
    probes: {
      liveness: { path: "/health", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      readiness: { path: "/health", initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    },
    // Migrations run as the database's owner (the app's own role may only read and write rows). Kubernetes
    // only: on ECS a one-off task during `up` is not built (see README).
    migration:
      platform === "eks" && master
        ? {
            command: ["npm", "run", "migrate"],
            secrets: {
              DATABASE_USER: { source: "secretsmanager", secretArn: master, jsonKey: "username" },
              DATABASE_PASSWORD: { source: "secretsmanager", secretArn: master, jsonKey: "password" },
            },
          }
        : undefined,
    loadBalancer: base.loadBalancer,
    route: { priority: 100, pathPatterns: ["/*"] },
    namespace: "cartrita-prod",
  });
  return { url: base.url, service: app.url };
}
