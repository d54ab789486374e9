import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AWS_NAME_LIMITS, physicalName, requireNameFits, standardTags } from "../infra/naming";

const scope = { project: "agentyard", stack: "prod" };

describe("naming and tags", () => {
  it("builds <project>-<stack>-<parts> names, lower-case and dash-separated", () => {
    assert.equal(physicalName("alb", ["Public LB"], scope), "agentyard-prod-public-lb");
  });

  it("shortens a generated name over the AWS limit deterministically, keeping it unique", () => {
    const long = { project: "agentyard", stack: "staging-eu-west-1-blue" };
    const a = physicalName("targetGroup", ["sandbox-runtime-mcp"], long);
    const b = physicalName("targetGroup", ["sandbox-runtime-api"], long);
    assert.ok(a.length <= AWS_NAME_LIMITS.targetGroup, a);
    assert.ok(b.length <= AWS_NAME_LIMITS.targetGroup, b);
    assert.notEqual(a, b);
    assert.equal(physicalName("targetGroup", ["sandbox-runtime-mcp"], long), a);
    assert.match(a, /^agentyard-staging-eu-west-[0-9a-f]{6}$/);
  });

  it("refuses, rather than shortens, a name the caller chose", () => {
    assert.equal(requireNameFits("alb", "agents", "route name"), "agents");
    assert.throws(() => requireNameFits("alb", "a".repeat(33), "LoadBalancer name"), /33 characters; AWS allows at most 32 for a alb name/);
  });

  it("tags every resource with project, environment, component and managed-by", () => {
    assert.deepEqual(standardTags("network", {}, scope), { project: "agentyard", environment: "prod", component: "network", "managed-by": "pulumi" });
  });
});
