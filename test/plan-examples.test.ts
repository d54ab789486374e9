import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type CostEstimate, FREE_TYPES } from "../cli/cost/estimate";
import type { PlanJson } from "../cli/plan/render";
import { REPO_ROOT, findProject, listStacks } from "../cli/plan/stack-file";

interface FullPlan extends PlanJson {
  readonly cost: CostEstimate;
  readonly policy: { readonly violations: ReadonlyArray<{ policy: string; level: string; message: string }> };
}

const EXAMPLES = join(REPO_ROOT, "examples");

describe("every project under examples/, planned, costed and policy-checked through agentyard plan", () => {
  const projects = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(EXAMPLES, d.name));

  it("finds the examples, each a Pulumi project with at least one stack file", () => {
    assert.ok(projects.length >= 1);
    for (const dir of projects) assert.ok(listStacks(findProject(dir)).length >= 1, `${dir} has no Pulumi.<stack>.yaml`);
  });

  for (const dir of projects) {
    for (const stack of listStacks(findProject(dir))) {
      it(`${dir.slice(REPO_ROOT.length + 1)} ${stack}: plans, prices every AWS resource or lists it, and passes the policy pack`, () => {
        const run = spawnSync(process.execPath, [join(REPO_ROOT, "cli", "launch.js"), "plan", stack, "--json", "--cost", "--policy"], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28 });
        assert.equal(run.status, 0, run.stderr);
        const plan = JSON.parse(run.stdout) as FullPlan;
        assert.ok(plan.resources.some((r) => r.type.startsWith("agentyard:components:")), "no agentyard component in the plan");
        assert.ok(plan.cost.totalMonthlyUsd > 0);
        const accounted = new Set([...plan.cost.lines.map((l) => l.urn), ...plan.cost.unpriced.map((u) => u.urn)]);
        const priced = plan.resources.filter((r) => r.type.startsWith("aws:") && !accounted.has(r.urn));
        // What is neither priced nor unpriced is on the table's free list; nothing falls through silently.
        assert.deepEqual(priced.filter((r) => !FREE_TYPES.has(r.type)).map((r) => r.urn), []);
        assert.deepEqual(plan.policy.violations.filter((v) => v.level === "mandatory"), []);
      });
    }
  }
});
