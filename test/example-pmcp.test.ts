import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { PRODUCTION_TOML, defineTopology } from "../examples/pmcp/topology";
import { estimateCost } from "../cli/cost/estimate";
import { PRESETS } from "../infra/config/presets";
import type { PlannedResource } from "../cli/plan/engine";
import { type ResourceGraph, planComponent } from "./harness";
import { EXAMPLE_SITE } from "./example-site";
import { hasModel, validateManifest } from "./kubernetes-schema";
import { mandatory, runPolicies } from "./policy-harness";

interface Container {
  name: string;
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  livenessProbe?: { httpGet?: { path: string; port: string }; initialDelaySeconds?: number };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  startupProbe?: { httpGet?: { path: string } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
const podSpec = (r: PlannedResource) => (r.inputs.spec as { template: { spec: { containers: Container[]; volumes: Array<Record<string, unknown>> } } }).template.spec;
interface EcsContainer {
  name: string;
  essential?: boolean;
  portMappings: Array<{ name: string; containerPort: number }>;
  mountPoints: Array<{ sourceVolume: string; containerPath: string; readOnly: boolean }>;
  dependsOn?: Array<{ containerName: string; condition: string }>;
  environment: Array<{ name: string; value: string }>;
  command?: string[];
  healthCheck?: unknown;
  user: string;
  readonlyRootFilesystem: boolean;
}
const ecsContainers = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions)) as EcsContainer[];

describe("examples/pmcp on eks: seed 004's deployment from AgentService args", () => {
  let graph: ResourceGraph;
  before(async () => {
    ({ graph } = await planComponent(() => defineTopology("eks"), { stack: "prod", config: EXAMPLE_SITE }));
  });

  it("probes /health/live and /health/ready with the guide's timings, and holds them back with a startup probe", () => {
    const [c] = podSpec(graph.get("kubernetes:apps/v1:Deployment", "pmcp-deployment")).containers;
    assert.deepEqual(c.livenessProbe?.httpGet, { path: "/health/live", port: "http" });
    assert.equal(c.livenessProbe?.initialDelaySeconds, 30);
    assert.deepEqual(c.readinessProbe?.httpGet, { path: "/health/ready", port: "http" });
    assert.equal(c.startupProbe?.httpGet?.path, "/health/live");
    assert.equal((graph.get("aws:lb/targetGroup:TargetGroup", "edge-pmcp").inputs.healthCheck as { path: string }).path, "/health/ready");
  });

  it("serves metrics on 9090 through a Service of its own that Prometheus scrapes; the main Service is not scraped", () => {
    const [c] = podSpec(graph.get("kubernetes:apps/v1:Deployment", "pmcp-deployment")).containers;
    assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }]);
    const metrics = graph.get("kubernetes:core/v1:Service", "pmcp-metrics-service");
    assert.equal((metrics.inputs.metadata as { labels: Record<string, string> }).labels["agentyard.dev/scrape"], "true");
    assert.deepEqual((metrics.inputs.spec as { ports: unknown[] }).ports, [{ name: "http", port: 9090, targetPort: "metrics" }]);
    const main = graph.get("kubernetes:core/v1:Service", "pmcp-service");
    assert.equal((main.inputs.metadata as { labels: Record<string, string> }).labels["agentyard.dev/scrape"], undefined);
    // The ALB's target group forwards to the traffic port only: /metrics on 9090 is not reachable from the route.
    assert.equal(graph.get("aws:lb/targetGroup:TargetGroup", "edge-pmcp").inputs.port, 8080);
  });

  it("mounts the TOML config read-only from a ConfigMap and a 1 GiB cache, and passes POD_NAME from the pod", () => {
    const spec = podSpec(graph.get("kubernetes:apps/v1:Deployment", "pmcp-deployment"));
    const [c] = spec.containers;
    assert.deepEqual(c.volumeMounts?.find((m) => m.name === "config"), { name: "config", mountPath: "/etc/pmcp", readOnly: true });
    assert.deepEqual(spec.volumes.find((v) => v.name === "cache"), { name: "cache", emptyDir: { sizeLimit: "1024Mi" } });
    assert.deepEqual(graph.get("kubernetes:core/v1:ConfigMap", "pmcp-config-files").inputs.data, { "production.toml": PRODUCTION_TOML });
    assert.equal(c.env?.find((e) => e.name === "POD_NAME")?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
  });

  it("keeps a client on one pod for 3 hours: ClientIP affinity on the Service and ALB cookie stickiness", () => {
    const spec = graph.get("kubernetes:core/v1:Service", "pmcp-service").inputs.spec as Record<string, unknown>;
    assert.equal(spec.sessionAffinity, "ClientIP");
    assert.deepEqual(spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.deepEqual(graph.get("aws:lb/targetGroup:TargetGroup", "edge-pmcp").inputs.stickiness, { enabled: true, type: "lb_cookie", cookieDuration: 10800 });
  });

  it("scales on pmcp_active_connections through a KEDA ScaledObject (pinned chart) instead of its own HPA", () => {
    assert.equal(graph.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").filter((h) => h.name === "pmcp-autoscaler").length, 0);
    const scaled = graph.get("kubernetes:keda.sh/v1alpha1:ScaledObject", "pmcp-scaled-object");
    const spec = scaled.inputs.spec as { minReplicaCount: number; maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string> }> };
    assert.deepEqual([spec.minReplicaCount, spec.maxReplicaCount], [3, 10]);
    const prometheus = spec.triggers.find((t) => t.type === "prometheus");
    assert.match(prometheus?.metadata.query ?? "", /pmcp_active_connections/);
    assert.equal(prometheus?.metadata.threshold, "100");
    assert.match(prometheus?.metadata.serverAddress ?? "", /^http:\/\/kps-prometheus\.agentyard-prod-monitoring\.svc:9090$/);
    const keda = graph.get("kubernetes:helm.sh/v3:Release", "pmcp-keda");
    assert.equal(keda.inputs.version, "2.21.1");
    assert.ok(scaled.dependencies?.includes(keda.urn), "the ScaledObject waits for KEDA's CRDs");
  });

  it("renders every Kubernetes object valid against the Kubernetes schema", async () => {
    for (const r of graph.resources.filter((x) => hasModel(x.type))) await validateManifest(r);
  });

  it("keeps the ALB's idle timeout at the guide's 3600 s and passes the policy pack", async () => {
    assert.equal(graph.get("aws:lb/loadBalancer:LoadBalancer", "edge-alb").inputs.idleTimeout, 3600);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });
});

describe("examples/pmcp on ecs: the same app as a Fargate service", () => {
  let graph: ResourceGraph;
  before(async () => {
    ({ graph } = await planComponent(() => defineTopology("ecs"), { stack: "prod", config: EXAMPLE_SITE }));
  });

  it("writes the TOML config with an init container the app waits for, and mounts it read-only", () => {
    const [writer, app] = ecsContainers(graph.get("aws:ecs/taskDefinition:TaskDefinition", "pmcp-task"));
    assert.equal(writer.name, "config-writer");
    assert.equal(writer.essential, false);
    assert.equal(writer.readonlyRootFilesystem, true);
    assert.notEqual(writer.user, "0");
    assert.equal(Buffer.from(writer.environment[0].value, "base64").toString(), PRODUCTION_TOML);
    assert.match(writer.command?.[0] ?? "", /base64 -d > \/out\/0\/production\.toml/);
    assert.deepEqual(app.dependsOn, [{ containerName: "config-writer", condition: "SUCCESS" }]);
    assert.ok(app.mountPoints.some((m) => m.containerPath === "/etc/pmcp" && m.readOnly));
    assert.ok(app.mountPoints.some((m) => m.containerPath === "/var/cache/pmcp" && !m.readOnly));
  });

  it("maps the metrics port, scrapes it, and admits the ALB on 8080 only", () => {
    const app = ecsContainers(graph.get("aws:ecs/taskDefinition:TaskDefinition", "pmcp-task"))[1];
    assert.deepEqual(app.portMappings.map((p) => [p.name, p.containerPort]), [["http", 8080], ["metrics", 9090]]);
    // No curl in the image is assumed: the ALB checks /health/ready.
    assert.equal(app.healthCheck, undefined);
    const fromAlb = graph.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "pmcp-from-load-balancer");
    assert.deepEqual([fromAlb.inputs.fromPort, fromAlb.inputs.toPort], [8080, 8080]);
    const tg = graph.get("aws:lb/targetGroup:TargetGroup", "edge-pmcp");
    assert.equal((tg.inputs.healthCheck as { path: string }).path, "/health/ready");
    assert.deepEqual(tg.inputs.stickiness, { enabled: true, type: "lb_cookie", cookieDuration: 10800 });
  });

  it("scales on ALB requests per task (a Prometheus metric is refused on ecs) and passes the policy pack with a cost", async () => {
    const requests = graph.get("aws:appautoscaling/policy:Policy", "pmcp-scale-requests");
    assert.equal((requests.inputs.targetTrackingScalingPolicyConfiguration as { targetValue: number }).targetValue, 600);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
    const cost = estimateCost(graph.resources, "us-east-1", PRESETS.prod.cost);
    assert.ok(cost.totalMonthlyUsd > 0);
  });
});
