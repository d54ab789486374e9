import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SAPLINGS_SECRET_NAMES, defineTopology } from "../examples/saplings/topology";
import { estimateCost } from "../cli/cost/estimate";
import { PRESETS } from "../infra/config/presets";
import { planComponent } from "./harness";
import { EXAMPLE_SITE } from "./example-site";
import { mandatory, runPolicies } from "./policy-harness";

const SECRETS = Object.fromEntries(SAPLINGS_SECRET_NAMES.map((k) => [k, `saplings-${k}-never-printed`]));
const REGISTRY_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf";

describe("examples/saplings (seed 001) on eks", () => {
  it("pulls with the registry Secret, probes /health and /ready, alerts on saplings_requests_total{status}, and passes the policy pack", async () => {
    const { graph } = await planComponent(() => defineTopology("eks", SECRETS, { kubernetesSecretName: "registry-secret" }), { stack: "prod", config: EXAMPLE_SITE });
    const spec = (graph.get("kubernetes:apps/v1:Deployment", "saplings-deployment").inputs.spec as { template: { spec: { imagePullSecrets: unknown; containers: Array<{ readinessProbe: { httpGet: { path: string }; failureThreshold: number } }> } } }).template.spec;
    assert.deepEqual(spec.imagePullSecrets, [{ name: "registry-secret" }]);
    assert.deepEqual([spec.containers[0].readinessProbe.httpGet.path, spec.containers[0].readinessProbe.failureThreshold], ["/ready", 2]);
    const groups = (graph.get("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-alert-rules").inputs.spec as { groups: Array<{ name: string; rules: Array<{ expr: string }> }> }).groups;
    assert.match(groups.find((g) => g.name === "app.saplings")?.rules[0].expr ?? "", /saplings_requests_total\{job="saplings",status=~"5\.\."\}/);
    assert.ok(!JSON.stringify(graph.resources.map((r) => r.inputs)).includes("never-printed"));
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });
});

describe("examples/saplings (seed 001) on ecs", () => {
  it("pulls with repositoryCredentials, uses 10.5 GiB of scratch within task storage, and passes the policy pack with a cost", async () => {
    const { graph } = await planComponent(() => defineTopology("ecs", SECRETS, { secretArn: REGISTRY_ARN }), { stack: "prod", config: EXAMPLE_SITE });
    const task = graph.get("aws:ecs/taskDefinition:TaskDefinition", "saplings-task");
    const [c] = JSON.parse(String(task.inputs.containerDefinitions)) as Array<{ repositoryCredentials: { credentialsParameter: string }; mountPoints: Array<{ containerPath: string }> }>;
    assert.equal(c.repositoryCredentials.credentialsParameter, REGISTRY_ARN);
    assert.deepEqual(c.mountPoints.map((m) => m.containerPath), ["/tmp", "/app/data", "/app/logs"]);
    assert.equal(task.inputs.ephemeralStorage, undefined, "10.5 GiB fit in Fargate's default 20 GiB");
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
    assert.ok(estimateCost(graph.resources, "us-east-1", PRESETS.prod.cost).totalMonthlyUsd > 0);
  });
});
