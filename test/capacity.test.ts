import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { checkCapacity, cpuCores, memoryGiB } from "../cli/capacity/check";
import { estimateCost } from "../cli/cost/estimate";
import { PRESETS } from "../infra/config/presets";
import { REPO_ROOT } from "../cli/plan/stack-file";
import { planStack } from "./harness";

const AGENT = { "agentyard:agents": { image: "ghcr.io/acme/agent:1.2.0" } };
const PROD_ACCESS = { endpointAccess: { privateCidrs: ["10.40.0.0/19"] } };
const QUOTA = { fargateVcpuQuota: 6 };

describe("the capacity check at maximum scale", () => {
  it("reads Kubernetes quantities as the API server does", () => {
    assert.equal(cpuCores("500m"), 0.5);
    assert.equal(cpuCores("2"), 2);
    assert.equal(memoryGiB("512Mi"), 0.5);
    assert.equal(memoryGiB("192Gi"), 192);
    assert.throws(() => memoryGiB("lots"));
  });

  it("fits prod's maximum (20 agents x 0.5 vCPU/1 GiB + 20 sandboxes x 1 vCPU/2 GiB = 30 vCPU, 60 GiB) in Karpenter's 48 vCPU and the managed nodes", async () => {
    const graph = await planStack("prod", { override: AGENT });
    const report = checkCapacity(graph.resources, QUOTA);
    const byName = Object.fromEntries(report.workloads.map((w) => [w.name, w]));
    assert.deepEqual(byName["agentyard-prod-agents/agents"]?.maxReplicas, 20);
    assert.deepEqual(byName["agentyard-prod-agents/agents"]?.request, { vcpu: 0.5, memoryGiB: 1 });
    assert.deepEqual(byName["agentyard-prod-sandbox/sandbox"]?.request, { vcpu: 1, memoryGiB: 2 });
    // One lane: agents, sandboxes and the monitoring namespace's exporters and OTLP collector share the general pools.
    const all = report.lanes.find((l) => l.workloads.includes("agentyard-prod-agents/agents") && l.workloads.includes("agentyard-prod-sandbox/sandbox"));
    assert.ok(all);
    const monitoring = report.workloads.filter((w) => w.name.startsWith("agentyard-prod-monitoring/"));
    assert.deepEqual(all.workloads.length, 2 + monitoring.length);
    const extra = monitoring.reduce((n, w) => ({ vcpu: n.vcpu + w.request.vcpu * w.maxReplicas, memoryGiB: n.memoryGiB + w.request.memoryGiB * w.maxReplicas }), { vcpu: 0, memoryGiB: 0 });
    assert.ok(Math.abs(all.demand.vcpu - (30 + extra.vcpu)) < 1e-9 && Math.abs(all.demand.memoryGiB - (60 + extra.memoryGiB)) < 1e-9, JSON.stringify(all.demand));
    // Karpenter's general pool (48 vCPU, 192 GiB) and the 3 managed m6i.large nodes, each at 90 % allocatable.
    assert.equal(Math.round(all.usable.vcpu * 10) / 10, 48.6);
    assert.equal(all.fits, true);
    assert.deepEqual(report.warnings, []);
  });

  it("warns with the numbers when prod's pools cannot hold its maximum (the fixed node groups before Karpenter could not)", async () => {
    // Without Karpenter's room (a 2-vCPU limit), only the managed group is left: as before this change, when 12
    // m6i.large nodes (24 vCPU) were all there was for 30 vCPU of requests.
    const graph = await planStack("prod", { override: { ...AGENT, "agentyard:cluster": { ...PROD_ACCESS, karpenterMaxVcpu: 2, karpenterMaxMemoryGb: 8 } } });
    const report = checkCapacity(graph.resources, QUOTA);
    assert.equal(report.warnings.length, 1);
    // 30 vCPU and 60 GiB of agents and sandboxes, 0.24 vCPU and 0.56 GiB of exporters and the OTLP collector.
    assert.match(report.warnings[0], /request 30\.24 vCPU and 60\.56 GiB, but general \+ cluster-general-nodes provide 7.2 vCPU and 28.8 GiB usable: the stack cannot reach its own maximum/);
  });

  it("puts gVisor sandboxes only on the tainted pools and still checks the whole", async () => {
    const graph = await planStack("prod", { override: { ...AGENT, "agentyard:sandbox": { gvisor: true } } });
    const report = checkCapacity(graph.resources, QUOTA);
    const sandbox = report.workloads.find((w) => w.name.endsWith("/sandbox"));
    assert.deepEqual(sandbox?.pools, ["sandbox-gvisor", "cluster-sandbox-nodes"]);
    const agents = report.workloads.find((w) => w.name.endsWith("/agents"));
    assert.deepEqual(agents?.pools, ["general", "cluster-general-nodes"]);
    assert.equal(report.lanes.length, 3);
    assert.deepEqual(report.warnings, []);
  });

  it("holds prod-ecs's maximum against the Fargate vCPU quota: AWS's default 6 is too few for 20 sandboxes", async () => {
    const graph = await planStack("prod-ecs");
    const report = checkCapacity(graph.resources, QUOTA);
    assert.equal(report.warnings.length, 1);
    // 20 sandboxes x 1 vCPU, the metrics collector and the two exporters at 0.25 vCPU each.
    assert.match(report.warnings[0], /metrics-collector, sandbox, redis-exporter, postgres-exporter request 20\.75 vCPU .* fargate-on-demand provide 6 vCPU usable.*Fargate vCPU quota 6/);
    assert.deepEqual(checkCapacity(graph.resources, { fargateVcpuQuota: 40 }).warnings, []);
  });

  it("prints the check in the plan and the warning on stderr, exit 0, the JSON untouched", () => {
    const run = spawnSync(process.execPath, ["cli/launch.js", "plan", "prod-ecs", "--json"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /warning: capacity: at maximum scale/);
    // No key of its own: the plan's JSON contract (the plan and its deploy rules) is unchanged.
    assert.deepEqual(Object.keys(JSON.parse(run.stdout)).sort(), ["deployRules", "resources", "stack"]);
    const text = spawnSync(process.execPath, ["cli/launch.js", "plan", "prod-ecs"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /\nCapacity at maximum scale [^\n]*\n(?:.*\n)*?\nDiagnostics:\n(?:.*\n)*? {2}warning: capacity: at maximum scale/);
  });

  it("prices Karpenter's nodes at minimum and at maximum scale, and the stack at both", async () => {
    const graph = await planStack("prod", { override: AGENT });
    const e = estimateCost(graph.resources, "us-east-1", PRESETS.prod.cost);
    const atMin = e.lines.find((l) => l.type === "kubernetes:karpenter.sh/v1:NodePool");
    // Minimum: 3 agents x 0.5 + 3 sandboxes x 1 = 4.5 vCPU, held by the 3 managed m6i.large (5.4 allocatable).
    assert.equal(atMin?.monthlyUsd, 0);
    const atMax = e.maximum.lines.find((l) => l.type === "kubernetes:karpenter.sh/v1:NodePool");
    // Maximum: 30 vCPU less 5.4 held = 24.6 vCPU in m6i.large at 1.8 allocatable vCPU each = 14 nodes.
    // Each with its 40 GiB gp3 root volume (the EC2NodeClass's blockDeviceMappings), as a managed node's disk is counted.
    assert.match(String(atMax?.basis), /^14 x m6i\.large x 730 h \+ 14 x 40 GB EBS root volume/);
    assert.equal(atMax?.monthlyUsd, Math.round(14 * (0.096 * 730 + 40 * 0.08) * 100) / 100);
    assert.equal(e.maximum.totalMonthlyUsd, Math.round((e.totalMonthlyUsd + 14 * (0.096 * 730 + 40 * 0.08)) * 100) / 100);
  });

  it("prices ECS services at their autoscaling maximum in the maximum-scale estimate", async () => {
    const graph = await planStack("prod-ecs");
    const e = estimateCost(graph.resources, "us-east-1", PRESETS.prod.cost);
    const min = e.lines.find((l) => l.name === "sandbox-service")?.monthlyUsd ?? NaN;
    const max = e.maximum.lines.find((l) => l.name === "sandbox-service")?.monthlyUsd ?? NaN;
    assert.ok(Math.abs(max - (min * 20) / 3) < 0.02, `${max} is 20/3 of ${min}`);
  });
});
