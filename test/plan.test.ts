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
    maxBuffer: 64 * 1024 * 1024,
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
    for (const r of json.resources) assert.deepEqual(Object.keys(r).sort(), ["dependencies", "inputs", "name", "parent", "type", "urn"]);
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

  it("lists what each resource waits for under dependencies (URNs of the same plan)", () => {
    const json = planJsonOf("local");
    const urns = new Set(json.resources.map((r) => r.urn));
    const deployment = json.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "sandbox-deployment");
    assert.ok(deployment);
    assert.ok(deployment.dependencies.length > 0);
    for (const d of deployment.dependencies) assert.ok(urns.has(d), d);
    // The Deployment mounts the token Secret by its output, so it waits for that Secret.
    assert.ok(deployment.dependencies.some((d) => d.includes("kubernetes:core/v1:Secret")));
    assert.deepEqual([...deployment.dependencies], [...deployment.dependencies].sort());
  });

  it("writes the whole JSON to a pipe read slowly (nothing lost at exit)", () => {
    // The reader starts after the plan has exited: whatever Node had not written by then is gone.
    const run = spawnSync("bash", ["-c", `"${process.execPath}" --import tsx cli/main.ts local --json 2>/dev/null | (sleep 2; cat)`], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    assert.ok(run.stdout.length > 128 * 1024, `only ${run.stdout.length} bytes`);
    assert.equal((JSON.parse(run.stdout) as PlanJson).stack, "local");
  });

  it("runs the deploy rules: a stack that passes them exits 0 and lists each under deployRules", () => {
    const run = plan(["local", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const rules = (JSON.parse(run.stdout) as { deployRules: Array<{ id: string; passed: boolean; source: string }> }).deployRules;
    assert.ok(rules.length >= 9);
    assert.ok(rules.every((r) => r.passed && r.source.startsWith("https://")));
  });

  it("fails the plan (exit 3) when a deploy rule fails, naming the rule, its source and the resource", () => {
    // On 2028-04-01 Kubernetes 1.35 is past even extended support on EKS.
    const run = plan(["dev", "--json"], { AGENTYARD_PLAN_DATE: "2028-04-01" });
    assert.equal(run.code, 3);
    const json = JSON.parse(run.stdout) as { deployRules: Array<{ id: string; passed: boolean; violations: Array<{ urn: string }> }> };
    const eks = json.deployRules.find((r) => r.id === "eks-version-in-standard-support");
    assert.equal(eks?.passed, false);
    assert.match(eks?.violations[0].urn ?? "", /aws:eks\/cluster:Cluster::/);
    assert.match(run.stderr, /eks-version-in-standard-support: .*\n {4}source: https:\/\/docs\.aws\.amazon\.com\/eks\/[^\n]*\n {4}- aws:eks\/cluster:Cluster "cluster-cluster" version 1\.35 left extended support on 2028-03-27/);
  });

  it("plans every shipped stack", async () => {
    assert.deepEqual(listStacks(), ["dev", "dev-ecs", "local", "prod", "prod-ecs", "staging"]);
    for (const stack of listStacks()) await planStack(stack);
  });
});
