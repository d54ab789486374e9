// Seed 001 (Saplings, a Python agent framework served by gunicorn) on agentyard. See README.md.
import type * as pulumi from "@pulumi/pulumi";
import { AgentPlatform, AgentService, appAlertGroup, readSiteConfig } from "agentyard";

export const SAPLINGS_SECRET_NAMES = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ENCRYPTION_KEY"] as const;

export function defineTopology(platform: "eks" | "ecs", secretValues: Record<string, pulumi.Input<string>>, registryCredentials: { kubernetesSecretName?: string; secretArn?: pulumi.Input<string> }) {
  const base = new AgentPlatform("platform", {
    platform,
    preset: "prod",
    ...readSiteConfig(),
    cidr: "10.81.0.0/16",
    // Saplings counts `saplings_requests_total{status}` and times `saplings_request_duration_seconds`.
    appRuleGroups: [appAlertGroup("saplings", { requestsTotal: "saplings_requests_total", statusLabel: "status", requestDuration: "saplings_request_duration_seconds", executions: undefined })],
  });
  const app = new AgentService("saplings", {
    ...base.agentPlacement,
    image: "registry.example.com/saplings:1.4.2",
    registryCredentials,
    port: 8000,
    settings: { minReplicas: 3, maxReplicas: 20, cpu: 1000, memoryMb: 4096 },
    env: { ENVIRONMENT: "production", LOG_LEVEL: "INFO", GASA_ENABLED: "true", MONITORING_ENABLED: "true", MAX_WORKERS: "4", TIMEOUT: "120", SAPLINGS_MEMORY_PATH: "/app/data/memory" },
    secretValues,
    dataTier: base.dataTier,
    probes: {
      liveness: { path: "/health", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      readiness: { path: "/ready", initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
    },
    // The guide's RWX data PVC needs EFS (not built): per-pod working data here, memory in PostgreSQL (see README).
    volumes: {
      data: { type: "scratch", path: "/app/data", sizeMb: 10240 },
      logs: { type: "scratch", path: "/app/logs", sizeMb: 512 },
    },
    loadBalancer: base.loadBalancer,
    route: { priority: 100, pathPatterns: ["/*"] },
    namespace: "saplings",
  });
  return { url: base.url, service: app.url };
}
