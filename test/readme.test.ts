import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../cli/plan/stack-file";
import { configReference } from "../scripts/config-reference";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

describe("README", () => {
  it("starts with the two commands a new user needs: the plan and the tests", () => {
    const head = readme.split("\n").slice(0, 6).join("\n");
    assert.match(head, /npm run plan -- prod/);
    assert.match(head, /npm test/);
  });

  it("documents every config key with its default per preset, as the presets are", () => {
    const table = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme)?.[1];
    assert.equal(table, configReference(), "run `npm run -s docs:config` and paste the table into README.md");
  });
});
