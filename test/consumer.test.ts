import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CONSUMER_NODES, consumerProject, lowestOf, newestOf, node, peerRange, versionOf } from "./consumer-project";

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

async function load(bin: string, dir: string, mode: "ts" | "cjs" | "esm", program: string): Promise<Loaded> {
  const r = await node(bin, dir, ["load.js", mode, program]);
  assert.equal(r.status, 0, `${mode} ${program}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Loaded;
}

// The lowest @pulumi/pulumi the peer range admits, and the newest published in it.
const SDK_RANGE = peerRange("@pulumi/pulumi");
const SDKS = [
  ["newest", newestOf("@pulumi/pulumi", SDK_RANGE)],
  ["lowest", lowestOf(SDK_RANGE)],
] as const;
const NODES = CONSUMER_NODES.map((bin) => ({ bin, version: versionOf(bin) }));
const TSC_NODE = NODES[0]?.bin ?? process.execPath;

// The two projects side by side, each one's commands in order (`concurrency: 1`, which their
// suites would otherwise inherit): most of their time is npm's installs and single-threaded
// compilers, and the commands of one project share its files (bin/ is rewritten per Node.js).
describe(`agentyard installed from its tarball into new aws-typescript projects, on node ${NODES.map((n) => n.version).join(" and ")}`, { concurrency: SDKS.length }, () => {
  for (const [label, sdk] of SDKS) {
    describe(`@pulumi/pulumi ${sdk} (${label})`, { concurrency: 1 }, () => {
      let dir = "";
      before(async () => {
        dir = await consumerProject(label, sdk);
      });

      // Once, on the first Node.js: tsc's verdict on the same files does not depend on the Node.js running it.
      it("type-checks with the template's strict tsconfig, without skipLibCheck (the program, and a test of it on agentyard/plan)", async () => {
        const r = await node(TSC_NODE, dir, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.check.json"]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
      });

      for (const { bin, version } of NODES) {
        describe(`on node ${version}`, () => {
          it("loads as Pulumi's runtime loads TypeScript (ts-node, type-checking, the project's tsconfig), and plans our components", async () => {
            const loaded = await load(bin, dir, "ts", "index.ts");
            if (/^\d/.test(sdk)) assert.equal(loaded.sdk, sdk, "the SDK version asked for is the one that ran");
            assert.ok(loaded.loader, "ts-node was registered");
            for (const type of COMPONENTS) assert.ok(loaded.types.includes(type), `${type} in ${loaded.types.join(", ")}`);
            assert.ok(loaded.types.includes("aws:rds/instance:Instance"), "the data tier's database");
          });

          it("loads compiled to CommonJS JavaScript", async () => {
            const emit = await node(bin, dir, ["transpile.js"]);
            assert.equal(emit.status, 0, emit.stdout + emit.stderr);
            const loaded = await load(bin, dir, "cjs", "bin/index.js");
            for (const type of COMPONENTS) assert.ok(loaded.types.includes(type), `${type} in ${loaded.types.join(", ")}`);
          });

          it("loads from an ES module, with named imports", async () => {
            const loaded = await load(bin, dir, "esm", "index.mjs");
            assert.ok(loaded.types.includes("agentyard:infra:Network") && loaded.types.includes("agentyard:components:DataTier"), loaded.types.join(", "));
          });

          it("`agentyard plan dev --cost --policy` (the package's bin) plans the project's program offline, with its estimate and its violations", async () => {
            const r = await node(bin, dir, ["node_modules/.bin/agentyard", "plan", "dev", "--json", "--cost", "--policy"]);
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
            const text = await node(bin, dir, ["node_modules/.bin/agentyard", "plan", "dev", "--cost", "--policy"]);
            assert.match(text.stdout, /Resources:\n {4}\+ \d+ to create/);
            assert.match(text.stdout, /Monthly|monthly/);
            assert.match(text.stdout, /Policies: no violations\.|Policy violations:/);
          });
        });
      }
    });
  }
});
