import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listStacks } from "../cli/plan/stack-file";
import { REQUIRED_TAG_KEYS, UNTAGGABLE_TYPES } from "../infra/naming";
import { planStack } from "./harness";

describe("every shipped stack", () => {
  for (const stack of listStacks()) {
    it(`${stack}: tags every taggable AWS resource with project, environment, component and managed-by`, async () => {
      const graph = await planStack(stack);
      for (const r of graph.awsResources().filter((x) => !UNTAGGABLE_TYPES.has(x.type))) {
        const tags = r.inputs.tags as Record<string, string> | undefined;
        for (const key of REQUIRED_TAG_KEYS) assert.ok(tags?.[key], `${r.type} ${r.name} lacks tag ${key}`);
        assert.equal(tags?.environment, stack);
      }
    });
  }
});
