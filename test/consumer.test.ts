import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CONSUMER_NODE, consumerProject, lowestOf, newestOf, node, peerRange } from "./consumer-project";

// What examples/two-agents builds: our components, and the AWS resources under them.
const COMPONENTS = [
  "agentyard:components:AgentService",
  "agentyard:components:DataTier",
  "agentyard:components:LoadBalancer",
  "agentyard:components:SandboxHost",
  "agentyard:infra:EcsCluster",
  "agentyard:infra:Network",
];

interface Loaded {
  sdk: string;
  loader?: { typescript: string; tsNode: string };
  types: string[];
  count: number;
}

function load(dir: string, mode: "ts" | "cjs" | "esm", program: string): Loaded {
  const r = node(dir, ["load.js", mode, program]);
  assert.equal(r.status, 0, `${mode} ${program}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Loaded;
}

// The lowest @pulumi/pulumi the peer range admits, and the newest published in it.
const SDK_RANGE = peerRange("@pulumi/pulumi");
for (const [label, sdk] of [
  ["newest", newestOf("@pulumi/pulumi", SDK_RANGE)],
  ["lowest", lowestOf(SDK_RANGE)],
] as const) {
  describe(`agentyard installed from its tarball into a new aws-typescript project, @pulumi/pulumi ${sdk} (${label}), node ${CONSUMER_NODE}`, () => {
    let dir = "";
    before(() => {
      dir = consumerProject(label, sdk);
    });

    it("type-checks with the template's strict tsconfig, without skipLibCheck (the program, and a test of it on agentyard/plan)", () => {
      const r = node(dir, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.check.json"]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("loads as Pulumi's runtime loads TypeScript (ts-node, type-checking, the project's tsconfig), and plans our components", () => {
      const loaded = load(dir, "ts", "index.ts");
      if (/^\d/.test(sdk)) assert.equal(loaded.sdk, sdk, "the SDK version asked for is the one that ran");
      assert.ok(loaded.loader, "ts-node was registered");
      for (const type of COMPONENTS) assert.ok(loaded.types.includes(type), `${type} in ${loaded.types.join(", ")}`);
      assert.ok(loaded.types.includes("aws:rds/instance:Instance"), "the data tier's database");
    });

    it("loads compiled to CommonJS JavaScript", () => {
      const emit = node(dir, ["transpile.js"]);
      assert.equal(emit.status, 0, emit.stdout + emit.stderr);
      const loaded = load(dir, "cjs", "bin/index.js");
      for (const type of COMPONENTS) assert.ok(loaded.types.includes(type), `${type} in ${loaded.types.join(", ")}`);
    });

    it("loads from an ES module, with named imports", () => {
      const loaded = load(dir, "esm", "index.mjs");
      assert.ok(loaded.types.includes("agentyard:infra:Network") && loaded.types.includes("agentyard:components:DataTier"), loaded.types.join(", "));
    });

    it("`agentyard plan dev --cost --policy` (the package's bin) plans the project's program offline, with its estimate and its violations", () => {
      const r = node(dir, ["node_modules/.bin/agentyard", "plan", "dev", "--json", "--cost", "--policy"]);
      assert.ok(r.status === 0 || r.status === 1 || r.status === 3, r.stdout + r.stderr);
      const plan = JSON.parse(r.stdout) as {
        stack: string;
        resources: Array<{ urn: string; type: string }>;
        cost: { totalMonthlyUsd: number };
        policy: { violations: Array<{ policy: string; level: string }> };
        deployRules: Array<{ id: string; passed: boolean }>;
      };
      assert.equal(plan.stack, "dev");
      const types = new Set(plan.resources.map((res) => res.type));
      for (const type of COMPONENTS) assert.ok(types.has(type), `${type} planned`);
      assert.ok(plan.resources.every((res) => res.urn.startsWith(`urn:pulumi:dev::consumer-${label}::`)), "URNs of the consumer's project");
      assert.ok(plan.cost.totalMonthlyUsd > 0, "an estimate of the AWS resources it creates");
      assert.ok(Array.isArray(plan.policy.violations), "the policy pack ran");
      assert.equal(r.status === 1, plan.policy.violations.some((v) => v.level === "mandatory"), "exit 1 exactly when a mandatory policy fails");
      assert.ok(plan.deployRules.length > 0, "the deploy rules ran");
      const text = node(dir, ["node_modules/.bin/agentyard", "plan", "dev", "--cost", "--policy"]);
      assert.match(text.stdout, /Resources:\n {4}\+ \d+ to create/);
      assert.match(text.stdout, /Monthly|monthly/);
      assert.match(text.stdout, /Policies: no violations\.|Policy violations:/);
    });
  });
}
