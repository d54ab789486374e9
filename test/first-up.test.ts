import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { greaterThanPattern, MAX_REQUEST_BODY_BYTES } from "../components/load-balancer/body-limit";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { ContainerImage } from "../infra/images/image";
import { imageTag } from "../infra/images/digest";
import { type ResourceGraph, planComponent, planStack } from "./harness";

/*
 * What a first `pulumi up` would hit that the mocks accept (issue 16): each test fails on the code
 * before the fix.
 */

const agent = { "agentyard:agents": { image: "ghcr.io/acme/agent:1.0.0" } };

function configProblems(raw: Record<string, unknown>): string[] {
  const strings = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  try {
    parseStackConfig(strings, { project: "agentyard", stack: "test" });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.map((p) => `${p.key}: ${p.expected}`);
  }
  return [];
}

describe("ARM64 and Fargate Spot (ECS: Spot places x86_64 tasks only)", () => {
  const ecs = { "agentyard:platform": "ecs", "agentyard:preset": "dev", "aws:region": "us-east-1" };

  it("refuses ARM64 with a Spot share on ecs, saying both ways out", () => {
    const problems = configProblems(ecs);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^agentyard:cluster\.architecture: x86_64 while cluster\.fargateSpotPercent is 100 \(Fargate Spot runs no ARM64 tasks\), or set cluster\.fargateSpotPercent: 0/);
    assert.deepEqual(configProblems({ ...ecs, "agentyard:cluster": { architecture: "x86_64" } }), []);
    assert.deepEqual(configProblems({ ...ecs, "agentyard:cluster": { fargateSpotPercent: 0 } }), []);
    assert.deepEqual(configProblems({ ...ecs, "agentyard:platform": "eks" }).filter((p) => p.includes("architecture")), [], "EKS Graviton Spot nodes stay");
  });

  it("runs dev-ecs's tasks on x86_64 Fargate Spot", async () => {
    const graph = await planStack("dev-ecs", { override: agent });
    for (const task of graph.ofType("aws:ecs/taskDefinition:TaskDefinition")) assert.equal((task.inputs.runtimePlatform as { cpuArchitecture: string }).cpuArchitecture, "X86_64", task.name);
    for (const service of graph.ofType("aws:ecs/service:Service")) assert.deepEqual(service.inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE_SPOT", weight: 1 }], service.name);
  });
});

describe("prod and staging serve HTTPS or say explicitly that they do not", () => {
  const eks = (preset: string) => ({ "agentyard:platform": "eks", "agentyard:preset": preset, "aws:region": "us-east-1" });

  it("refuses prod and staging without a domain or certificate unless allowPlainHttp opts in", () => {
    for (const preset of ["prod", "staging"]) {
      assert.ok(configProblems(eks(preset)).some((p) => p.startsWith("agentyard:loadBalancer.domain: a domain with hostedZoneId or certificateArn")), preset);
      assert.deepEqual(configProblems({ ...eks(preset), "agentyard:loadBalancer": { allowPlainHttp: true } }).filter((p) => p.includes("loadBalancer")), []);
      assert.deepEqual(configProblems({ ...eks(preset), "agentyard:loadBalancer": { domain: "agents.acme.dev", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }).filter((p) => p.includes("loadBalancer")), []);
    }
    assert.deepEqual(configProblems(eks("dev")).filter((p) => p.includes("loadBalancer")), [], "dev may serve plain HTTP");
  });

  it("ships prod, staging and prod-ecs with example domains, so their plans show the HTTPS path", async () => {
    for (const stack of ["prod", "staging", "prod-ecs"]) {
      const graph = await planStack(stack);
      const listeners = graph.ofType("aws:lb/listener:Listener").map((l) => `${String(l.inputs.port)}/${String(l.inputs.protocol)}`);
      assert.deepEqual(listeners.sort(), ["443/HTTPS", "80/HTTP"], stack);
      assert.match(String(graph.ofType("aws:acm/certificate:Certificate")[0].inputs.domainName), /example\.com$/, stack);
    }
  });
});

describe("request bodies: the WAF lets prompts through, the 10 MB limit is enforced where it can be", () => {
  let staging: ResourceGraph;
  before(async () => {
    staging = await planStack("staging", { override: agent });
  });
  type WafRule = { name: string; priority: number; statement: Record<string, Record<string, unknown>> };
  const rules = () => staging.ofType("aws:wafv2/webAcl:WebAcl")[0].inputs.rules as WafRule[];

  it("counts SizeRestrictions_BODY of the common rule set instead of blocking every body over 8 KB", () => {
    const common = rules().find((r) => r.name === "aws-common-rule-set");
    assert.deepEqual(common?.statement.managedRuleGroupStatement.ruleActionOverrides, [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }]);
  });

  it("blocks a declared Content-Length over 10 MB, and exactly those", () => {
    const body = rules().find((r) => r.name === "body-over-limit");
    const regex = body?.statement.regexMatchStatement as { regexString: string; fieldToMatch: unknown };
    assert.deepEqual(regex.fieldToMatch, { singleHeader: { name: "content-length" } });
    const re = new RegExp(regex.regexString);
    for (const n of [0, 8192, 1048576, MAX_REQUEST_BODY_BYTES - 1, MAX_REQUEST_BODY_BYTES]) assert.equal(re.test(String(n)), false, String(n));
    for (const n of [MAX_REQUEST_BODY_BYTES + 1, 10485770, 11000000, 20000000, 99999999, 123456789012]) assert.equal(re.test(String(n)), true, String(n));
    assert.equal(re.test("00010485761"), true, "leading zeros do not hide a length");
    assert.equal(new Set(rules().map((r) => r.priority)).size, rules().length, "priorities are unique");
  });

  it("matches exactly the numbers above any limit (the generator behind the WAF rule)", () => {
    for (const limit of [9, 90, 999, 1000, 4096, 10485760]) {
      const re = new RegExp(greaterThanPattern(limit));
      for (let n = 0; n <= limit * 2 + 20; n += Math.max(1, Math.floor(limit / 5000))) assert.equal(re.test(String(n)), n > limit, `${n} against ${limit}`);
      for (const n of [limit - 1, limit, limit + 1]) assert.equal(re.test(String(n)), n > limit, `${n} against ${limit}`);
    }
  });

  it("tells the agent service its limit, and ingress-nginx enforces it on kubernetes", async () => {
    const configMap = staging.get("kubernetes:core/v1:ConfigMap", "agents-config");
    assert.equal((configMap.inputs.data as Record<string, string>).MAX_REQUEST_BODY_BYTES, "10485760");
    const local = await planStack("local", { override: agent });
    for (const ingress of local.ofType("kubernetes:networking.k8s.io/v1:Ingress")) {
      assert.equal((ingress.inputs.metadata as { annotations: Record<string, string> }).annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "10m", ingress.name);
    }
  });
});

describe("an HPA owns the replica count", () => {
  it("sets replicas on create (not 1) and ignores them on every update, for agents and sandbox", async () => {
    const graph = await planStack("prod", { override: agent });
    for (const name of ["agents-deployment", "sandbox-deployment"]) {
      const deployment = graph.get("kubernetes:apps/v1:Deployment", name);
      assert.equal((deployment.inputs.spec as { replicas: number }).replicas, 3, `${name}: the preset's minimum on create`);
      assert.deepEqual(deployment.options.ignoreChanges, ["spec.replicas"], name);
    }
  });
});

describe("image tags change whenever the image does (ECR tags are immutable)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "agentyard-image-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY app.txt /\n");
  writeFileSync(path.join(dir, "Dockerfile.debug"), "FROM scratch\nCOPY app.txt /debug.txt\n");
  writeFileSync(path.join(dir, "app.txt"), "v1\n");
  const base = { context: dir, platform: "linux/amd64" };

  it("hashes the context, the Dockerfile chosen, the platform and the build args", () => {
    const tag = imageTag(base);
    assert.match(tag, /^img-[0-9a-f]{16}$/);
    assert.equal(imageTag(base), tag, "same inputs, same tag");
    assert.notEqual(imageTag({ ...base, platform: "linux/arm64" }), tag, "platform");
    assert.notEqual(imageTag({ ...base, dockerfile: "Dockerfile.debug" }), tag, "another Dockerfile");
    assert.notEqual(imageTag({ ...base, buildArgs: { BASE_IMAGE: "debian:13" } }), tag, "build args");
    assert.equal(imageTag({ ...base, buildArgs: { A: "1", B: "2" } }), imageTag({ ...base, buildArgs: { B: "2", A: "1" } }), "build args in any order");
  });

  it("pushes an arm64 and an amd64 build of one context under different tags", async () => {
    const { graph } = await planComponent(() => {
      new ContainerImage("amd", { context: dir, component: "test", platform: "linux/amd64" });
      new ContainerImage("arm", { context: dir, component: "test", platform: "linux/arm64" });
    });
    const tags = graph.ofType("docker-build:index:Image").map((i) => String((i.inputs.tags as string[])[0]).split(":").pop());
    assert.equal(tags.length, 2);
    assert.notEqual(tags[0], tags[1]);
  });
});

describe("physical names survive a replacement", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("prod-ecs", { override: agent });
  });

  it("auto-names target groups and the cache's parameter group, and names the database's by prefix", () => {
    assert.equal(graph.get("aws:lb/targetGroup:TargetGroup", "public-agents").inputs.name, undefined);
    assert.equal(graph.get("aws:elasticache/parameterGroup:ParameterGroup", "data-cache-params").inputs.name, undefined);
    const db = graph.get("aws:rds/parameterGroup:ParameterGroup", "data-db-params");
    assert.equal(db.inputs.name, undefined);
    assert.equal(db.inputs.namePrefix, "agentyard-prod-ecs-db-pg17-");
    assert.match(String(graph.get("aws:rds/instance:Instance", "data-db").inputs.parameterGroupName), /^agentyard-prod-ecs-db-pg17-/, "the instance uses the group by its generated name");
  });

  it("keeps ECS service names and deletes a service before replacing it", () => {
    for (const service of graph.ofType("aws:ecs/service:Service")) assert.equal(service.options.deleteBeforeReplace, true, service.name);
  });
});
