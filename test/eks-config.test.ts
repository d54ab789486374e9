import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_EKS_VERSION, EKS_VERSION_CALENDAR, eksSupportStatus, utcDay } from "../infra/cluster/eks-versions";
import { versionProblem } from "../infra/config/cluster-checks";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { PRESETS } from "../infra/config/presets";
import type { EnvironmentSettings } from "../infra/config/schema";
import { prodStackConfig } from "./prod-config";

const REACHABLE = { endpointAccess: { publicCidrs: ["203.0.113.0/24"] } };
const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";
const CI = "arn:aws:iam::123456789012:role/github-preview";

function problemsOf(platform: string, cluster: Record<string, unknown> | undefined): string[] {
  const raw = prodStackConfig(platform === "ecs" ? "ecs" : "eks", { "agentyard:cluster": cluster });
  try {
    parseStackConfig(raw, { project: "agentyard", stack: "test" });
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split("\n").slice(1).map((l) => l.replace(/^\s+- /, ""));
  }
}

const withCluster = (cluster: Partial<EnvironmentSettings["cluster"]>): EnvironmentSettings => ({ ...PRESETS.prod, cluster: { ...PRESETS.prod.cluster, ...cluster } });

describe("how the deployer reaches the EKS API (cluster.endpointAccess)", () => {
  it("refuses an eks stack that names neither public CIDRs nor a private network for its deployer, naming the key", () => {
    const problems = problemsOf("eks", undefined);
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /^agentyard:cluster\.endpointAccess: got \{\}, expected publicCidrs .* or privateCidrs .*nobody can reach the Kubernetes API/);
    assert.match(problemsOf("eks", { endpointAccess: { publicCidrs: [], privateCidrs: [] } })[0], /^agentyard:cluster\.endpointAccess:/);
  });

  it("accepts public CIDRs, a private network, or both; and refuses the API open to the whole internet", () => {
    assert.deepEqual(problemsOf("eks", REACHABLE), []);
    assert.deepEqual(problemsOf("eks", { endpointAccess: { privateCidrs: ["10.40.0.0/19"] } }), []);
    assert.deepEqual(problemsOf("eks", { endpointAccess: { publicCidrs: ["198.51.100.7/32"], privateCidrs: ["10.99.0.0/16"] } }), []);
    assert.match(problemsOf("eks", { endpointAccess: { publicCidrs: ["0.0.0.0/0"] } })[0], /^agentyard:cluster\.endpointAccess\.publicCidrs: got \["0\.0\.0\.0\/0"\], expected CIDRs narrower than 0\.0\.0\.0\/0/);
    assert.match(problemsOf("eks", { endpointAccess: { publicCidrs: ["10.0.0.1/8"] } }).join("\n"), /endpointAccess\.publicCidrs\.0: got "10\.0\.0\.1\/8", expected an IPv4 CIDR block/);
    assert.deepEqual(problemsOf("eks", { endpointAccess: { vpn: ["10.0.0.0/8"] } }), ["agentyard:cluster.endpointAccess.vpn: got an unknown key, expected one of publicCidrs, privateCidrs"]);
    assert.deepEqual(problemsOf("eks", { endpointAccess: "203.0.113.0/24" }), ['agentyard:cluster.endpointAccess: got "203.0.113.0/24", expected an object with publicCidrs and/or privateCidrs']);
  });

  it("asks nothing of ecs stacks, which have no Kubernetes API", () => {
    assert.deepEqual(problemsOf("ecs", undefined), []);
  });

  it("refuses the CI role listed among the admins too (EKS allows one access entry per principal)", () => {
    assert.deepEqual(problemsOf("eks", { ...REACHABLE, adminRoleArns: [ADMIN], ciRoleArn: CI }), []);
    assert.match(problemsOf("eks", { ...REACHABLE, adminRoleArns: [ADMIN, CI], ciRoleArn: CI })[0], /^agentyard:cluster\.ciRoleArn: got "arn:aws:iam::123456789012:role\/github-preview", expected a role not also in cluster\.adminRoleArns/);
    assert.match(problemsOf("eks", { ...REACHABLE, ciRoleArn: "github-preview" }).join("\n"), /cluster\.ciRoleArn: got "github-preview", expected an IAM role ARN/);
  });
});

describe("the Kubernetes version against the EKS release calendar", () => {
  it("has every row's extended support end twelve months after its standard support end", () => {
    for (const [version, row] of Object.entries(EKS_VERSION_CALENDAR)) {
      const [y, m, d] = row.endOfStandardSupport.split("-").map(Number);
      assert.equal(row.endOfExtendedSupport, `${y + 1}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`, version);
    }
  });

  it("defaults to 1.35, in standard support on 2026-12-02 (1.33 left it on 2026-07-29, 1.34 leaves it that very day)", () => {
    assert.equal(DEFAULT_EKS_VERSION, "1.35");
    for (const preset of Object.values(PRESETS)) assert.equal(preset.cluster.version, "1.35");
    assert.equal(eksSupportStatus("1.35", "2026-12-02"), "standard");
    assert.equal(eksSupportStatus("1.33", "2026-07-28"), "standard");
    assert.equal(eksSupportStatus("1.33", "2026-07-29"), "extended");
    assert.equal(eksSupportStatus("1.34", "2026-12-02"), "extended");
  });

  // When this fails, the default version has left standard support: add the calendar's new rows and move the default.
  it("keeps the presets' default version in standard support today", () => {
    assert.equal(eksSupportStatus(DEFAULT_EKS_VERSION, utcDay()), "standard", `bump DEFAULT_EKS_VERSION: ${DEFAULT_EKS_VERSION} is out of standard support on ${utcDay()}`);
  });

  it("refuses a version out of standard support unless supportType EXTENDED is chosen, naming the price", () => {
    const day = "2026-12-02";
    const problem = versionProblem(withCluster({ version: "1.33" }), "eks", "agentyard", day);
    assert.equal(problem?.key, "agentyard:cluster.version");
    assert.match(String(problem?.expected), /one in standard support on 2026-12-02 \(1\.35\), or cluster\.supportType: EXTENDED \(\$0\.60 instead of \$0\.10 per cluster hour\): 1\.33 left standard support on 2026-07-29/);
    assert.equal(versionProblem(withCluster({ version: "1.33", supportType: "EXTENDED" }), "eks", "agentyard", day), undefined);
    assert.equal(versionProblem(withCluster({ version: "1.35" }), "eks", "agentyard", day), undefined);
    assert.equal(versionProblem(withCluster({ version: "1.33" }), "ecs", "agentyard", day), undefined);
  });

  it("refuses a version past extended support, or one the calendar does not list, even on EXTENDED", () => {
    const day = "2026-12-02";
    assert.match(String(versionProblem(withCluster({ version: "1.31", supportType: "EXTENDED" }), "eks", "agentyard", day)?.expected), /1\.31 left extended support on 2026-11-26/);
    assert.match(String(versionProblem(withCluster({ version: "1.40", supportType: "EXTENDED" }), "eks", "agentyard", day)?.expected), /a version in the EKS release calendar \(1\.35, 1\.34/);
  });

  it("refuses 1.33, the version the presets used before, through the stack config", () => {
    const problems = problemsOf("eks", { ...REACHABLE, version: "1.33" });
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /^agentyard:cluster\.version: got "1\.33", expected one in standard support on \d{4}-\d{2}-\d{2}/);
    assert.match(problemsOf("eks", { ...REACHABLE, supportType: "LONG" }).join("\n"), /cluster\.supportType: got "LONG", expected one of STANDARD, EXTENDED/);
  });
});
