import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { evaluate } from "../cli/plan/engine";
import type { PlanJson } from "../cli/plan/render";
import { REPO_ROOT, listStacks, readStackFile } from "../cli/plan/stack-file";
import { program } from "../stacks/program";
import { planStack } from "./harness";

function plan(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function planJsonOf(stack: string): PlanJson {
  const run = plan([stack, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as PlanJson;
}

describe("npm run plan", () => {
  const badStacks = mkdtempSync(join(tmpdir(), "agentyard-stacks-"));
  after(() => rmSync(badStacks, { recursive: true, force: true }));

  it("prints exactly one JSON object for prod, with a VPC, subnets in 3 AZs and 3 NAT gateways", () => {
    const json = planJsonOf("prod");
    assert.equal(json.stack, "prod");
    const of = (type: string) => json.resources.filter((r) => r.type === type);
    assert.equal(of("aws:ec2/vpc:Vpc").length, 1);
    assert.deepEqual([...new Set(of("aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone))].sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
    assert.equal(of("aws:ec2/natGateway:NatGateway").length, 3);
    for (const r of json.resources) assert.deepEqual(Object.keys(r).sort(), ["inputs", "name", "parent", "type", "urn"]);
  });

  it("prints the whole JSON into a pipe whose reader is slower than the plan", () => {
    // A pipe holds 64 KiB and the prod plan is over twice that, so the plan must wait for its reader
    // before it exits (it did not: the JSON was cut off at 64 KiB on a loaded machine).
    const node = JSON.stringify(process.execPath);
    const run = spawnSync("sh", ["-c", `${node} --import tsx cli/main.ts prod --json 2>/dev/null | { sleep 2; cat; }`], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.ok(run.stdout.length > 65536, `only ${run.stdout.length} bytes`);
    assert.equal((JSON.parse(run.stdout) as PlanJson).stack, "prod");
  });

  it("lists a NAT instance and no NAT gateway for dev", () => {
    const json = planJsonOf("dev");
    assert.equal(json.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway").length, 0);
    assert.equal(json.resources.filter((r) => r.type === "aws:ec2/instance:Instance").length, 1);
  });

  it("is deterministic: the same config gives the same plan, byte for byte", () => {
    const a = plan(["staging", "--json"]);
    const b = plan(["staging", "--json"]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
  });

  it("prints the resource tree by component with a count per type", () => {
    const run = plan(["dev"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Plan of stack dev \(platform eks, preset dev, region us-east-1\): \d+ resources/);
    assert.match(run.stdout, /\n\+ agentyard:infra:Network {2}network\n {2}- aws:/);
    assert.match(run.stdout, /aws:ec2\/instance:Instance +1\n/);
  });

  it("works through npm, with nothing but the JSON on stdout", () => {
    const run = spawnSync("npm", ["run", "plan", "--", "dev", "--json"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as PlanJson).stack, "dev");
  });

  it("exits non-zero on a bad config value, naming the key, and prints no plan", () => {
    writeFileSync(
      join(badStacks, "Pulumi.broken.yaml"),
      "config:\n  aws:region: us-east-1\n  agentyard:platform: eks\n  agentyard:preset: prod\n  agentyard:network:\n    azCount: 12\n",
    );
    const run = plan(["broken", "--json"], { AGENTYARD_STACKS_DIR: badStacks });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /agentyard:network\.azCount: got 12, expected an integer from 2 to 6/);
  });

  it("exits non-zero for a stack that does not exist, listing those that do", () => {
    const run = plan(["nope"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /No stack "nope".*\(stacks: dev, dev-ecs, local, prod, prod-ecs, staging\)/);
  });

  it("registers no resource at all when config is invalid", async () => {
    const file = readStackFile("prod");
    let caught: unknown;
    const { resources } = await evaluate(
      () => {
        try {
          program();
        } catch (error) {
          caught = error;
        }
      },
      { ...file, config: { ...file.config, "agentyard:platform": "gke" } },
    );
    assert.match(String(caught), /agentyard:platform: got "gke"/);
    assert.equal(resources.length, 0);
  });

  it("evaluates the prod stack under mocks in well under 2 seconds", async () => {
    const started = performance.now();
    const graph = await planStack("prod");
    const ms = performance.now() - started;
    assert.ok(graph.resources.length > 40);
    assert.ok(ms < 2000, `prod took ${ms.toFixed(0)} ms`);
  });

  it("plans every shipped stack", async () => {
    assert.deepEqual(listStacks(), ["dev", "dev-ecs", "local", "prod", "prod-ecs", "staging"]);
    for (const stack of listStacks()) await planStack(stack);
  });
});
