import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentService, type AgentServiceArgs } from "../components/agent-service";
import { migrationJobName } from "../components/agent-service/migration";
import { EcsCluster } from "../infra/cluster/ecs";
import { PRESETS } from "../infra/config/presets";
import type { PlannedResource } from "../cli/plan/engine";
import { planComponent } from "./harness";
import { hasModel, validateManifest } from "./kubernetes-schema";
import { mandatory, runPolicies } from "./policy-harness";

const onKubernetes = (extra: Partial<AgentServiceArgs> = {}) => () => new AgentService("app", { platform: "kubernetes", preset: "dev", image: "ghcr.io/acme/app:1.0.0", ...extra });
const onEcs = (extra: Partial<AgentServiceArgs> = {}) => () => {
  const ecsCluster = new EcsCluster("fargate", { settings: PRESETS.dev.cluster, vpcId: "vpc-0123", privateSubnetIds: ["subnet-a", "subnet-b"] });
  return new AgentService("app", { platform: "ecs", preset: "dev", image: "ghcr.io/acme/app:1.0.0", ecsCluster, ...extra });
};
// Refused before anything is registered: a stand-in cluster is enough.
const refusedOnEcs = (extra: Partial<AgentServiceArgs>) => () => new AgentService("app", { platform: "ecs", preset: "dev", image: "ghcr.io/acme/app:1.0.0", ecsCluster: {} as EcsCluster, ...extra });
const refusal = async (create: () => unknown) => {
  try {
    await planComponent(create);
  } catch (error) {
    return String((error as Error).message);
  }
  assert.fail("expected the args to be refused");
};
type Container = { command?: string[]; args?: string[]; livenessProbe?: Record<string, unknown>; readinessProbe?: Record<string, unknown>; startupProbe?: Record<string, unknown>; envFrom?: unknown[] };
const pod = (r: PlannedResource) => (r.inputs.spec as { template: { spec: { containers: Container[]; imagePullSecrets?: unknown[] } } }).template.spec;

describe("AgentService for real apps: what each platform refuses, by key and with the reason", () => {
  it("refuses EFS volumes on every platform (not built yet) and names the volume", async () => {
    const message = await refusal(onKubernetes({ volumes: { shared: { type: "efs", path: "/data", fileSystemId: "fs-1" } } }));
    assert.match(message, /volumes\.shared: got "efs", expected .*EFS volumes are not built yet/);
  });

  it("refuses a worker with a route: a worker has no public exposure", async () => {
    assert.match(await refusal(onKubernetes({ kind: "worker", route: { priority: 10 } })), /route: .*a worker has no route/);
  });

  it("refuses pod-field env, Prometheus scaling, migrations and TCP probes on ecs, saying why", async () => {
    const message = await refusal(
      refusedOnEcs({ fieldEnv: { POD_NAME: "metadata.name" }, autoscaling: { prometheus: { query: "sum(x)", threshold: 1 } }, migration: { command: ["migrate"] }, probes: { readiness: { tcp: true } } }),
    );
    assert.match(message, /fieldEnv: .*a task has no pod fields/);
    assert.match(message, /autoscaling\.prometheus: .*Application Auto Scaling tracks CloudWatch metrics/);
    assert.match(message, /migration: .*not built/);
    assert.match(message, /probes\.readiness: got "tcp"/);
  });

  it("names the key of a bad probe, port, volume and sticky duration", async () => {
    const message = await refusal(
      onKubernetes({
        ports: { metrics: 8080 },
        probes: { liveness: { path: "health", port: "admin" } },
        volumes: { cache: { type: "scratch", path: "/tmp", sizeMb: 0 } },
        stickySessions: { durationSeconds: 100000 },
        metricsPort: "prom",
      }),
    );
    for (const key of ["ports.metrics", "probes.liveness.path", "probes.liveness.port", "volumes.cache.path", "volumes.cache.sizeMb", "stickySessions.durationSeconds", "metricsPort"]) assert.match(message, new RegExp(`- ${key.replace(/\./g, "\\.")}:`), key);
  });
});

describe("AgentService on kubernetes: command, probes, registry credentials and a migration Job", () => {
  it("runs the given command and args, TCP and command probes, and pulls with the registry Secret", async () => {
    const { graph } = await planComponent(
      onKubernetes({ command: ["/app/server"], args: ["--port", "8080"], probes: { liveness: { tcp: true }, readiness: { command: ["/app/ready"], periodSeconds: 5 } }, registryCredentials: { kubernetesSecretName: "ghcr" } }),
    );
    const deployment = graph.get("kubernetes:apps/v1:Deployment", "app-deployment");
    const [c] = pod(deployment).containers;
    assert.deepEqual([c.command, c.args], [["/app/server"], ["--port", "8080"]]);
    assert.deepEqual(c.livenessProbe?.tcpSocket, { port: "http" });
    assert.deepEqual(c.readinessProbe?.exec, { command: ["/app/ready"] });
    assert.deepEqual(c.startupProbe?.tcpSocket, { port: "http" });
    assert.deepEqual(pod(deployment).imagePullSecrets, [{ name: "ghcr" }]);
    await validateManifest(deployment);
  });

  it("runs the migration as a hardened Job named by image and command, which the Deployment waits for", async () => {
    const { graph } = await planComponent(onKubernetes({ migration: { command: ["alembic", "upgrade", "head"] } }));
    const job = graph.get("kubernetes:batch/v1:Job", "app-migration");
    const name = (job.inputs.metadata as { name: string }).name;
    assert.equal(name, migrationJobName("app", "ghcr.io/acme/app:1.0.0", ["alembic", "upgrade", "head"]));
    assert.notEqual(name, migrationJobName("app", "ghcr.io/acme/app:1.0.1", ["alembic", "upgrade", "head"]), "a new image is a new Job");
    assert.notEqual(name, migrationJobName("app", "ghcr.io/acme/app:1.0.0", ["alembic", "upgrade", "heads"]), "a new command is a new Job");
    const spec = job.inputs.spec as { backoffLimit: number; template: { spec: { restartPolicy: string; containers: Container[] } } };
    assert.equal(spec.backoffLimit, 0);
    assert.deepEqual(spec.template.spec.containers[0].command, ["alembic", "upgrade", "head"]);
    assert.ok(graph.get("kubernetes:apps/v1:Deployment", "app-deployment").dependencies.includes(job.urn), "the new version rolls only after the migration");
    await validateManifest(job);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });

  it("renders a worker with no Ingress", async () => {
    const { graph } = await planComponent(onKubernetes({ kind: "worker", probes: { liveness: { command: ["/app/alive"] }, readiness: { command: ["/app/alive"] } } }));
    assert.equal(graph.ofType("kubernetes:networking.k8s.io/v1:Ingress").length, 0);
    for (const r of graph.resources.filter((x) => hasModel(x.type))) await validateManifest(r);
  });
});

describe("AgentService on ecs: health check from a command probe, registry credentials, transform", () => {
  it("turns a command liveness probe into the container health check, with ECS's ranges", async () => {
    const { graph } = await planComponent(onEcs({ probes: { liveness: { command: ["/app/alive"], periodSeconds: 1, timeoutSeconds: 90, failureThreshold: 20 }, startup: { command: ["/app/alive"], periodSeconds: 10, failureThreshold: 60 } } }));
    const [c] = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", "app-task").inputs.containerDefinitions)) as Array<{ healthCheck: Record<string, unknown> }>;
    assert.deepEqual(c.healthCheck, { command: ["CMD", "/app/alive"], interval: 5, timeout: 60, retries: 10, startPeriod: 300 });
  });

  it("pulls with repositoryCredentials the execution role may read, and applies the task definition transform", async () => {
    const { graph } = await planComponent(
      onEcs({ registryCredentials: { secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr-AbCdEf" }, transform: { taskDefinition: { tags: { team: "agents" } } } }),
    );
    const task = graph.get("aws:ecs/taskDefinition:TaskDefinition", "app-task");
    const [c] = JSON.parse(String(task.inputs.containerDefinitions)) as Array<{ repositoryCredentials: unknown }>;
    assert.deepEqual(c.repositoryCredentials, { credentialsParameter: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr-AbCdEf" });
    assert.match(String(graph.get("aws:iam/rolePolicy:RolePolicy", "app-execution-secrets").inputs.policy), /secret:ghcr-AbCdEf/);
    assert.deepEqual(task.inputs.tags, { team: "agents" });
  });
});
