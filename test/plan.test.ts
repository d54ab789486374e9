import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { diffPlan, diffText } from "../cli/plan/diff";
import { evaluate } from "../cli/plan/engine";
import type { PlanJson } from "../cli/plan/render";
import { REPO_ROOT, listStacks, readStackFile } from "../cli/plan/stack-file";
import { shortType } from "../cli/plan/tree";
import { program } from "../stacks/program";
import { planStack } from "./harness";

/** `agentyard plan ...` as `npm run plan` runs it (the bin's source through cli/launch.js), from `cwd`. */
function plan(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT) {
  const run = spawnSync(process.execPath, [join(cwd, "cli", "launch.js"), "plan", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, ...env },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function planJsonOf(stack: string): PlanJson {
  const run = plan([stack, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as PlanJson;
}

const scratch = mkdtempSync(join(tmpdir(), "agentyard-plan-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function stackDir(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe("agentyard plan (npm run plan)", () => {
  it("prints exactly one JSON object for prod, with a VPC, subnets in 3 AZs and 3 NAT gateways", () => {
    const json = planJsonOf("prod");
    assert.equal(json.stack, "prod");
    const of = (type: string) => json.resources.filter((r) => r.type === type);
    assert.equal(of("aws:ec2/vpc:Vpc").length, 1);
    assert.deepEqual([...new Set(of("aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone))].sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
    assert.equal(of("aws:ec2/natGateway:NatGateway").length, 3);
    for (const r of json.resources) assert.deepEqual(Object.keys(r).sort(), ["dependencies", "inputs", "name", "parent", "type", "urn"]);
  });

  it("writes the whole JSON through a pipe into another process (a plan is far over the pipe's 64 KiB)", () => {
    const reader = `let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);console.log(s.length+" "+p.resources.length)})`;
    const bin = join(REPO_ROOT, "cli", "launch.js");
    const out = execFileSync("sh", ["-c", `"${process.execPath}" "${bin}" plan prod --json 2>/dev/null | "${process.execPath}" -e '${reader}'`], { cwd: REPO_ROOT, encoding: "utf8" });
    const [bytes, resources] = out.trim().split(" ").map(Number);
    assert.ok(bytes > 65536, `only ${bytes} bytes`);
    assert.ok(resources > 100);
  });

  it("prints the whole JSON into a pipe whose reader is slower than the plan", () => {
    // A pipe holds 64 KiB and the prod plan is over twice that, so the plan must wait for its reader
    // before it exits (it did not: the JSON was cut off at 64 KiB on a loaded machine).
    const node = JSON.stringify(process.execPath);
    const run = spawnSync("sh", ["-c", `${node} cli/launch.js plan prod --json 2>/dev/null | { sleep 2; cat; }`], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.ok(run.stdout.length > 65536, `only ${run.stdout.length} bytes`);
    assert.equal((JSON.parse(run.stdout) as PlanJson).stack, "prod");
  });

  it("lists a NAT instance and no NAT gateway for dev", () => {
    const json = planJsonOf("dev");
    assert.equal(json.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway").length, 0);
    assert.equal(json.resources.filter((r) => r.type === "aws:ec2/instance:Instance").length, 1);
  });

  it("gives the same bytes from two checkouts in different folders, and holds no path of either", () => {
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    const outputs = ["a", "checkout-b"].map((name) => {
      const root = join(scratch, "clones", name);
      for (const f of files) {
        mkdirSync(dirname(join(root, f)), { recursive: true });
        cpSync(join(REPO_ROOT, f), join(root, f));
      }
      symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"), "dir");
      const run = plan(["prod", "--json"], {}, root);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(!run.stdout.includes(root) && !run.stdout.includes(REPO_ROOT), "a machine path in the plan");
      return run.stdout;
    });
    assert.equal(outputs[0], outputs[1]);
    const image = (JSON.parse(outputs[0]) as PlanJson).resources.find((r) => r.type === "docker-build:index:Image");
    assert.deepEqual(image?.inputs.context, { location: "sandbox" });
  });

  it("prints the tree in pulumi preview's words: + create under each component, short types, warnings, then the summary", () => {
    const run = plan(["prod"]);
    assert.equal(run.code, 0, run.stderr);
    const out = run.stdout;
    assert.match(out, /^Plan of stack prod \(project agentyard, platform eks, preset prod, region us-east-1\): (\d+) resources, evaluated offline in \d+ ms\n/);
    const count = Number(/: (\d+) resources/.exec(out)?.[1]);
    // The stack's platform is one AgentPlatform; the network is its last child, the flow logs the network's first.
    assert.match(out, /\n \+ {3}agentyard:components:AgentPlatform +platform +create\n/);
    assert.match(out, /\n \+ {3}└─ agentyard:infra:Network +network +create\n \+ {6}├─ aws:cloudwatch:LogGroup +network-flow-logs +create\n/);
    assert.match(out, /\n \+ {3}│ {2}[├└]─ aws:rds:Instance +data-db +create/);
    assert.doesNotMatch(out, /aws:rds\/instance:Instance/);
    assert.doesNotMatch(out, /^ - /m, "nothing is deleted in a fresh plan");
    // The program's warnings come together after the tree, then the summary, as pulumi preview prints them.
    assert.match(out, /\nDiagnostics:\n(?: {2}warning: [^\n]*\n)+\nResources:\n {4}\+ (\d+) to create\n?$/);
    assert.equal(Number(/\+ (\d+) to create/.exec(out)?.[1]), count);
    assert.doesNotMatch(run.stderr, /warning/);
  });

  it("shows each resource's inputs with --details, so a changed instance class changes the tree", () => {
    const stacks = stackDir("details", { "Pulumi.prod.yaml": readFileSync(join(REPO_ROOT, "stacks", "Pulumi.prod.yaml"), "utf8").replace("  agentyard:database:\n", "  agentyard:database:\n    instanceClass: db.r6g.xlarge\n") });
    const base = plan(["prod", "--details"]);
    const changed = plan(["prod", "--details"], { AGENTYARD_STACKS_DIR: stacks });
    assert.equal(base.code, 0, base.stderr);
    assert.match(base.stdout, /aws:rds:Instance +data-db +create\n(?:[│ ]+\w+: [^\n]*\n)*?[│ ]+instanceClass: "db\.r6g\.large"\n/);
    assert.match(changed.stdout, /instanceClass: "db\.r6g\.xlarge"/);
    assert.match(base.stdout, /Resources by type \(\d+ in all\):\n {4}agentyard:/);
  });

  it("lists the inputs not known before pulumi up under each resource with --preview", () => {
    const run = plan(["dev", "--preview"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /aws:ec2:Subnet +network-private-0 +create\n[│ ]+vpcId: "\[unknown\]"/);
    assert.doesNotMatch(plan(["dev"]).stdout, /\[unknown\]/);
  });

  it("is deterministic: the same config gives the same plan, byte for byte", () => {
    const a = plan(["staging", "--json"]);
    const b = plan(["staging", "--json"]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
  });

  it("works through npm -s, with nothing but the JSON on stdout, and npm's own errors visible", () => {
    const run = spawnSync("npm", ["run", "-s", "plan", "--", "dev", "--json"], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 1 << 28 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as PlanJson).stack, "dev");
    const missing = spawnSync("npm", ["run", "no-such-script"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /Missing script: "no-such-script"/);
  });

  it("answers -h and --help, lists the stacks when none is given, and names the options for an unknown one", () => {
    for (const flag of ["-h", "--help"]) {
      const help = plan([flag]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^usage: agentyard plan <stack> \[options\]/);
      for (const option of ["--json", "--preview", "--details", "--cost", "--policy", "--diff", "--diff-ref"]) assert.match(help.stdout, new RegExp(`\\n {2}${option} `));
    }
    const bare = plan([]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^Which stack\? Project agentyard has these stacks: dev, dev-ecs, local, prod, prod-ecs, staging\./);
    const unknown = plan(["prod", "--jsn"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^unknown option --jsn; the options are --json, --preview, --details, --cost, --policy, --diff, --diff-ref, --cwd, --help, -h\n/);
  });

  it("exits non-zero on a bad config value, naming the key, and prints no plan", () => {
    const stacks = stackDir("broken", { "Pulumi.broken.yaml": "config:\n  aws:region: us-east-1\n  agentyard:platform: eks\n  agentyard:preset: prod\n  agentyard:network:\n    azCount: 12\n" });
    const run = plan(["broken", "--json"], { AGENTYARD_STACKS_DIR: stacks });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^Invalid configuration for stack "broken" \(1 problem\):\n {2}- agentyard:network\.azCount: got 12, expected an integer from 2 to 6\n$/);
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

  it("shortens type tokens as pulumi preview does", () => {
    assert.equal(shortType("aws:rds/instance:Instance"), "aws:rds:Instance");
    assert.equal(shortType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), "aws:vpc:SecurityGroupIngressRule");
    assert.equal(shortType("random:index/randomPassword:RandomPassword"), "random:index:RandomPassword");
    assert.equal(shortType("kubernetes:core/v1:Namespace"), "kubernetes:core/v1:Namespace");
    assert.equal(shortType("agentyard:components:DataTier"), "agentyard:components:DataTier");
  });
});

describe("agentyard plan in someone else's Pulumi project", () => {
  const project = stackDir("consumer", {
    "Pulumi.yaml": "name: acme-infra\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: src/\nstackConfigDir: config\n",
  });
  mkdirSync(join(project, "src"));
  mkdirSync(join(project, "config"));
  writeFileSync(join(project, "config", "Pulumi.dev.yaml"), "config:\n  aws:region: eu-west-1\n  acme-infra:replicas: 3\n  acme-infra:apiKey:\n    secure: AAABAHsomething\n");
  writeFileSync(
    join(project, "src", "index.ts"),
    [
      'import * as pulumi from "@pulumi/pulumi";',
      'import * as aws from "@pulumi/aws";',
      "const config = new pulumi.Config();",
      "// A type no mock knows (a provider of their own): planned with generic outputs.",
      'const widget = new pulumi.CustomResource("acme:index:Widget", "widget", { replicas: config.requireNumber("replicas"), apiKey: config.requireSecret("apiKey") });',
      'const table = new aws.dynamodb.Table("orders", { attributes: [{ name: "id", type: "S" }], hashKey: "id", billingMode: "PAY_PER_REQUEST" });',
      'export const widgetId = widget.id;',
      "export const tableArn = table.arn;",
      'pulumi.log.warn("acme: orders has no backup plan yet");',
    ].join("\n"),
  );
  symlinkSync(join(REPO_ROOT, "node_modules"), join(project, "node_modules"), "dir");

  it("reads their Pulumi.yaml (main, stackConfigDir) and stack config, and plans their program with an unknown type and secrets masked", () => {
    const inProject = spawnSync(process.execPath, [join(REPO_ROOT, "cli", "launch.js"), "plan", "dev", "--json", "--cost"], { cwd: project, encoding: "utf8" });
    assert.equal(inProject.status, 0, inProject.stderr);
    const json = JSON.parse(inProject.stdout) as PlanJson & { cost: { region: string; unpriced: Array<{ name: string; reason?: string }> } };
    const widget = json.resources.find((r) => r.type === "acme:index:Widget");
    assert.deepEqual(widget?.inputs, { apiKey: "[secret]", replicas: 3 });
    assert.equal(widget?.urn, "urn:pulumi:dev::acme-infra::acme:index:Widget::widget");
    assert.equal(json.cost.region, "eu-west-1");
    assert.deepEqual(json.cost.unpriced.map((u) => u.name).sort(), ["orders", "widget"]);
    assert.match(inProject.stderr, /warning: acme: orders has no backup plan yet/);
  });
});

describe("agentyard plan --diff and --diff-ref", () => {
  it("shows + create, ~ update with each property's old and new value, and - delete against a saved plan, secrets masked", () => {
    const saved = join(scratch, "dev-before.json");
    const before = plan(["dev", "--json", "--cost"]);
    assert.equal(before.code, 0, before.stderr);
    writeFileSync(saved, before.stdout);
    const stacks = stackDir("diff", {
      "Pulumi.dev.yaml": `${readFileSync(join(REPO_ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")}  agentyard:network:\n    natGateways: single\n  agentyard:database:\n    instanceClass: db.t4g.small\n`,
    });
    const run = plan(["dev", "--diff", saved, "--cost"], { AGENTYARD_STACKS_DIR: stacks });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Changes to stack dev against /);
    assert.match(run.stdout, /\n \+ {3}[│├└─ ]*aws:ec2:NatGateway +network-nat-0 +create\n/);
    assert.match(run.stdout, /\n - {3}[│├└─ ]*aws:ec2:Instance +network-nat-instance +delete\n/);
    assert.match(run.stdout, /\n ~ {3}[│├└─ ]*aws:rds:Instance +data-db +update\n[│ ]+~ instanceClass: "db\.t4g\.micro" => "db\.t4g\.small"\n/);
    assert.match(run.stdout, /\nResources:\n {4}\+ \d+ to create\n {4}~ \d+ to update\n {4}- \d+ to delete\n {4}\d+ unchanged\n/);
    assert.match(run.stdout, /\nMonthly cost: \$\d+\.\d\d => \$\d+\.\d\d \(\+\$\d+\.\d\d\)/);
    assert.doesNotMatch(run.stdout, /aws:s3:Bucket/, "unchanged resources stay out of the tree");

    const json = JSON.parse(plan(["dev", "--diff", saved, "--json"], { AGENTYARD_STACKS_DIR: stacks }).stdout) as { diff: { update: Array<{ urn: string; changes: Array<{ path: string; before: unknown; after: unknown }> }>; delete: string[] } };
    const db = json.diff.update.find((u) => u.urn.endsWith("::data-db"));
    assert.deepEqual(db?.changes.find((c) => c.path === "instanceClass"), { path: "instanceClass", kind: "update", before: "db.t4g.micro", after: "db.t4g.small" });
    assert.ok(json.diff.delete.some((u) => u.endsWith("::network-nat-instance")));
  });

  it("never shows a secret's value: a plan holds [secret] in its place, so a diff shows that or nothing", () => {
    const r = (instanceClass: string) => ({ urn: "urn:pulumi:s::p::aws:rds/instance:Instance::db", type: "aws:rds/instance:Instance", name: "db", parent: null, inputs: { password: "[secret]", instanceClass } });
    const text = diffText(diffPlan({ stack: "s", resources: [r("db.t4g.micro")] }, { stack: "s", resources: [r("db.t4g.small")] }));
    assert.match(text, /~ instanceClass: "db\.t4g\.micro" => "db\.t4g\.small"/);
    assert.doesNotMatch(text, /password/);
    const plainToSecret = diffPlan({ stack: "s", resources: [{ ...r("db.t4g.micro"), inputs: { password: "hunter2" } }] }, { stack: "s", resources: [{ ...r("db.t4g.micro"), inputs: { password: "[secret]" } }] });
    assert.deepEqual(plainToSecret.rows[0].changes, [{ path: "password", kind: "update", before: "hunter2", after: "[secret]" }]);
  });

  it("plans the same stack at a git ref in a temporary worktree: HEAD against itself is no change", () => {
    const status = execFileSync("git", ["status", "--porcelain", "--", "index.ts", "stacks", "components", "infra"], { cwd: REPO_ROOT, encoding: "utf8" });
    const run = plan(["dev-ecs", "--diff-ref", "HEAD"]);
    assert.equal(run.code, 0, run.stderr);
    if (status === "") assert.match(run.stdout, /^Changes to stack dev-ecs against HEAD \([^)]*\): \d+ resources, evaluated offline in \d+ ms\n\nNo changes\.\n/);
    const worktrees = execFileSync("git", ["worktree", "list"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.doesNotMatch(worktrees, /agentyard-plan-ref-/, "the temporary worktree is removed");
  });
});
