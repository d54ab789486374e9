import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { PRESETS } from "../infra/config/presets";

// prod refuses plain HTTP: the base config has a domain, as a real prod stack must. Prod as shipped
// must also name a backup copy region and an alert receiver (test/day2-config.test.ts).
const base = {
  "agentyard:platform": "eks",
  "agentyard:preset": "prod",
  "aws:region": "us-east-1",
  "agentyard:cluster": JSON.stringify({ endpointAccess: { publicCidrs: ["203.0.113.0/24"] } }),
  "agentyard:loadBalancer": JSON.stringify({ domain: "agents.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }),
  "agentyard:database": JSON.stringify({ backupCopyRegion: "us-west-2" }),
  "agentyard:monitoring": JSON.stringify({ alerts: { emails: ["oncall@example.com"] } }),
};

function parse(overrides: Record<string, unknown>) {
  const raw: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete raw[k];
    else raw[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return parseStackConfig(raw, { project: "agentyard", stack: "test" });
}

function problemsOf(overrides: Record<string, unknown>): string[] {
  try {
    parse(overrides);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message.split("\n").slice(1).map((l) => l.replace(/^\s+- /, ""));
  }
  assert.fail("config was accepted");
}

describe("stack config", () => {
  it("merges overrides over the preset key by key", () => {
    const config = parse({ "agentyard:network": { azCount: 2 }, "agentyard:database": { instanceClass: "db.r7g.xlarge", backupCopyRegion: "us-west-2" } });
    assert.equal(config.settings.network.azCount, 2);
    assert.equal(config.settings.network.natGateways, PRESETS.prod.network.natGateways);
    assert.equal(config.settings.network.cidr, PRESETS.prod.network.cidr);
    assert.equal(config.settings.database.instanceClass, "db.r7g.xlarge");
    assert.equal(config.settings.database.multiAz, true);
    assert.deepEqual(config.settings.cache, PRESETS.prod.cache);
  });

  it("reads scalars the way Pulumi stores them, as strings", () => {
    const config = parse({ "agentyard:deletionProtection": "false" });
    assert.equal(config.settings.deletionProtection, false);
    assert.equal(config.region, "us-east-1");
  });

  it("needs no AWS region on the kubernetes platform", () => {
    const config = parse({ "agentyard:platform": "kubernetes", "aws:region": undefined, "agentyard:database": undefined, "agentyard:monitoring": { alerts: { webhookUrl: "https://alerts.example.com/hook" } } });
    assert.equal(config.platform, "kubernetes");
    assert.equal(config.region, undefined);
  });

  it("accepts every shipped preset as it is", () => {
    for (const preset of Object.keys(PRESETS)) assert.equal(parse({ "agentyard:preset": preset }).preset, preset);
  });

  // Each row: the bad config, then the one problem line it must produce.
  const badInputs: Array<[string, Record<string, unknown>, string]> = [
    ["a platform not among the three", { "agentyard:platform": "gke" }, 'agentyard:platform: got "gke", expected one of eks, ecs, kubernetes'],
    ["a missing platform", { "agentyard:platform": undefined }, "agentyard:platform: got nothing, expected one of eks, ecs, kubernetes"],
    ["an unknown preset", { "agentyard:preset": "qa" }, 'agentyard:preset: got "qa", expected one of dev, staging, prod'],
    ["an unknown top-level key", { "agentyard:netwrok": { azCount: 3 } }, "agentyard:netwrok: got an unknown key, expected one of platform, preset,"],
    ["an unknown key inside a section", { "agentyard:network": { azCuont: 3 } }, "agentyard:network.azCuont: got an unknown key, expected one of cidr, azCount,"],
    ["a wrong type", { "agentyard:network": { azCount: "three" } }, 'agentyard:network.azCount: got "three", expected an integer from 2 to 6'],
    ["a count out of range", { "agentyard:network": { azCount: 7 } }, "agentyard:network.azCount: got 7, expected an integer from 2 to 6"],
    ["a fractional count", { "agentyard:agents": { maxReplicas: 2.5 } }, "agentyard:agents.maxReplicas: got 2.5, expected an integer from 1 to 100"],
    ["a CIDR that does not parse", { "agentyard:network": { cidr: "10.0.0.0/33" } }, 'agentyard:network.cidr: got "10.0.0.0/33", expected an IPv4 CIDR block from /16 to /20'],
    ["a CIDR with host bits", { "agentyard:network": { cidr: "10.0.5.0/16" } }, 'agentyard:network.cidr: got "10.0.5.0/16", expected an IPv4 CIDR block'],
    ["a VPC too small for the layout", { "agentyard:network": { cidr: "10.0.0.0/24" } }, 'agentyard:network.cidr: got "10.0.0.0/24", expected an IPv4 CIDR block from /16 to /20'],
    [
      "a service CIDR that overlaps the VPC",
      { "agentyard:cluster": { serviceCidr: "10.40.128.0/20" } },
      'agentyard:cluster.serviceCidr: got "10.40.128.0/20", expected a range that does not overlap network.cidr (10.40.0.0/16)',
    ],
    ["a cache node type as a database class", { "agentyard:database": { instanceClass: "cache.r6g.large" } }, 'agentyard:database.instanceClass: got "cache.r6g.large", expected an RDS instance class'],
    ["a database class as a cache node type", { "agentyard:cache": { nodeType: "db.t4g.micro" } }, 'agentyard:cache.nodeType: got "db.t4g.micro", expected an ElastiCache node type'],
    ["a database class as an EC2 node type", { "agentyard:cluster": { nodeInstanceTypes: ["db.m6i.large"] } }, 'agentyard:cluster.nodeInstanceTypes.0: got "db.m6i.large", expected an EC2 instance type'],
    ["a log retention CloudWatch refuses", { "agentyard:logs": { retentionDays: 10 } }, "agentyard:logs.retentionDays: got 10, expected a CloudWatch retention in days: one of 1, 3, 5, 7, 14,"],
    ["a non-boolean flag", { "agentyard:network": { flowLogs: "yes" } }, 'agentyard:network.flowLogs: got "yes", expected true or false'],
    ["a NAT mode that does not exist", { "agentyard:network": { natGateways: "some" } }, 'agentyard:network.natGateways: got "some", expected one of perAz, single, instance, none'],
    ["a minimum above the maximum", { "agentyard:agents": { minReplicas: 30 } }, "agentyard:agents.minReplicas: got 30, expected at most agents.maxReplicas (20)"],
    ["Multi-AZ cache without a replica", { "agentyard:cache": { replicas: 0 } }, "agentyard:cache.multiAz: got true, expected false while cache.replicas is 0"],
    ["a missing AWS region on eks", { "aws:region": undefined }, "aws:region: got nothing, expected an AWS region such as us-east-1"],
    ["a malformed AWS region", { "aws:region": "useast1" }, 'aws:region: got "useast1", expected an AWS region'],
    ["a PostgreSQL older than 16", { "agentyard:database": { engineVersion: "15" } }, 'agentyard:database.engineVersion: got "15", expected a PostgreSQL version of 16 or later'],
    ["a warm pool of 0, which no longer turns it off", { "agentyard:sandbox": { warmPool: 0 } }, "agentyard:sandbox.warmPool: got 0, expected an integer from 1 to 64 (supervisors the executor isolates ahead of demand; 0 no longer turns the warm pool off, the executor always keeps one: set 1)"],
    ["a session cap out of range", { "agentyard:sandbox": { sessions: { max: 300 } } }, "agentyard:sandbox.sessions.max: got 300, expected an integer from 0 to 256"],
    ["an unknown key among the session settings", { "agentyard:sandbox": { sessions: { maxSessions: 3 } } }, "agentyard:sandbox.sessions.maxSessions: got an unknown key, expected one of max, ttlSeconds, idleTimeoutSeconds, memoryMb, cpuSeconds, fileLimitMb"],
    ["a session file limit above the session home", { "agentyard:sandbox": { sessions: { fileLimitMb: 100 } } }, "agentyard:sandbox.sessions.fileLimitMb: got 100, expected an integer from 1 to 64"],
    ["an idle timeout longer than the TTL", { "agentyard:sandbox": { sessions: { idleTimeoutSeconds: 7200 } } }, "agentyard:sandbox.sessions.idleTimeoutSeconds: got 7200, expected at most sessions.ttlSeconds (3600)"],
    [
      "more sessions than the executor's memory holds",
      { "agentyard:sandbox": { sessions: { max: 8 } } },
      "agentyard:sandbox.sessions.max: got 8, expected at most 4 on eks: 8 sessions x 320 MiB (sessions.memoryMb 256 + 64 MiB home on tmpfs) + one execution's 320 MiB = 2880 MiB, more than the executor's 1792 MiB (memoryMb 2048 less 256 for the api)",
    ],
  ];

  for (const [what, overrides, line] of badInputs) {
    it(`refuses ${what}, naming the key, the value and what is allowed`, () => {
      const problems = problemsOf(overrides);
      assert.ok(
        problems.some((p) => p.startsWith(line)),
        `no problem line starts with:\n  ${line}\ngot:\n  ${problems.join("\n  ")}`,
      );
    });
  }

  it("lists every problem in one message, not only the first", () => {
    const problems = problemsOf({
      "agentyard:platform": "gke",
      "agentyard:network": { azCount: 9, cidr: "nope" },
      "agentyard:cache": { nodeType: "m5.large" },
    });
    assert.equal(problems.length, 4, problems.join("\n"));
  });
});

describe("stack config: sandbox sessions", () => {
  it("takes one session key over the preset and keeps the preset's others, and the sandbox's", () => {
    const sandbox = parse({ "agentyard:sandbox": { sessions: { max: 3 }, maxConcurrent: 12 } }).settings.sandbox;
    assert.deepEqual(sandbox.sessions, { ...PRESETS.prod.sandbox.sessions, max: 3 });
    assert.equal(sandbox.maxConcurrent, 12);
    assert.equal(sandbox.memoryMb, PRESETS.prod.sandbox.memoryMb);
  });

  it("counts the session home against memory where it is a tmpfs (eks), not where it is disk (ecs)", () => {
    const five = { "agentyard:sandbox": { sessions: { max: 5 } } };
    // 5 x 256 + 256 = 1536 MiB on ecs; 5 x 320 + 320 = 1920 MiB on eks: the executor has 1792.
    assert.equal(parse({ ...five, "agentyard:platform": "ecs" }).settings.sandbox.sessions.max, 5);
    assert.ok(problemsOf(five).some((p) => p.startsWith("agentyard:sandbox.sessions.max: got 5, expected at most 4 on eks")));
  });

  it("checks no session memory when sessions are off", () => {
    assert.equal(parse({ "agentyard:sandbox": { sessions: { max: 0, memoryMb: 16384 } } }).settings.sandbox.sessions.max, 0);
  });
});
