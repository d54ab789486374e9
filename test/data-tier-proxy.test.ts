import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DataTier, type DataTierArgs } from "../components/data-tier";
import { estimateCost } from "../cli/cost/estimate";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { PRESETS } from "../infra/config/presets";
import { type ResourceGraph, planComponent } from "./harness";
import { prodStackConfig } from "./prod-config";

const T = {
  proxy: "aws:rds/proxy:Proxy",
  target: "aws:rds/proxyTarget:ProxyTarget",
  pool: "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
  db: "aws:rds/instance:Instance",
  secret: "aws:secretsmanager/secret:Secret",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};
const awsArgs = (extra: Partial<DataTierArgs> = {}): DataTierArgs => ({
  platform: "eks",
  preset: "prod",
  vpcId: "vpc-0123",
  isolatedSubnetIds: ["subnet-i1", "subnet-i2", "subnet-i3"],
  privateSubnetIds: ["subnet-p1", "subnet-p2", "subnet-p3"],
  workloadSecurityGroupIds: ["sg-agents"],
  ...extra,
});
const resolve = <T>(o: { apply: (f: (v: T) => void) => unknown }) => new Promise<T>((r) => o.apply(r));

describe("RDS Proxy in front of PostgreSQL (prod preset)", () => {
  let graph: ResourceGraph;
  let tier: DataTier;
  before(async () => {
    const run = await planComponent(() => new DataTier("data", awsArgs()));
    graph = run.graph;
    tier = run.result;
  });

  it("requires TLS and IAM auth, logs in with the app user's secret, targets the instance", () => {
    const proxy = graph.get(T.proxy, "data-proxy");
    assert.equal(proxy.inputs.engineFamily, "POSTGRESQL");
    assert.equal(proxy.inputs.requireTls, true);
    const appSecret = graph.get(T.secret, "data-db-app-secret");
    assert.deepEqual(proxy.inputs.auths, [{ authScheme: "SECRETS", secretArn: appSecret.outputs?.arn, iamAuth: "REQUIRED", clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256", description: "agentyard_app through IAM tokens" }]);
    assert.deepEqual(proxy.inputs.vpcSubnetIds, ["subnet-p1", "subnet-p2", "subnet-p3"]);
    assert.equal(graph.get(T.target, "data-proxy-target").inputs.dbInstanceIdentifier, graph.get(T.db, "data-db").inputs.identifier);
    assert.equal((graph.get(T.pool, "data-proxy-pool").inputs.connectionPoolConfig as { maxConnectionsPercent: number }).maxConnectionsPercent, 90);
  });

  it("reads only that secret, through a role RDS assumes", () => {
    const role = graph.get(T.role, "data-proxy-role");
    assert.equal(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal.Service, "rds.amazonaws.com");
    const policy = JSON.parse(String(graph.get(T.rolePolicy, "data-proxy-secret-access").inputs.policy)) as { Statement: Array<{ Action: string[]; Resource: string[] }> };
    assert.deepEqual(policy.Statement[0], { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [graph.get(T.secret, "data-db-app-secret").outputs?.arn] });
    assert.deepEqual(policy.Statement.flatMap((s) => s.Action).sort(), ["kms:Decrypt", "secretsmanager:GetSecretValue"]);
  });

  it("has its own security group: admitted workloads in, PostgreSQL out, and the database admits it", () => {
    const proxySg = graph.get(T.sg, "data-proxy-sg");
    const dbSg = graph.get(T.sg, "data-db-sg");
    assert.deepEqual(graph.get(T.proxy, "data-proxy").inputs.vpcSecurityGroupIds, [proxySg.outputs?.id]);
    const egress = graph.ofType(T.egress).filter((r) => r.inputs.securityGroupId === proxySg.outputs?.id);
    assert.deepEqual(egress.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]), [[dbSg.outputs?.id, 5432, 5432]]);
    const intoDb = graph.get(T.ingress, "data-db-from-proxy");
    assert.equal(intoDb.inputs.referencedSecurityGroupId, proxySg.outputs?.id);
    const intoProxy = graph.get(T.ingress, "data-proxy-from-workload-1");
    assert.deepEqual([intoProxy.inputs.securityGroupId, intoProxy.inputs.referencedSecurityGroupId, intoProxy.inputs.fromPort], [proxySg.outputs?.id, "sg-agents", 5432]);
  });

  it("sends DATABASE_URL through the proxy with no password (IAM token), keeps the direct URL for migrations, both as secrets, and grants rds-db:connect", async () => {
    const env = tier.connection.env;
    const proxy = graph.get(T.proxy, "data-proxy");
    const urlSecret = graph.get(T.secret, "data-proxy-url-secret");
    const value = graph.get("aws:secretsmanager/secretVersion:SecretVersion", "data-proxy-url-secret-value");
    assert.equal(value.inputs.secretId, urlSecret.outputs?.id);
    const through = tier.connection.secrets.DATABASE_URL;
    assert.ok(through.source === "secretsmanager" && through.jsonKey === "url");
    assert.equal(await resolve<string>(through.secretArn), urlSecret.outputs?.arn);
    const direct = tier.connection.secrets.DATABASE_DIRECT_URL;
    assert.ok(direct.source === "secretsmanager" && direct.jsonKey === "url");
    assert.equal(await resolve<string>(direct.secretArn), graph.get(T.secret, "data-db-app-secret").outputs?.arn);
    assert.equal(await resolve<string>(env.DATABASE_AUTH), "iam");
    assert.equal(await resolve<string>(env.DATABASE_HOST), proxy.outputs?.endpoint);
    assert.ok(!Object.keys(env).some((k) => /PASSWORD|URL/.test(k)), "no credentials or URLs in plain env");
    assert.equal(tier.secretArns.length, 3, "services may read the proxy URL's secret too");
    const [statement] = tier.clientIamStatements;
    assert.deepEqual(statement.Action, ["rds-db:connect"]);
    assert.match(await resolve<string>(statement.Resource[0]), /^arn:aws:rds-db:us-east-1:\d{12}:dbuser:prx-[0-9a-f]{17}\/agentyard_app$/);
  });

  it("is off in dev: no proxy, DATABASE_URL a secret as before", async () => {
    const { graph: dev, result } = await planComponent(() => new DataTier("data", awsArgs({ preset: "dev" })));
    assert.equal(dev.ofType(T.proxy).length, 0);
    assert.ok("DATABASE_URL" in result.connection.secrets);
    assert.deepEqual(result.clientIamStatements, []);
  });

  it("is priced per vCPU-hour of its instance, 2 vCPUs at least", () => {
    const line = estimateCost(graph.resources, "us-east-1", PRESETS.prod.cost).lines.find((l) => l.type === T.proxy);
    assert.equal(line?.monthlyUsd, 21.9);
  });
});

describe("the connection budget (config check)", () => {
  const parse = (agents: object, database: object = {}) =>
    parseStackConfig(prodStackConfig("ecs", { "agentyard:agents": agents, "agentyard:database": { backupCopyRegion: "us-west-2", ...database } }), { project: "agentyard", stack: "t" });

  it("accepts prod's 20 replicas x a pool of 20 = 400 against max_connections 500", () => {
    assert.equal(parse({}).settings.agents.databasePoolSize, 20);
  });

  it("refuses a pool that the database cannot hold, naming the numbers", () => {
    // The figure of issue 21: 20 pods with pools of 50 (the seeds' largest) against max_connections 400.
    assert.throws(
      () => parse({ databasePoolSize: 50 }, { maxConnections: 400, proxy: false }),
      (e: Error) => e instanceof ConfigError && e.message.includes("agentyard:agents.databasePoolSize: got 50, expected at most 19: agents.maxReplicas (20) x databasePoolSize (50) = 1000 connections, more than database.maxConnections (400) less 10 reserved (superuser, RDS admin, bootstrap, exporter, migrations) = 390"),
    );
    assert.throws(
      () => parse({ databasePoolSize: 23 }),
      (e: Error) => e.message.includes("agents.maxReplicas (20) x databasePoolSize (23) = 460 connections, more than RDS Proxy's 90 % of database.maxConnections (500) = 450"),
    );
  });
});
