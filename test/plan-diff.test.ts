import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffPlan, renderDiffMarkdown } from "../cli/plan/diff";
import { planJson } from "../cli/plan/render";
import { runDeployRules } from "../cli/rules";
import { planStack } from "./harness";

describe("the pull-request plan diff", () => {
  it("reports what a config change adds, changes and removes, with the cost before and after", async () => {
    const base = { ...planJson("dev", (await planStack("dev")).resources), cost: { totalMonthlyUsd: 144.6 } };
    const override = { "agentyard:network": { natGateways: "single" }, "agentyard:database": { instanceClass: "db.t4g.small" } };
    const head = { ...planJson("dev", (await planStack("dev", { override })).resources), cost: { totalMonthlyUsd: 185.25 } };
    const diff = diffPlan(base, head);
    assert.ok(diff.added.includes("aws:ec2/natGateway:NatGateway network-nat-0"));
    assert.ok(diff.removed.includes("aws:ec2/instance:Instance network-nat-instance"));
    assert.ok(diff.changed.some((c) => c.resource === "aws:rds/instance:Instance data-db" && c.keys.includes("instanceClass")));
    const text = renderDiffMarkdown([diff]);
    assert.match(text, /\| `dev` \| \d+ \| \d+ \| \d+ \| \$144\.60 \| \$185\.25 \| \+\$40\.65 \|/);
    // The same tree as `plan --diff` prints, symbols in the first column so GitHub colours them.
    assert.match(text, /```diff\n[^`]*\n- {3}[│├└─ ]*aws:ec2:Instance +network-nat-instance +delete\n/);
    assert.match(text, /\n~ {3}[│├└─ ]*aws:rds:Instance +data-db +update\n[│ ]+~ instanceClass: "db\.t4g\.micro" => "db\.t4g\.small"\n/);
    assert.match(text, /\nMonthly cost: \$144\.60 => \$185\.25 \(\+\$40\.65\)\n```/);
  });

  it("says nothing changed for the same plan, and handles a stack only one side has", async () => {
    const plan = planJson("prod", (await planStack("prod")).resources);
    const same = diffPlan(plan, plan);
    assert.deepEqual([same.added.length, same.changed.length, same.removed.length], [0, 0, 0]);
    const created = diffPlan(undefined, plan);
    assert.equal(created.added.length, plan.resources.length);
    assert.match(renderDiffMarkdown([created]), /\| `prod` \| \d+ \| 0 \| 0 \| n\/a \| n\/a \| n\/a \|/);
  });

  it("lists the deploy rules the head's plan fails, with each problem", async () => {
    const graph = await planStack("dev-ecs", { override: { "agentyard:agents": { image: "ghcr.io/acme/agent:1" }, "agentyard:cluster": { architecture: "x86_64" } } });
    const passing = { ...planJson("dev-ecs", graph.resources), deployRules: runDeployRules(graph.resources, { today: "2026-12-02" }) };
    assert.deepEqual(diffPlan(passing, passing).failedRules, []);
    const failing = {
      ...passing,
      deployRules: [{ id: "fargate-spot-x86-only", passed: false, violations: [{ message: "aws:ecs/service:Service \"sandbox-service\" places tasks on FARGATE_SPOT but ..." }] }],
    };
    const text = renderDiffMarkdown([diffPlan(passing, failing)]);
    assert.match(text, /\*\*`dev-ecs` fails deploy rules\*\*/);
    assert.match(text, /- `fargate-spot-x86-only`: aws:ecs\/service:Service "sandbox-service" places tasks on FARGATE_SPOT/);
    assert.doesNotMatch(renderDiffMarkdown([diffPlan(failing, passing)]), /fails deploy rules/, "only the head's failures are the pull request's");
  });
});
