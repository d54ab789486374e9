// Seed 002 (a Python tool orchestrator) on agentyard. See README.md for the mapping.
import type * as pulumi from "@pulumi/pulumi";
import { AgentPlatform, AgentService, SandboxHost, readSiteConfig } from "agentyard";

export function defineTopology(platform: "eks" | "ecs", secretValues: Record<string, pulumi.Input<string>>) {
  const base = new AgentPlatform("platform", { platform, preset: "staging", cidr: "10.82.0.0/16", ...readSiteConfig() });
  // The guide's ProgrammaticToolExecutor runs code in-process; here code runs in the sandbox service instead.
  const sandbox = new SandboxHost("sandbox", { ...base.sandboxPlacement, settings: { timeoutMs: 30000, maxConcurrent: 10 } });
  const app = new AgentService("orchestrator", {
    ...base.agentPlacement,
    preset: "staging",
    image: "ghcr.io/acme/orchestrator:0.9.0",
    port: 8000,
    command: ["uvicorn", "orchestrator.app:app"],
    args: ["--host", "0.0.0.0", "--port", "8000"],
    // "start around 1 CPU / 2 GiB; allow headroom for caches".
    settings: { minReplicas: 2, maxReplicas: 6, cpu: 1000, memoryMb: 2048 },
    env: {
      ANALYTICS_BACKEND: "prometheus",
      TOOL_TIMEOUT: "30",
      MAX_CONCURRENT_TOOLS: "10",
      REQUESTS_PER_MINUTE: "60",
      AZURE_OPENAI_ENDPOINT: "https://acme.openai.azure.com",
      HF_HOME: "/var/cache/orchestrator/models",
    },
    secretValues,
    dataTier: base.dataTier,
    sandbox,
    probes: {
      liveness: { path: "/health" },
      readiness: { path: "/health", periodSeconds: 5 },
      // Embedding models load lazily but can take minutes on first use: five minutes to start.
      startup: { path: "/health", periodSeconds: 5, failureThreshold: 60 },
    },
    // The guide's ~1 GB of models and cache, per pod (a shared NFS cache needs EFS, not built: see README).
    volumes: { cache: { type: "scratch", path: "/var/cache/orchestrator", sizeMb: 2048 } },
    loadBalancer: base.loadBalancer,
    route: { priority: 100, pathPatterns: ["/*"] },
    namespace: "orchestrator",
  });
  return { url: base.url, service: app.url, sandbox: sandbox.url };
}
