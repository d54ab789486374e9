import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as Pulumi from "@pulumi/pulumi";
import "../cli/plan/lazy-sdk-modules";

const loaded = (fragment: string) => Object.keys(require.cache).some((file) => file.includes(fragment));

describe("the SDK's closure-serialization modules, deferred by the plan's bin", () => {
  it("are not loaded with @pulumi/pulumi, and work as before once a program serializes a function", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
    assert.ok(!loaded("/typescript/lib/typescript.js"), "the TypeScript compiler was loaded with the SDK");
    assert.ok(!loaded("/@npmcli/arborist/"), "arborist was loaded with the SDK");
    const offset = 41;
    const serialized = await pulumi.runtime.serializeFunction(() => offset + 1);
    assert.match(serialized.text, /offset/);
    assert.match(serialized.text, /41/);
    assert.ok(loaded("/typescript/lib/typescript.js"));
  });
});
