import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runDeployRules } from "../cli/rules";
import { defineTopology } from "../examples/two-agents/topology";
import { type ResourceGraph, planComponent } from "./harness";
import { mandatory, runPolicies } from "./policy-harness";

describe("examples/two-agents: a topology built from agentyard as a package", () => {
  let graph: ResourceGraph;
  before(async () => {
    ({ graph } = await planComponent(defineTopology, { stack: "dev" }));
  });

  it("has two agent services sharing one data tier and one sandbox", () => {
    assert.deepEqual(graph.ofType("agentyard:components:AgentService").map((r) => r.name).sort(), ["planner", "researcher"]);
    assert.equal(graph.ofType("agentyard:components:DataTier").length, 1);
    assert.equal(graph.ofType("agentyard:components:SandboxHost").length, 1);
  });

  it("admits both services to the database, the cache and the sandbox, each by its own security group", () => {
    const rules = graph.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.name);
    for (const service of ["planner", "researcher"]) {
      for (const rule of [`memory-db-from-${service}`, `memory-cache-from-${service}`, `exec-from-${service}`]) assert.ok(rules.includes(rule), rule);
    }
  });

  it("routes each service on the one load balancer and passes the policy pack", async () => {
    const rules = graph.ofType("aws:lb/listenerRule:ListenerRule").map((r) => r.inputs.priority).sort();
    assert.deepEqual(rules, [100, 110]);
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });

  it("passes every deploy rule (its Fargate Spot tasks run on x86_64)", () => {
    const failed = runDeployRules(graph.resources, { today: "2026-12-02" }).filter((r) => !r.passed);
    assert.deepEqual(failed.map((r) => `${r.id}: ${r.violations.map((v) => v.message).join("; ")}`), []);
  });
});
