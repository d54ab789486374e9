import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planStack } from "./harness";

describe("container logs on eks", () => {
  it("ships every pod's logs to CloudWatch Logs through the add-on, into groups made first with the stack's retention and a KMS key", async () => {
    const graph = (await planStack("prod")).within("agentyard:components:MonitoringStack");
    const groups = graph.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => g.name.startsWith("monitoring-container-logs-"));
    assert.deepEqual(groups.map((g) => g.name).sort(), ["application", "dataplane", "host", "performance"].map((k) => `monitoring-container-logs-${k}`));
    const key = graph.get("aws:kms/key:Key", "monitoring-container-logs-key");
    for (const group of groups) {
      assert.match(String(group.inputs.name), /^\/aws\/containerinsights\/agentyard-prod[\w-]*\/(application|dataplane|host|performance)$/);
      assert.equal(group.inputs.retentionInDays, 365);
      assert.ok(group.dependencies.includes(key.urn), `${group.name} is encrypted with the logs key`);
    }
    assert.match(String(key.inputs.policy), /"Service":"logs\.us-east-1\.amazonaws\.com"/);
    const addon = graph.get("aws:eks/addon:Addon", "monitoring-addon-amazon-cloudwatch-observability");
    assert.deepEqual(JSON.parse(String(addon.inputs.configurationValues)), { containerLogs: { enabled: true } });
    for (const group of groups) assert.ok(addon.dependencies.includes(group.urn), "the add-on waits for the groups, so it creates none itself");
    assert.match(String(graph.get("aws:iam/role:Role", "monitoring-cloudwatch-agent-role").inputs.assumeRolePolicy), /system:serviceaccount:amazon-cloudwatch:cloudwatch-agent/);
  });

  it("keeps dev's container logs 7 days", async () => {
    const graph = await planStack("dev");
    assert.equal(graph.get("aws:cloudwatch/logGroup:LogGroup", "monitoring-container-logs-application").inputs.retentionInDays, 7);
  });

  it("installs nothing of the kind on kubernetes, whose cluster brings its own logging", async () => {
    const graph = await planStack("local");
    assert.equal(graph.ofType("aws:eks/addon:Addon").length, 0);
  });
});

describe("data-tier metrics on eks", () => {
  it("runs postgres and redis exporters against RDS and ElastiCache over TLS, with the stack's credentials from Secrets Manager", async () => {
    const graph = await planStack("prod");
    const postgres = JSON.stringify(graph.get("kubernetes:apps/v1:Deployment", "monitoring-postgres-exporter").inputs);
    assert.match(postgres, /"name":"DATA_SOURCE_URI","value":"agentyard-prod-db\.[\w.-]+\.rds\.amazonaws\.com:5432\/agentyard\?sslmode=require"/);
    assert.match(postgres, /"name":"DATA_SOURCE_PASS","valueFrom":\{"secretKeyRef":\{"key":"DATABASE_PASSWORD","name":"data-tier-exporters"\}/);
    const redis = JSON.stringify(graph.get("kubernetes:apps/v1:Deployment", "monitoring-redis-exporter").inputs);
    assert.match(redis, /"name":"REDIS_ADDR","value":"rediss:\/\//);
    const secret = graph.get("kubernetes:core/v1:Secret", "monitoring-data-tier-exporters");
    assert.equal(secret.inputs.stringData, "[secret]");
    assert.ok(graph.get("kubernetes:apps/v1:Deployment", "monitoring-redis-exporter").dependencies.includes(secret.urn));
    for (const key of ["postgres", "redis"]) assert.match(JSON.stringify(graph.get("kubernetes:core/v1:Service", `monitoring-${key}-exporter-service`).inputs.metadata), /"agentyard.dev\/scrape":"true"/);
  });
});

describe("data-tier metrics on ecs", () => {
  it("runs the exporters as Fargate services the collector scrapes, admitted by the data tier, credentials injected by ECS", async () => {
    const graph = await planStack("prod-ecs");
    const [collector] = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", "monitoring-collector-task").inputs.containerDefinitions)) as Array<{ environment: Array<{ name: string; value: string }> }>;
    const config = String(collector.environment.find((e) => e.name === "AOT_CONFIG_CONTENT")?.value);
    assert.match(config, /job_name: postgres-exporter/);
    assert.match(config, /job_name: redis-exporter/);
    for (const key of ["postgres", "redis"]) {
      const [container] = JSON.parse(String(graph.get("aws:ecs/taskDefinition:TaskDefinition", `monitoring-${key}-exporter-task`).inputs.containerDefinitions)) as Array<{
        environment: Array<{ name: string; value: string }>;
        secrets: Array<{ name: string; valueFrom: string }>;
        readonlyRootFilesystem: boolean;
      }>;
      assert.equal(container.secrets.length, 1);
      assert.match(container.secrets[0].valueFrom, /^arn:aws:secretsmanager:.*:(password|authToken)::$/);
      assert.equal(container.readonlyRootFilesystem, true);
      const sg = graph.get("aws:ec2/securityGroup:SecurityGroup", `monitoring-${key}-exporter-sg`).id;
      const store = graph.get("aws:ec2/securityGroup:SecurityGroup", key === "postgres" ? "data-db-sg" : "data-cache-sg").id;
      assert.ok(graph.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").some((r) => r.inputs.securityGroupId === store && r.inputs.referencedSecurityGroupId === sg), `the ${key} store admits its exporter`);
    }
    assert.match(JSON.stringify(graph.get("aws:ecs/taskDefinition:TaskDefinition", "monitoring-redis-exporter-task").inputs.containerDefinitions), /rediss:\/\//);
  });
});
