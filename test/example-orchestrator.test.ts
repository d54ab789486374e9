import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defineTopology } from "../examples/orchestrator/topology";
import { estimateCost } from "../cli/cost/estimate";
import { PRESETS } from "../infra/config/presets";
import { planComponent } from "./harness";
import { EXAMPLE_SITE } from "./example-site";
import { mandatory, runPolicies } from "./policy-harness";

const SECRET = { AZURE_OPENAI_API_KEY: "azure-key-never-printed" };

for (const platform of ["eks", "ecs"] as const) {
  describe(`examples/orchestrator (seed 002) on ${platform}`, () => {
    it("runs uvicorn on 8000 with a 5-minute startup window, a 2 GiB model cache, the sandbox and its key as a secret; passes the policy pack", async () => {
      const { graph } = await planComponent(() => defineTopology(platform, SECRET), { stack: "staging", config: EXAMPLE_SITE });
      assert.ok(!JSON.stringify(graph.resources.map((r) => r.inputs)).includes("azure-key-never-printed"));
      assert.equal((graph.get("aws:lb/targetGroup:TargetGroup", "edge-orchestrator").inputs.healthCheck as { path: string }).path, "/health");
      if (platform === "eks") {
        const [c] = (graph.get("kubernetes:apps/v1:Deployment", "orchestrator-deployment").inputs.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers;
        assert.deepEqual([c.command, c.args], [["uvicorn", "orchestrator.app:app"], ["--host", "0.0.0.0", "--port", "8000"]]);
        assert.deepEqual(c.startupProbe, { httpGet: { path: "/health", port: "http" }, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 });
        assert.equal((graph.get("kubernetes:core/v1:ConfigMap", "orchestrator-config").inputs.data as Record<string, string>).SANDBOX_URL !== undefined, true);
      } else {
        const [c] = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", "orchestrator-task").inputs.containerDefinitions)) as Array<{ entryPoint: string[]; secrets: Array<{ name: string }>; mountPoints: Array<{ containerPath: string }> }>;
        assert.deepEqual(c.entryPoint, ["uvicorn", "orchestrator.app:app"]);
        assert.ok(c.secrets.some((s) => s.name === "AZURE_OPENAI_API_KEY"));
        assert.ok(c.secrets.some((s) => s.name === "SANDBOX_TOKEN"));
        assert.ok(c.mountPoints.some((m) => m.containerPath === "/var/cache/orchestrator"));
        assert.ok(estimateCost(graph.resources, "us-east-1", PRESETS.staging.cost).totalMonthlyUsd > 0);
      }
      assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
    });
  });
}
