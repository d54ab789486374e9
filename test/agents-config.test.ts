import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { planStack } from "./harness";
import { prodStackConfig } from "./prod-config";
import { mandatory, runPolicies } from "./policy-harness";

const raw = (agents: unknown, platform: "eks" | "ecs" = "ecs") => prodStackConfig(platform, { "agentyard:agents": agents });
const problemsOf = (agents: unknown) => {
  try {
    parseStackConfig(raw(agents), { project: "agentyard", stack: "prod" });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail("expected a ConfigError");
};

/** Seed 004's app as an infra engineer would `pulumi config set` it (secret set with --secret --path). */
const PMCP_CONFIG = {
  image: "ghcr.io/acme/pmcp:1.0.0",
  port: 8080,
  env: { RUST_LOG: "info,pmcp=debug" },
  secrets: { PMCP_LICENSE_KEY: "license-value-never-printed" },
  probes: { liveness: { path: "/health/live", initialDelaySeconds: 30 }, readiness: { path: "/health/ready" } },
  ports: { metrics: 9090 },
  metricsPort: "metrics",
  volumes: { config: { type: "config", path: "/etc/pmcp", files: { "production.toml": "[server]\nworker_threads = 16\n" } }, cache: { type: "scratch", path: "/var/cache/pmcp", sizeMb: 1024 } },
  stickySessionSeconds: 10800,
  autoscaling: { requestsPerTarget: 600 },
};

describe("the agents section deploys an app with no code: validated, errors name the key", () => {
  it("accepts a whole app (port, probes, env, secrets, ports, volumes, stickiness, scaling)", () => {
    const config = parseStackConfig(raw(PMCP_CONFIG), { project: "agentyard", stack: "prod" });
    assert.equal(config.settings.agents.port, 8080);
    assert.equal(config.settings.agents.minReplicas, 3, "the preset still fills the sizing");
  });

  it("names each bad key, and never echoes a secret's value", () => {
    const message = problemsOf({
      image: "ghcr.io/acme/app:1",
      port: 80,
      probes: { liveness: { path: "/health", tcp: true } },
      env: { "bad-name": "x" },
      secrets: { API_KEY: 12345678 },
      volumes: { data: { type: "efs", path: "/data" } },
      autoscaling: { prometheus: { query: "", threshold: 0 } },
      migration: { command: [] },
      rout: {},
    });
    for (const key of ["agents.port", "agents.probes.liveness", "agents.env.bad-name", "agents.secrets.API_KEY", "agents.volumes.data", "agents.autoscaling.prometheus.query", "agents.autoscaling.prometheus.threshold", "agents.migration.command", "agents.rout"]) {
      assert.match(message, new RegExp(`agentyard:${key.replace(/\./g, "\\.")}: got`), key);
    }
    assert.doesNotMatch(message, /12345678/);
    assert.match(message, /agents\.secrets\.API_KEY: got "\[secret\]"/);
  });
});

describe("the prod-ecs stack with seed 004's app from config alone", () => {
  it("injects the config secret from Secrets Manager, mounts the config and scrapes 9090, with no secret in the plan", async () => {
    const graph = await planStack("prod-ecs", { override: { "agentyard:agents": PMCP_CONFIG } });
    assert.equal(graph.get("aws:secretsmanager/secretVersion:SecretVersion", "agents-app-secrets").inputs.secretString, "[secret]");
    const containers = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", "agents-task").inputs.containerDefinitions)) as Array<{ name: string; secrets?: Array<{ name: string; valueFrom: string }>; portMappings?: Array<{ containerPort: number }>; mountPoints?: Array<{ containerPath: string }> }>;
    const app = containers.find((c) => c.name === "agents");
    assert.match(app?.secrets?.find((s) => s.name === "PMCP_LICENSE_KEY")?.valueFrom ?? "", /secret:agentyard-prod-ecs-agents-app-[0-9a-f]+:PMCP_LICENSE_KEY::$/);
    assert.deepEqual(app?.portMappings?.map((p) => p.containerPort), [8080, 9090]);
    assert.ok(app?.mountPoints?.some((m) => m.containerPath === "/etc/pmcp"));
    assert.equal((graph.get("aws:lb/targetGroup:TargetGroup", "public-agents").inputs.healthCheck as { path: string }).path, "/health/ready");
    assert.ok(!JSON.stringify(graph.resources.map((r) => r.inputs)).includes("license-value-never-printed"));
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });
});
