import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as ecr from "@pulumi/aws/ecr";
import * as lb from "@pulumi/aws/lb";
import * as rds from "@pulumi/aws/rds";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { planComponent } from "./harness";

const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

describe("mock engine", () => {
  it("returns realistic outputs per type, so inputs built from them are not silently dropped", async () => {
    const { result } = await planComponent(() => ({
      db: new rds.Instance("db", { instanceClass: "db.t4g.micro", engine: "postgres", manageMasterUserPassword: true }),
      alb: new lb.LoadBalancer("alb", { name: "agentyard-dev" }),
      repo: new ecr.Repository("sandbox", { name: "agentyard/sandbox" }),
    }));
    assert.match(await value(result.db.endpoint), /^db-[0-9a-f]{7}\.c[0-9a-f]{11}\.us-east-1\.rds\.amazonaws\.com:5432$/);
    const secrets = await value(result.db.masterUserSecrets);
    assert.match(secrets[0].secretArn, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-/);
    assert.match(await value(result.alb.dnsName), /^agentyard-dev-\d+\.us-east-1\.elb\.amazonaws\.com$/);
    assert.equal(await value(result.repo.repositoryUrl), "123456789012.dkr.ecr.us-east-1.amazonaws.com/agentyard/sandbox");
  });

  it("answers the invokes the stacks make: zones, caller identity, region and partition", async () => {
    const { result } = await planComponent(() => ({
      zones: getAvailabilityZonesOutput({ state: "available" }).names,
      account: getCallerIdentityOutput().accountId,
      partition: getPartitionOutput().partition,
    }), { config: { "aws:region": "eu-west-1" } });
    assert.deepEqual((await value(result.zones)).slice(0, 3), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    assert.equal(await value(result.account), "123456789012");
    assert.equal(await value(result.partition), "aws");
  });

  it("records parents and dependencies of every resource", async () => {
    const { graph } = await planComponent(() => {
      const parent = new pulumi.ComponentResource("agentyard:test:Parent", "p");
      const secret = new secretsmanager.Secret("s", {}, { parent });
      new secretsmanager.SecretVersion("v", { secretId: secret.id, secretString: "x" }, { parent, dependsOn: [secret] });
    });
    const parent = graph.get("agentyard:test:Parent", "p");
    const secret = graph.get("aws:secretsmanager/secret:Secret", "s");
    const version = graph.get("aws:secretsmanager/secretVersion:SecretVersion", "v");
    assert.equal(secret.parent, parent.urn);
    assert.equal(version.urn, "urn:pulumi:test::agentyard::agentyard:test:Parent$aws:secretsmanager/secretVersion:SecretVersion::v");
    assert.deepEqual(version.dependencies, [secret.urn]);
  });

  it("replaces secret values with [secret] in the recorded inputs", async () => {
    const { graph } = await planComponent(() => {
      new secretsmanager.SecretVersion("v", { secretId: "abc", secretString: pulumi.secret("hunter2") });
    });
    const version = graph.get("aws:secretsmanager/secretVersion:SecretVersion", "v");
    assert.equal(version.inputs.secretString, "[secret]");
    assert.ok(!JSON.stringify(graph.resources).includes("hunter2"));
  });

  it("fails loudly on an invoke it has no answer for, instead of returning nothing", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "unmocked-invoke.ts")], { encoding: "utf8" });
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /no mock for invoke aws:index\/getArn:getArn/);
  });
});
