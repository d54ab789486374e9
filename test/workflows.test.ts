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

describe("the plan-diff comment workflow (its script run against a fake gh api)", () => {
  const MARKER = "<!-- agentyard:plan-diff -->";
  const workflow = load(readFileSync(path.join(REPO_ROOT, ".github", "workflows", "plan-diff-comment.yml"), "utf8")) as {
    jobs: { comment: { steps: Array<{ name?: string; env?: Record<string, string>; run?: string }> } };
  };
  const step = workflow.jobs.comment.steps.find((s) => s.name === "Comment");
  const HEAD = "3f1c0ffee3f1c0ffee3f1c0ffee3f1c0ffee3f1c";

  /** Runs the step's script as Actions does (bash -eo pipefail) with `gh` answering from `api`. */
  function runComment(api: Record<string, unknown>) {
    const dir = mkdtempSync(path.join(tmpdir(), "agentyard-gh-"));
    try {
      writeFileSync(path.join(dir, "gh"), `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, "test", "fixtures", "fake-gh.mjs")}" "$@"\n`, { mode: 0o755 });
      for (const [apiPath, body] of Object.entries(api)) writeFileSync(path.join(dir, `${apiPath.replace(/[/?&=]/g, "_")}.json`), JSON.stringify(body));
      writeFileSync(path.join(dir, "comment.md"), "## Plan diff\n\nprod: 1 added\n");
      // What the artifact of a hostile fork might also carry: a number that is not its own.
      writeFileSync(path.join(dir, "pr-number"), "1\n");
      const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step?.run ?? "exit 99"], {
        cwd: dir,
        encoding: "utf8",
        env: { PATH: `${dir}:${process.env.PATH}`, FAKE_GH_DIR: dir, GH_TOKEN: "x", REPO: "acme/agentyard", HEAD_SHA: HEAD, MARKER: step?.env?.MARKER ?? "" },
      });
      const callsFile = path.join(dir, "calls.jsonl");
      const calls = (spawnSync("cat", [callsFile], { encoding: "utf8" }).stdout || "")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { method: string; path: string; fields: Record<string, string> });
      return { status: run.status, stderr: run.stderr, writes: calls.filter((c) => c.method !== "GET") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const pulls = [
    { number: 1, head: { sha: "0000000000000000000000000000000000000000" } },
    { number: 42, head: { sha: HEAD } },
  ];
  const pullsPath = "repos/acme/agentyard/pulls?state=open&per_page=100";

  it("takes the marker and the head SHA from the event, not from the artifact", () => {
    assert.ok(step?.run && step.env);
    assert.equal(step.env.MARKER, MARKER);
    assert.equal(step.env.HEAD_SHA, "${{ github.event.workflow_run.head_sha }}");
    assert.doesNotMatch(step.run, /pr-number|--edit-last/);
  });

  it("comments on the pull request whose head is the run's commit, marked, leaving the preview's comment alone", () => {
    const run = runComment({
      [pullsPath]: pulls,
      "repos/acme/agentyard/issues/42/comments": [{ id: 7, user: { login: "github-actions[bot]" }, body: "### Pulumi preview\n..." }],
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.writes.length, 1);
    assert.equal(run.writes[0].method, "POST");
    assert.equal(run.writes[0].path, "repos/acme/agentyard/issues/42/comments");
    assert.ok(run.writes[0].fields.body.startsWith(`${MARKER}\n## Plan diff`));
  });

  it("edits its own marked comment, never a person's that quotes the marker", () => {
    const run = runComment({
      [pullsPath]: pulls,
      "repos/acme/agentyard/issues/42/comments": [
        { id: 7, user: { login: "github-actions[bot]" }, body: "### Pulumi preview" },
        { id: 8, user: { login: "github-actions[bot]" }, body: `${MARKER}\nold diff` },
        { id: 9, user: { login: "mallory" }, body: `${MARKER}\nnot the bot's` },
      ],
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      run.writes.map((w) => [w.method, w.path]),
      [["PATCH", "repos/acme/agentyard/issues/comments/8"]],
    );
  });

  it("fails without commenting when no open pull request has the run's head", () => {
    const run = runComment({ [pullsPath]: [pulls[0]] });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /expected one open pull request with head 3f1c0ffee/);
    assert.equal(run.writes.length, 0);
  });
});
