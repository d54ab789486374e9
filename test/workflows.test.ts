import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { load } from "js-yaml";
import { REPO_ROOT, listStacks } from "../cli/plan/stack-file";

const actionlint = (pattern?: string) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js"), ...(pattern ? [pattern] : [])], { cwd: REPO_ROOT, encoding: "utf8" });

describe("the GitHub Actions workflows", () => {
  it("pass actionlint", () => {
    const run = actionlint();
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const workflows = readdirSync(path.join(REPO_ROOT, ".github", "workflows")).filter((f) => f.endsWith(".yml"));
    assert.match(run.stdout, new RegExp(`Checking ${workflows.length} workflow file\\(s\\)`));
  });

  it("would fail actionlint if broken (the linter is not a no-op)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "agentyard-actionlint-"));
    try {
      writeFileSync(path.join(dir, "bad.yml"), "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope.nope }}\n      - uses: actions/checkout@v4\n        with: { unknown-input: 1 }\n");
      const run = actionlint(path.join(dir, "*.yml"));
      assert.equal(run.status, 1, run.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("plan-diff every shipped stack, and preview every AWS stack", () => {
    const workflow = load(readFileSync(path.join(REPO_ROOT, ".github", "workflows", "pull-request.yml"), "utf8")) as {
      env: { STACKS: string };
      jobs: { preview: { strategy: { matrix: { stack: string[] } } } };
    };
    assert.deepEqual(workflow.env.STACKS.split(" ").sort(), listStacks());
    assert.deepEqual(workflow.jobs.preview.strategy.matrix.stack.sort(), listStacks().filter((s) => s !== "local"));
  });

  it("publish to npm with provenance only from a version tag, after the tests pass", () => {
    interface Step { run?: string; uses?: string }
    const release = load(readFileSync(path.join(REPO_ROOT, ".github", "workflows", "release.yml"), "utf8")) as {
      on: { push: { tags: string[]; branches?: string[] } };
      permissions: Record<string, string>;
      jobs: { test: { steps: Step[] }; publish: { needs: string; permissions: Record<string, string>; steps: Step[] } };
    };
    assert.deepEqual(release.on.push, { tags: ["v*"] });
    assert.deepEqual(release.permissions, { contents: "read" }, "the workflow's token reads only");
    assert.ok(release.jobs.test.steps.some((s) => s.run?.includes(".ci/run")), "the tests as CI runs them");
    assert.equal(release.jobs.publish.needs, "test");
    assert.equal(release.jobs.publish.permissions["id-token"], "write", "the OIDC token npm's trusted publishing and provenance need");
    const runs = release.jobs.publish.steps.map((s) => s.run ?? "").join("\n");
    assert.match(runs, /npm publish --provenance --access public/);
    assert.match(runs, /"\$TAG" != "v\$version"/, "a tag that is not the package's version publishes nothing");
  });
});
