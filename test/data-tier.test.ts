import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DataTier, type DataTierArgs } from "../components/data-tier";
import { utcDay } from "../infra/cluster/eks-versions";
import { ConfigError } from "../infra/config/problems";
import { BOOTSTRAP_NODE } from "../infra/database/node-runtime";
import { renderBootstrapSql } from "../infra/database/sql";
import { type ResourceGraph, planComponent, planStack } from "./harness";

const T = {
  db: "aws:rds/instance:Instance",
  dbParams: "aws:rds/parameterGroup:ParameterGroup",
  dbSubnets: "aws:rds/subnetGroup:SubnetGroup",
  cache: "aws:elasticache/replicationGroup:ReplicationGroup",
  cacheParams: "aws:elasticache/parameterGroup:ParameterGroup",
  cacheSubnets: "aws:elasticache/subnetGroup:SubnetGroup",
  key: "aws:kms/key:Key",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  fn: "aws:lambda/function:Function",
  invocation: "aws:lambda/invocation:Invocation",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  job: "kubernetes:batch/v1:Job",
  k8sSecret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
};

const awsArgs = (extra: Partial<DataTierArgs> = {}): DataTierArgs => ({
  platform: "ecs",
  preset: "prod",
  vpcId: "vpc-0123",
  isolatedSubnetIds: ["subnet-i1", "subnet-i2", "subnet-i3"],
  privateSubnetIds: ["subnet-p1", "subnet-p2", "subnet-p3"],
  workloadSecurityGroupIds: ["sg-agents"],
  ...extra,
});

interface Container {
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  resources: { limits: { memory?: string }; requests: { cpu?: string } };
}
interface StatefulSetSpec {
  template: { spec: { securityContext: { runAsNonRoot: boolean }; automountServiceAccountToken: boolean; containers: Container[] } };
  volumeClaimTemplates: Array<{ metadata: { name: string } }>;
}

type Param = { name: string; value: string; applyMethod?: string };
const param = (params: unknown, name: string) => (params as Param[]).find((p) => p.name === name)?.value;

describe("DataTier on the prod stack (eks)", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("prod");
  });

  it("puts RDS in isolated subnets, encrypted with the tier's key, Multi-AZ, private, with deletion protection and a final snapshot", () => {
    const db = graph.get(T.db, "data-db");
    const subnets = graph.get(T.dbSubnets, "data-db-subnets");
    const isolated = graph.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes("isolated"));
    assert.equal(isolated.length, 3);
    assert.equal((subnets.inputs.subnetIds as string[]).length, 3);
    assert.equal(db.inputs.storageEncrypted, true);
    assert.match(String(db.inputs.kmsKeyId), /^arn:aws:kms:/);
    assert.equal(db.inputs.multiAz, true);
    assert.equal(db.inputs.publiclyAccessible, false);
    assert.equal(db.inputs.deletionProtection, true);
    assert.equal(db.inputs.skipFinalSnapshot, false);
    assert.equal(db.inputs.finalSnapshotIdentifier, "agentyard-prod-db-final");
    assert.equal(db.inputs.engine, "postgres");
    assert.equal(db.inputs.engineVersion, "17");
  });

  it("keeps the master password out of config and state: RDS manages it in Secrets Manager under the tier's key", () => {
    const db = graph.get(T.db, "data-db");
    assert.equal(db.inputs.manageMasterUserPassword, true);
    assert.equal(db.inputs.password, undefined);
    assert.equal(db.inputs.masterUserSecretKmsKeyId, db.inputs.kmsKeyId);
    assert.equal(db.inputs.iamDatabaseAuthenticationEnabled, true);
  });

  it("keeps 14 days of backups, Performance Insights and 30 s enhanced monitoring in prod", () => {
    const db = graph.get(T.db, "data-db");
    assert.ok((db.inputs.backupRetentionPeriod as number) >= 14);
    assert.equal(db.inputs.performanceInsightsEnabled, true);
    assert.equal(db.inputs.monitoringInterval, 30);
    assert.match(String(db.inputs.monitoringRoleArn), /role\/agentyard-prod-db-monitoring$/);
  });

  it("forces TLS, preloads pg_stat_statements, logs slow statements and limits connections in its parameter group", () => {
    const params = graph.get(T.dbParams, "data-db-params");
    assert.equal(params.inputs.family, "postgres17");
    assert.equal(param(params.inputs.parameters, "rds.force_ssl"), "1");
    assert.equal(param(params.inputs.parameters, "shared_preload_libraries"), "pg_stat_statements");
    assert.equal(param(params.inputs.parameters, "log_min_duration_statement"), "500");
    assert.equal(param(params.inputs.parameters, "max_connections"), "500");
    assert.equal(graph.get(T.db, "data-db").inputs.parameterGroupName, params.outputs?.name, "the name AWS generated from the prefix");
  });

  it("exports RDS logs to log groups it creates with the stack's retention", () => {
    for (const type of ["postgresql", "upgrade"]) {
      const group = graph.get(T.logGroup, `data-db-log-${type}`);
      assert.equal(group.inputs.name, `/aws/rds/instance/agentyard-prod-db/${type}`);
      assert.equal(group.inputs.retentionInDays, 365);
    }
  });

  it("runs a Redis replication group in isolated subnets with TLS required, encryption at rest, AUTH, failover and Multi-AZ", () => {
    const cache = graph.get(T.cache, "data-cache");
    assert.equal(cache.inputs.transitEncryptionEnabled, true);
    assert.equal(cache.inputs.transitEncryptionMode, "required");
    assert.equal(cache.inputs.atRestEncryptionEnabled, true);
    assert.equal(cache.inputs.authToken, "[secret]");
    assert.equal(cache.inputs.automaticFailoverEnabled, true);
    assert.equal(cache.inputs.multiAzEnabled, true);
    assert.equal(cache.inputs.numCacheClusters, 3);
    assert.equal(cache.inputs.snapshotRetentionLimit, 7);
    assert.equal((graph.get(T.cacheSubnets, "data-cache-subnets").inputs.subnetIds as string[]).length, 3);
    const params = graph.get(T.cacheParams, "data-cache-params");
    assert.equal(params.inputs.family, "redis7");
    assert.equal(param(params.inputs.parameters, "maxmemory-policy"), "allkeys-lru");
  });

  it("keeps the AUTH token and DATABASE_URL only as secret values in Secrets Manager, encrypted with the tier's key", () => {
    const secrets = graph.ofType(T.secret);
    // The app user's credentials, the cache's, and the DATABASE_URL through RDS Proxy (test/data-tier-proxy.test.ts).
    assert.deepEqual(secrets.map((s) => s.inputs.name).sort(), ["agentyard-prod-cache", "agentyard-prod-db-app", "agentyard-prod-db-proxy-url"]);
    for (const s of secrets) assert.match(String(s.inputs.kmsKeyId), /^arn:aws:kms:/);
    for (const v of graph.ofType(T.secretVersion)) assert.equal(v.inputs.secretString, "[secret]");
  });

  it("bootstraps the schema through an in-VPC function invoked by the stack, re-run by the SQL's checksum", () => {
    const fn = graph.get(T.fn, "data-db-bootstrap");
    const invocation = graph.get(T.invocation, "data-db-bootstrap-run");
    const { sql, checksum } = renderBootstrapSql(1536);
    assert.deepEqual(JSON.parse(String(invocation.inputs.input)), { sql, checksum });
    assert.deepEqual(invocation.inputs.triggers, { checksum });
    assert.deepEqual((fn.inputs.vpcConfig as { subnetIds: string[] }).subnetIds.length, 3);
    assert.match(JSON.stringify(fn.inputs.code), /sha256:[0-9a-f]{64}/);
    const db = graph.get(T.db, "data-db");
    assert.ok(invocation.dependencies.includes(db.urn), "the invocation waits for the database");
  });

  it("runs the bootstrap function on a Node.js runtime Lambda still supports today (it fails on the runtime's deprecation day: bump it)", () => {
    const fn = graph.get(T.fn, "data-db-bootstrap");
    assert.equal(fn.inputs.runtime, "nodejs24.x");
    assert.equal(fn.inputs.handler, "index.handler");
    assert.ok(utcDay() < BOOTSTRAP_NODE.lambdaDeprecation, `${BOOTSTRAP_NODE.lambdaRuntime} is deprecated since ${BOOTSTRAP_NODE.lambdaDeprecation}; Lambda blocks its updates from ${BOOTSTRAP_NODE.lambdaBlockUpdate}`);
  });

  it("grants the bootstrap function the two secrets and the key, nothing more", () => {
    const policy = JSON.parse(String(graph.get(T.rolePolicy, "data-db-bootstrap-secrets").inputs.policy)) as { Statement: Array<{ Action: string[]; Resource: string[] }> };
    assert.deepEqual(policy.Statement.map((s) => s.Action).flat(), ["secretsmanager:GetSecretValue", "kms:Decrypt"]);
    for (const s of policy.Statement) for (const r of s.Resource) assert.doesNotMatch(r, /\*/);
  });

  it("admits 5432 and 6379 only from security groups, never from an address range", () => {
    const rules = graph.ofType(T.ingressRule).filter((r) => r.name.startsWith("data-"));
    assert.ok(rules.length > 0);
    for (const rule of rules) {
      assert.equal(rule.inputs.cidrIpv4, undefined);
      assert.ok(rule.inputs.referencedSecurityGroupId);
      assert.ok([5432, 6379].includes(rule.inputs.fromPort as number));
    }
  });
});

describe("DataTier on the dev stack", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("dev");
  });

  it("is as cheap as it can be: one small single-AZ instance with a day of backups and no final snapshot, one cache node", () => {
    const db = graph.get(T.db, "data-db");
    assert.equal(db.inputs.instanceClass, "db.t4g.micro");
    assert.equal(db.inputs.multiAz, false);
    assert.equal(db.inputs.backupRetentionPeriod, 1);
    assert.equal(db.inputs.deletionProtection, false);
    assert.equal(db.inputs.skipFinalSnapshot, true);
    assert.equal(db.inputs.performanceInsightsEnabled, false);
    assert.equal(db.inputs.monitoringInterval, 0);
    assert.equal(graph.ofType("aws:iam/role:Role").filter((r) => r.name === "data-db-monitoring-role").length, 0);
    const cache = graph.get(T.cache, "data-cache");
    assert.equal(cache.inputs.numCacheClusters, 1);
    assert.equal(cache.inputs.automaticFailoverEnabled, false);
    assert.equal(cache.inputs.multiAzEnabled, false);
    assert.equal(cache.inputs.transitEncryptionEnabled, true);
  });
});

describe("DataTier as a component", () => {
  it("admits each workload security group on both ports, including ones added later with allowFrom", async () => {
    const { graph } = await planComponent(() => {
      const data = new DataTier("data", awsArgs());
      data.allowFrom("sandbox", "sg-sandbox");
      return data;
    });
    const rules = graph.ofType(T.ingressRule).map((r) => `${r.inputs.referencedSecurityGroupId}:${r.inputs.fromPort}`);
    for (const sg of ["sg-agents", "sg-sandbox"]) for (const port of [5432, 6379]) assert.ok(rules.includes(`${sg}:${port}`), `${sg} on ${port}`);
  });

  it("gives services connection settings with credentials as secret references, never values", async () => {
    // Connecting directly (no RDS Proxy: test/data-tier-proxy.test.ts covers it).
    const { result } = await planComponent(() => new DataTier("data", awsArgs({ database: { proxy: false } })));
    const secrets = result.connection.secrets;
    assert.deepEqual(Object.keys(secrets).sort(), ["DATABASE_PASSWORD", "DATABASE_URL", "REDIS_PASSWORD", "REDIS_URL"]);
    assert.equal(secrets.DATABASE_URL.source, "secretsmanager");
    assert.equal(secrets.DATABASE_URL.source === "secretsmanager" && secrets.DATABASE_URL.jsonKey, "url");
    assert.ok(!Object.keys(result.connection.env).some((k) => /PASSWORD|URL/.test(k)));
  });

  it("creates read replicas when asked, encrypted and private", async () => {
    const { graph } = await planComponent(() => new DataTier("data", awsArgs({ database: { readReplicas: 2 } })));
    const replicas = graph.ofType(T.db).filter((r) => r.name.startsWith("data-db-replica-"));
    assert.equal(replicas.length, 2);
    for (const r of replicas) {
      assert.equal(r.inputs.replicateSourceDb, "agentyard-test-db");
      assert.equal(r.inputs.storageEncrypted, true);
      assert.equal(r.inputs.publiclyAccessible, false);
    }
  });

  it("runs Valkey with its own parameter family when asked", async () => {
    const { graph } = await planComponent(() => new DataTier("data", awsArgs({ cache: { engine: "valkey", engineVersion: "8.0" } })));
    assert.equal(graph.get(T.cache, "data-cache").inputs.engine, "valkey");
    assert.equal(graph.get(T.cacheParams, "data-cache-params").inputs.family, "valkey8");
  });

  it("refuses bad settings before registering anything, naming the key, the value and what is allowed", () => {
    assert.throws(
      () => new DataTier("data", awsArgs({ database: { engineVersion: "15" }, cache: { multiAz: true, replicas: 0 }, embeddingDimensions: 4096, appUser: "postgres" })),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.message;
        assert.match(text, /database\.engineVersion: got "15", expected a PostgreSQL version of 16 or later/);
        assert.match(text, /cache\.multiAz: got true, expected false while cache\.replicas is 0/);
        assert.match(text, /embeddingDimensions: got 4096, expected an integer from 1 to 2000/);
        assert.match(text, /appUser: got "postgres"/);
        return true;
      },
    );
  });

  it("refuses AWS platforms without isolated subnets in two AZs", () => {
    assert.throws(() => new DataTier("data", awsArgs({ isolatedSubnetIds: ["subnet-i1"] })), /isolatedSubnetIds in at least two AZs/);
  });

  it("lets a transform edit any child, as SST does", async () => {
    const { graph } = await planComponent(() => new DataTier("data", awsArgs({ transform: { database: { storageThroughput: 500 }, cache: (a) => void (a.nodeType = "cache.r7g.large") } })));
    assert.equal(graph.get(T.db, "data-db").inputs.storageThroughput, 500);
    assert.equal(graph.get(T.cache, "data-cache").inputs.nodeType, "cache.r7g.large");
  });
});

describe("DataTier on kubernetes (the local stack)", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("local");
  });

  it("runs PostgreSQL with pgvector and Redis as hardened StatefulSets on volumes, with probes and limits", () => {
    for (const name of ["data-postgres", "data-redis"]) {
      const sts = graph.get(T.statefulSet, name);
      const spec = sts.inputs.spec as StatefulSetSpec;
      const pod = spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.automountServiceAccountToken, false);
      const [container] = pod.containers;
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.ok(container.readinessProbe && container.livenessProbe);
      assert.ok(container.resources.limits.memory && container.resources.requests.cpu);
      assert.equal(spec.volumeClaimTemplates[0].metadata.name, "data");
    }
    assert.match(JSON.stringify(graph.get(T.statefulSet, "data-postgres").inputs), /pgvector\/pgvector:0\.8\.1-pg17/);
  });

  it("keeps generated passwords in Secrets and reads them from there, never from the pod spec", () => {
    for (const s of graph.ofType(T.k8sSecret)) assert.equal(JSON.stringify(s.inputs.stringData).includes("[secret]"), true);
    const redis = JSON.stringify(graph.get(T.statefulSet, "data-redis").inputs);
    assert.match(redis, /secretKeyRef/);
    assert.doesNotMatch(redis, /mock-password/);
  });

  it("runs the bootstrap Job on the Node.js major the Lambda runs (node:24-alpine)", () => {
    const job = graph.get(T.job, "data-db-bootstrap");
    const images = JSON.stringify(job.inputs.spec).match(/"image":"[^"]+"/g);
    assert.deepEqual(images, ['"image":"node:24-alpine"']);
  });

  it("bootstraps with a Job named by the SQL's checksum, which runs the same code as the Lambda", () => {
    const { sql, checksum } = renderBootstrapSql(1536);
    const job = graph.get(T.job, "data-db-bootstrap");
    assert.equal((job.inputs.metadata as { name: string }).name, `db-bootstrap-${checksum.slice(0, 10)}`);
    const script = graph.get(T.configMap, "data-db-bootstrap-script");
    assert.equal((script.inputs.data as Record<string, string>)["bootstrap.sql"], sql);
    assert.ok(job.dependencies.includes(graph.get(T.statefulSet, "data-postgres").urn));
  });

  it("creates no AWS resource at all", () => {
    assert.equal(graph.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
  });
});
