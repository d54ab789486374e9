import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { load } from "js-yaml";
import { z } from "zod";
import { type CollectorOptions, otelCollectorConfig } from "../infra/monitoring/otel-collector";
import { type ResourceGraph, planStack } from "./harness";

/*
 * No collector binary ships in Debian or npm, so the generated configuration is checked against a
 * schema of what the ADOT collector accepts: only components its build includes
 * (https://github.com/aws-observability/aws-otel-collector/blob/main/docs/components.md), each
 * pipeline naming only defined components, every defined component used, and the settings we rely on.
 */
const ADOT = {
  receivers: ["otlp", "prometheus"],
  processors: ["memory_limiter", "batch"],
  exporters: ["awsxray", "otlphttp", "prometheus", "prometheusremotewrite", "debug"],
  extensions: ["health_check", "sigv4auth"],
} as const;
const typeOf = (id: string) => id.split("/")[0];
const endpoint = z.string().regex(/^0\.0\.0\.0:\d+$/);
const collectorSchema = z
  .strictObject({
    extensions: z.record(z.string(), z.unknown()),
    receivers: z.strictObject({
      otlp: z.strictObject({ protocols: z.strictObject({ grpc: z.strictObject({ endpoint: z.literal("0.0.0.0:4317") }), http: z.strictObject({ endpoint: z.literal("0.0.0.0:4318") }) }) }),
      prometheus: z.strictObject({ config: z.strictObject({ global: z.record(z.string(), z.string()), scrape_configs: z.array(z.record(z.string(), z.unknown())).min(1) }) }).optional(),
    }),
    processors: z.strictObject({
      memory_limiter: z.strictObject({ check_interval: z.string(), limit_percentage: z.number().max(100), spike_limit_percentage: z.number().max(100) }),
      batch: z.strictObject({ timeout: z.string(), send_batch_size: z.number().int().positive() }),
    }),
    exporters: z.record(z.string(), z.record(z.string(), z.unknown())),
    service: z.strictObject({
      extensions: z.array(z.string()),
      pipelines: z.partialRecord(z.enum(["traces", "metrics", "logs"]), z.strictObject({ receivers: z.array(z.string()).min(1), processors: z.array(z.string()), exporters: z.array(z.string()).min(1) })),
    }),
  })
  .superRefine((c, ctx) => {
    for (const [kind, known] of Object.entries(ADOT) as Array<[keyof typeof ADOT, readonly string[]]>) {
      for (const id of Object.keys(c[kind])) if (!known.includes(typeOf(id))) ctx.addIssue({ code: "custom", message: `${kind}.${id} is not in the ADOT build` });
    }
    const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
    for (const [name, p] of Object.entries(c.service.pipelines)) {
      for (const kind of ["receivers", "processors", "exporters"] as const) {
        for (const id of p[kind]) {
          used[kind].add(id);
          if (!(id in c[kind])) ctx.addIssue({ code: "custom", message: `pipeline ${name} names undefined ${kind}.${id}` });
        }
      }
      if (p.processors[0] !== "memory_limiter" || p.processors.at(-1) !== "batch") ctx.addIssue({ code: "custom", message: `pipeline ${name}: memory_limiter first, batch last` });
    }
    for (const kind of ["receivers", "processors", "exporters"] as const) {
      for (const id of Object.keys(c[kind])) if (!used[kind].has(id)) ctx.addIssue({ code: "custom", message: `${kind}.${id} is defined but no pipeline uses it` });
    }
    for (const id of c.service.extensions) if (!(id in c.extensions)) ctx.addIssue({ code: "custom", message: `extension ${id} is not defined` });
    for (const id of Object.keys(c.extensions)) if (!c.service.extensions.includes(id)) ctx.addIssue({ code: "custom", message: `extension ${id} is not enabled` });
    const auth = (c.exporters.prometheusremotewrite as { auth?: { authenticator: string } } | undefined)?.auth?.authenticator;
    if (auth !== undefined && !(auth in c.extensions)) ctx.addIssue({ code: "custom", message: `authenticator ${auth} is not defined` });
    const prom = c.exporters.prometheus as { endpoint?: string } | undefined;
    if (prom && !endpoint.safeParse(prom.endpoint).success) ctx.addIssue({ code: "custom", message: "prometheus exporter endpoint" });
  });

const variants: Array<[string, CollectorOptions]> = [
  ["eks: traces to X-Ray, metrics for Prometheus", { traces: { kind: "xray", region: "us-east-1" }, metrics: { kind: "prometheus" } }],
  ["kubernetes: no trace destination", { traces: { kind: "none" }, metrics: { kind: "prometheus" } }],
  ["an OTLP endpoint with credentials", { traces: { kind: "otlp", endpoint: "https://otlp.example.com", authorized: true }, metrics: { kind: "prometheus" } }],
  [
    "ecs: scrapes, OTLP, AMP and X-Ray",
    { traces: { kind: "xray", region: "us-east-1" }, metrics: { kind: "amp", remoteWriteUrl: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", region: "us-east-1" }, scrape: [{ job: "agents", dnsName: "agents.x.internal", port: 8080 }] },
  ],
];

describe("the OpenTelemetry collector's configuration", () => {
  for (const [what, options] of variants) {
    it(`is what the ADOT collector accepts (${what})`, () => {
      const parsed = collectorSchema.safeParse(otelCollectorConfig(options));
      assert.ok(parsed.success, parsed.error?.issues.map((i) => i.message).join("\n"));
    });
  }

  it("the schema refuses what the collector would: an unknown component, an undefined or unused one", () => {
    const good = otelCollectorConfig(variants[0][1]);
    const bad = [
      { ...good, exporters: { ...good.exporters, zipkin: {} } },
      { ...good, service: { ...good.service, pipelines: { ...good.service.pipelines, traces: { ...good.service.pipelines.traces, exporters: ["otlphttp/nowhere"] } } } },
    ];
    for (const config of bad) assert.equal(collectorSchema.safeParse(config).success, false);
  });

  it("reads the trace endpoint's credentials from the environment, never from the config", () => {
    const config = otelCollectorConfig(variants[2][1]);
    assert.deepEqual(config.exporters["otlphttp/traces"], { endpoint: "https://otlp.example.com", headers: { Authorization: "${env:OTLP_TRACES_AUTHORIZATION}" } });
  });
});

describe("traces on eks", () => {
  let graph: ResourceGraph;
  it("run a collector receiving OTLP on 4317 and 4318, sending traces to X-Ray with a role of its own", async () => {
    graph = await planStack("prod", { override: { "agentyard:agents": { image: "ghcr.io/acme/agent:1.0.0" } } });
    const service = graph.get("kubernetes:core/v1:Service", "monitoring-otel-collector-service");
    const ports = (service.inputs.spec as { ports: Array<{ name: string; port: number }> }).ports;
    assert.deepEqual(ports.map((p) => [p.name, p.port]), [["otlp-grpc", 4317], ["otlp-http", 4318], ["http", 8889]]);
    const config = load((graph.get("kubernetes:core/v1:ConfigMap", "monitoring-otel-collector-config").inputs.data as Record<string, string>)["config.yaml"]) as ReturnType<typeof otelCollectorConfig>;
    assert.deepEqual(config.service.pipelines.traces.exporters, ["awsxray"]);
    assert.ok(collectorSchema.safeParse(config).success);
    const role = graph.get("aws:iam/role:Role", "monitoring-otel-collector-role");
    assert.match(String(role.inputs.assumeRolePolicy), /system:serviceaccount:agentyard-prod-monitoring:otel-collector/);
    assert.equal(graph.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "monitoring-otel-collector-xray").inputs.policyArn, "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess");
  });

  it("give every agent service the collector's endpoint and its own service name", () => {
    const config = graph.get("kubernetes:core/v1:ConfigMap", "agents-config").inputs.data as Record<string, string>;
    assert.equal(config.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.agentyard-prod-monitoring.svc.cluster.local:4318");
    assert.equal(config.OTEL_EXPORTER_OTLP_PROTOCOL, "http/protobuf");
    assert.equal(config.OTEL_SERVICE_NAME, "agents");
    assert.equal(config.OTEL_RESOURCE_ATTRIBUTES, "deployment.environment=prod");
  });

  it("send traces to a configured OTLP endpoint with its credentials in a Secret", async () => {
    const g = await planStack("prod", { override: { "agentyard:monitoring": { alerts: { emails: ["oncall@example.com"] }, traceExport: { endpoint: "https://otlp.example.com", authorization: "Bearer s3cr3t" } } } });
    const configMap = JSON.stringify(g.get("kubernetes:core/v1:ConfigMap", "monitoring-otel-collector-config").inputs);
    assert.doesNotMatch(configMap, /s3cr3t/);
    assert.match(configMap, /otlphttp\/traces/);
    assert.equal(g.get("kubernetes:core/v1:Secret", "monitoring-otel-export").inputs.stringData, "[secret]");
    assert.match(JSON.stringify(g.get("kubernetes:apps/v1:Deployment", "monitoring-otel-collector").inputs), /"name":"OTLP_TRACES_AUTHORIZATION","valueFrom":\{"secretKeyRef"/);
    assert.deepEqual(g.ofType("aws:iam/role:Role").filter((r) => r.name === "monitoring-otel-collector-role"), [], "no X-Ray role when traces go elsewhere");
  });
});

describe("traces on ecs", () => {
  it("the ADOT collector receives OTLP from the agents (admitted both ways) and sends traces to X-Ray; agents know its Cloud Map name", async () => {
    const graph = await planStack("prod-ecs", { override: { "agentyard:agents": { image: "ghcr.io/acme/agent:1.0.0" } } });
    const [collector] = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", "monitoring-collector-task").inputs.containerDefinitions)) as Array<{ environment: Array<{ name: string; value: string }> }>;
    const config = load(collector.environment.find((e) => e.name === "AOT_CONFIG_CONTENT")?.value ?? "") as ReturnType<typeof otelCollectorConfig>;
    assert.ok(collectorSchema.safeParse(config).success);
    assert.deepEqual(config.service.pipelines.traces.exporters, ["awsxray"]);
    assert.deepEqual(config.service.pipelines.metrics.receivers, ["otlp", "prometheus"]);
    assert.match(String(graph.get("aws:iam/rolePolicy:RolePolicy", "monitoring-collector-task-policy").inputs.policy), /xray:PutTraceSegments/);
    const agentsSg = graph.get("aws:ec2/securityGroup:SecurityGroup", "agents-sg").id;
    const collectorSg = graph.get("aws:ec2/securityGroup:SecurityGroup", "monitoring-collector-sg").id;
    const ingress = graph.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "monitoring-collector-otlp-from-agents").inputs;
    assert.deepEqual([ingress.securityGroupId, ingress.referencedSecurityGroupId, ingress.fromPort, ingress.toPort], [collectorSg, agentsSg, 4317, 4318]);
    const egress = graph.get("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "monitoring-otlp-agents-to-collector").inputs;
    assert.deepEqual([egress.securityGroupId, egress.referencedSecurityGroupId], [agentsSg, collectorSg]);
    assert.equal(graph.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name === "monitoring-collector-otlp-from-sandbox").length, 0, "the sandbox sends no OTLP");
    const [agent] = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", "agents-task").inputs.containerDefinitions)) as Array<{ environment: Array<{ name: string; value: string }> }>;
    assert.match(agent.environment.find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value ?? "", /^http:\/\/metrics-collector\.agentyard-prod-ecs\.internal:4318$/);
  });
});
