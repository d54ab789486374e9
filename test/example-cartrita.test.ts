import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { load } from "js-yaml";
import { APP_SECRET_NAMES, defineTopology } from "../examples/cartrita/topology";
import { estimateCost } from "../cli/cost/estimate";
import { PRESETS } from "../infra/config/presets";
import { type ResourceGraph, planComponent } from "./harness";
import { EXAMPLE_SITE } from "./example-site";
import { mandatory, runPolicies } from "./policy-harness";

// What `pulumi config set --secret` would hold; the plan must never show these.
const SECRET_VALUES = Object.fromEntries(APP_SECRET_NAMES.map((k) => [k, `value-of-${k.toLowerCase()}-do-not-print`]));

function assertNoSecretValueIn(graph: ResourceGraph) {
  const text = JSON.stringify(graph.resources.map((r) => r.inputs));
  for (const value of Object.values(SECRET_VALUES)) assert.ok(!text.includes(value), `${value} appears in the plan`);
}

describe("examples/cartrita on eks: seed 003 with its secrets, alerts and migrations", () => {
  let graph: ResourceGraph;
  before(async () => {
    ({ graph } = await planComponent(() => defineTopology("eks", SECRET_VALUES), { stack: "prod", config: EXAMPLE_SITE }));
  });

  it("keeps its config secrets in the workload's Secret, shown as [secret], never as plain settings", () => {
    const secret = graph.get("kubernetes:core/v1:Secret", "cartrita-secrets");
    assert.equal(secret.inputs.stringData, "[secret]");
    const settings = graph.get("kubernetes:core/v1:ConfigMap", "cartrita-config").inputs.data as Record<string, string>;
    for (const key of APP_SECRET_NAMES) assert.equal(settings[key], undefined, key);
    assert.equal(settings.PORT, "3000");
    assert.equal(settings.NODE_ENV, "production");
    assertNoSecretValueIn(graph);
  });

  it("runs `npm run migrate` as a Job with the database owner's credentials before the Deployment rolls", () => {
    const job = graph.get("kubernetes:batch/v1:Job", "cartrita-migration");
    assert.deepEqual((job.inputs.spec as { template: { spec: { containers: Array<{ command: string[] }> } } }).template.spec.containers[0].command, ["npm", "run", "migrate"]);
    assert.ok(graph.get("kubernetes:apps/v1:Deployment", "cartrita-deployment").dependencies.includes(job.urn));
    assert.equal(graph.get("kubernetes:core/v1:Secret", "cartrita-migration-env").inputs.stringData, "[secret]");
  });

  it("alerts on its own status_code label and connection gauge, beside the shipped rules", () => {
    const rule = graph.get("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-alert-rules");
    const groups = (rule.inputs.spec as { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }> }).groups;
    const app = groups.find((g) => g.name === "app.cartrita");
    assert.deepEqual(app?.rules.map((r) => r.alert), ["HighErrorRate", "HighResponseTime", "HighMemoryUsage", "AgentExecutionFailures", "DatabaseConnectionHigh"]);
    assert.match(app?.rules[0].expr ?? "", /status_code=~"5\.\."/);
    assert.ok(groups.some((g) => g.name === "agentyard.services"));
  });

  it("puts /api/auth/* under the WAF's stricter per-IP limit and passes the policy pack", async () => {
    const acl = JSON.stringify(graph.ofType("aws:wafv2/webAcl:WebAcl")[0].inputs.rules);
    assert.match(acl, /rate-limit-auth/);
    assert.match(acl, /\/api\/auth\//);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });
});

describe("examples/cartrita on ecs", () => {
  let graph: ResourceGraph;
  before(async () => {
    ({ graph } = await planComponent(() => defineTopology("ecs", SECRET_VALUES), { stack: "prod", config: EXAMPLE_SITE }));
  });

  it("stores its config secrets in one Secrets Manager secret and injects each by ARN and key", () => {
    const version = graph.get("aws:secretsmanager/secretVersion:SecretVersion", "cartrita-app-secrets");
    assert.equal(version.inputs.secretString, "[secret]");
    const [c] = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", "cartrita-task").inputs.containerDefinitions)) as Array<{ secrets: Array<{ name: string; valueFrom: string }>; environment: Array<{ name: string }> }>;
    for (const key of APP_SECRET_NAMES) {
      assert.match(c.secrets.find((s) => s.name === key)?.valueFrom ?? "", new RegExp(`secret:agentyard-prod-cartrita-app-[0-9a-f]+:${key}::$`), key);
      assert.ok(!c.environment.some((e) => e.name === key), key);
    }
    assert.match(String(graph.get("aws:iam/rolePolicy:RolePolicy", "cartrita-execution-secrets").inputs.policy), /cartrita-app/);
    assertNoSecretValueIn(graph);
  });

  it("uploads its alerts to Amazon Managed Prometheus, passes the policy pack and is costed", async () => {
    const rules = load(String(graph.get("aws:amp/ruleGroupNamespace:RuleGroupNamespace", "monitoring-alert-rules").inputs.data)) as { groups: Array<{ name: string }> };
    assert.ok(rules.groups.some((g) => g.name === "app.cartrita"));
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
    assert.ok(estimateCost(graph.resources, "us-east-1", PRESETS.prod.cost).totalMonthlyUsd > 0);
  });
});
