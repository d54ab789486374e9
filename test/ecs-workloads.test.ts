import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { requestCountLabel } from "../components/agent-service/ecs";
import { capacityStrategy } from "../infra/cluster/ecs";
import { fargateSize } from "../infra/cluster/fargate";
import type { PlannedResource } from "../cli/plan/engine";
import { type ResourceGraph, planStack } from "./harness";
import { mandatory, runPolicies } from "./policy-harness";

const AGENT_IMAGE = { "agentyard:agents": { image: "ghcr.io/acme/agent:1.0.0" } };

interface ContainerDefinition {
  name: string;
  user: string;
  readonlyRootFilesystem: boolean;
  linuxParameters: { initProcessEnabled: boolean; capabilities: { drop: string[] } };
  portMappings: Array<{ containerPort: number }>;
  environment: Array<{ name: string; value: string }>;
  secrets: Array<{ name: string; valueFrom: string }>;
  healthCheck: { command: string[] };
  logConfiguration: { logDriver: string; options: Record<string, string> };
  mountPoints: Array<{ containerPath: string }>;
}
const containers = (task: PlannedResource) => JSON.parse(String(task.inputs.containerDefinitions)) as ContainerDefinition[];

describe("the prod-ecs stack, with an agent image", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("prod-ecs", { override: AGENT_IMAGE });
  });

  it("has an ECS cluster with Container Insights, FARGATE and FARGATE_SPOT, and a Cloud Map namespace", () => {
    assert.deepEqual(graph.get("aws:ecs/cluster:Cluster", "ecs-cluster").inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
    const capacity = graph.get("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "ecs-capacity");
    assert.deepEqual(capacity.inputs.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
    assert.deepEqual(capacity.inputs.defaultCapacityProviderStrategies, [{ capacityProvider: "FARGATE", weight: 1 }], "prod: no spot");
    assert.ok(graph.get("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "ecs-namespace"));
  });

  it("defines tasks that run non-root on a read-only root with init, health checks and logs kept by retention", () => {
    // The sandbox's api runs with the ipc group as its primary group (ECS has no supplementary groups).
    for (const [name, user] of [["agents-task", "10001:10001"], ["sandbox-task", "10001:10003"]]) {
      const task = graph.get("aws:ecs/taskDefinition:TaskDefinition", name);
      assert.equal(task.inputs.networkMode, "awsvpc");
      assert.deepEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
      const [c] = containers(task);
      assert.equal(c.user, user);
      assert.equal(c.readonlyRootFilesystem, true);
      assert.equal(c.linuxParameters.initProcessEnabled, true);
      assert.deepEqual(c.linuxParameters.capabilities.drop, ["ALL"]);
      assert.deepEqual(c.portMappings.map((p) => p.containerPort), [8080]);
      // The sandbox checks itself with node; the agent image is someone else's (no curl assumed): the ALB checks /ready.
      if (name === "sandbox-task") assert.ok(c.healthCheck.command.join(" ").includes("/health"));
      else assert.equal(c.healthCheck, undefined);
      assert.equal(c.logConfiguration.logDriver, "awslogs");
      assert.equal(c.logConfiguration.options["awslogs-region"], "us-east-1");
    }
    for (const group of graph.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => /^(agents|sandbox)-logs$/.test(g.name))) assert.equal(group.inputs.retentionInDays, 365);
  });

  it("injects credentials through `secrets` by ARN, never as plain environment", () => {
    const [c] = containers(graph.get("aws:ecs/taskDefinition:TaskDefinition", "agents-task"));
    const secrets = Object.fromEntries(c.secrets.map((s) => [s.name, s.valueFrom]));
    // prod goes through RDS Proxy; the direct URL is kept for migrations.
    assert.match(secrets.DATABASE_URL, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:agentyard-prod-ecs-db-proxy-url-[0-9a-f]+:url::$/);
    assert.match(secrets.DATABASE_DIRECT_URL, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:agentyard-prod-ecs-db-app-[0-9a-f]+:url::$/);
    assert.match(secrets.REDIS_URL, /:url::$/);
    assert.match(secrets.SANDBOX_TOKEN, /secret:agentyard-prod-ecs-sandbox-token/);
    for (const e of c.environment) assert.doesNotMatch(e.name, /PASSWORD|TOKEN|SECRET|DATABASE_URL|REDIS_URL/);
    assert.ok(c.environment.some((e) => e.name === "DATABASE_HOST"));
    const [api, executor] = containers(graph.get("aws:ecs/taskDefinition:TaskDefinition", "sandbox-task"));
    assert.deepEqual(api.secrets.map((s) => s.name), ["SANDBOX_AUTH_TOKEN"]);
    assert.deepEqual(executor.secrets, [], "the executor is given no secret");
  });

  it("runs sandbox tasks as an api and an executor: no task role, separate users and PID namespaces, the ipc and scratch bind mounts", () => {
    const task = graph.get("aws:ecs/taskDefinition:TaskDefinition", "sandbox-task");
    assert.equal(task.inputs.taskRoleArn, undefined, "no role, so no credentials URI in any container");
    assert.equal(task.inputs.pidMode, undefined);
    assert.equal(graph.resources.some((r) => r.name === "sandbox-task-role"), false);
    assert.deepEqual(task.inputs.volumes, [{ name: "ipc" }, { name: "scratch" }]);
    const [api, executor] = containers(task) as Array<ContainerDefinition & { entryPoint?: string[]; essential: boolean; memory: number; dependsOn?: unknown }>;
    assert.deepEqual([api.name, executor.name], ["api", "executor"]);
    assert.deepEqual([api.user, executor.user], ["10001:10003", "10002:10003"]);
    assert.deepEqual([api.essential, executor.essential], [true, true]);
    assert.deepEqual(api.dependsOn, [{ containerName: "executor", condition: "START" }]);
    assert.deepEqual(api.mountPoints.map((m) => m.containerPath), ["/run/agentyard"]);
    assert.deepEqual(executor.mountPoints.map((m) => m.containerPath), ["/run/agentyard", "/sandbox"]);
    assert.equal(executor.readonlyRootFilesystem, true);
    assert.deepEqual(executor.linuxParameters.capabilities.drop, ["ALL"]);
    assert.ok(executor.entryPoint && executor.entryPoint.length > 0, "the contract's command, in place of the image's entrypoint");
    assert.equal(api.memory + executor.memory, 2048, "the prod replica's memory, split");
    assert.ok(executor.environment.some((e) => e.name === "SANDBOX_EXECUTOR_SOCKET" && e.value === "/run/agentyard/executor.sock"));
    for (const e of executor.environment) assert.doesNotMatch(e.name, /TOKEN$|SECRET|PASSWORD/);
    assert.equal(graph.get("aws:ecs/service:Service", "sandbox-service").inputs.enableExecuteCommand, false);
  });

  it("lets each execution role read exactly its task's secrets", () => {
    const policy = JSON.parse(String(graph.get("aws:iam/rolePolicy:RolePolicy", "agents-execution-secrets").inputs.policy)) as { Statement: Array<{ Action: string[]; Resource: string[] }> };
    const [read, decrypt] = policy.Statement;
    assert.deepEqual(read.Action, ["secretsmanager:GetSecretValue"]);
    assert.equal(read.Resource.length, 4, "the app secret, the RDS Proxy URL's secret, the cache secret and the sandbox token");
    assert.deepEqual(decrypt.Action, ["kms:Decrypt"]);
  });

  it("runs services in private subnets without public IPs, with rollback on failure and no capacity dip", () => {
    for (const name of ["agents-service", "sandbox-service"]) {
      const service = graph.get("aws:ecs/service:Service", name);
      const network = service.inputs.networkConfiguration as { assignPublicIp: boolean; subnets: string[] };
      assert.equal(network.assignPublicIp, false);
      assert.equal(network.subnets.length, 3);
      assert.deepEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
      assert.equal(service.inputs.deploymentMinimumHealthyPercent, 100);
      assert.equal(service.inputs.enableExecuteCommand, false);
    }
    const agents = graph.get("aws:ecs/service:Service", "agents-service");
    assert.equal((agents.inputs.loadBalancers as Array<{ targetGroupArn: string }>)[0].targetGroupArn, graph.get("aws:lb/targetGroup:TargetGroup", "public-agents").outputs?.arn);
  });

  it("scales agents from 3 to 20 on CPU, memory and requests per target", () => {
    const target = graph.get("aws:appautoscaling/target:Target", "agents-scaling");
    assert.deepEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [3, 20]);
    const policies = graph.ofType("aws:appautoscaling/policy:Policy").filter((p) => p.name.startsWith("agents-scale-"));
    const metrics = policies.map((p) => (p.inputs.targetTrackingScalingPolicyConfiguration as { predefinedMetricSpecification: { predefinedMetricType: string } }).predefinedMetricSpecification.predefinedMetricType);
    assert.deepEqual(metrics.sort(), ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]);
  });

  it("admits callers to the sandbox only from the agents', the metrics collector's and its own security groups, and lets nothing else in", () => {
    const sandboxSg = graph.get("aws:ec2/securityGroup:SecurityGroup", "sandbox-sg");
    const inbound = graph.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === sandboxSg.id);
    const sg = (name: string) => graph.get("aws:ec2/securityGroup:SecurityGroup", name).id;
    // Its own: another sandbox task forwarding a session call to the task that owns the session.
    assert.deepEqual(inbound.map((r) => r.inputs.referencedSecurityGroupId).sort(), [sg("agents-sg"), sg("monitoring-collector-sg"), sandboxSg.id].sort());
    for (const r of inbound) assert.deepEqual([r.inputs.fromPort, r.inputs.cidrIpv4], [8080, undefined]);
    const outbound = graph.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === sandboxSg.id);
    const endpoints = graph.get("aws:ec2/securityGroup:SecurityGroup", "network-endpoints").id;
    const s3 = graph.get("aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3");
    assert.deepEqual(
      // By name: egress-endpoints, egress-s3, to-replicas.
      [...outbound].sort((a, b) => a.name.localeCompare(b.name)).map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4, r.inputs.referencedSecurityGroupId, r.inputs.prefixListId]),
      [
        [443, undefined, endpoints, undefined],
        [443, undefined, undefined, s3.outputs?.prefixListId],
        [8080, undefined, sandboxSg.id, undefined],
      ],
      "HTTPS only to the VPC's endpoints (ECR, logs, Secrets Manager) and S3's prefix list, never the internet; 8080 only to other sandbox tasks",
    );
  });

  it("lets sandbox tasks reach each other on 8080 for session forwarding, and leaves the api to find its own address", () => {
    const sandboxSg = graph.get("aws:ec2/securityGroup:SecurityGroup", "sandbox-sg").id;
    for (const [type, name] of [["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "sandbox-from-replicas"], ["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "sandbox-to-replicas"]]) {
      const rule = graph.get(type, name).inputs;
      assert.deepEqual([rule.securityGroupId, rule.referencedSecurityGroupId, rule.ipProtocol, rule.fromPort, rule.toPort], [sandboxSg, sandboxSg, "tcp", 8080, 8080], name);
    }
    const [api, executor] = containers(graph.get("aws:ecs/taskDefinition:TaskDefinition", "sandbox-task"));
    const env = Object.fromEntries(api.environment.map((e) => [e.name, e.value]));
    // The api reads the task's IPv4 from ECS_CONTAINER_METADATA_URI_V4, which Fargate injects from platform 1.4.0.
    assert.equal(env.SANDBOX_ADVERTISE_ADDRESS, undefined);
    assert.equal(graph.get("aws:ecs/service:Service", "sandbox-service").inputs.platformVersion, undefined, "LATEST, not pinned below 1.4.0");
    assert.deepEqual([env.SANDBOX_MAX_SESSIONS, env.SANDBOX_SESSION_MEMORY_LIMIT, env.SANDBOX_WARM_POOL], ["4", "256m", "8"]);
    assert.ok(executor.environment.some((e) => e.name === "SANDBOX_MAX_SESSIONS" && e.value === "4"), "the executor refuses registrations past the cap itself");
  });

  it("lets the sandbox send HTTPS to anywhere only where the VPC has no endpoints (dev-ecs pulls through NAT), and opens nothing between tasks with sessions off", async () => {
    const dev = await planStack("dev-ecs", { override: { "agentyard:sandbox": { sessions: { max: 0 } } } });
    const sandboxSg = dev.get("aws:ec2/securityGroup:SecurityGroup", "sandbox-sg");
    const outbound = dev.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === sandboxSg.id);
    assert.deepEqual(outbound.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]), [[443, "0.0.0.0/0"]]);
    assert.equal(dev.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").some((r) => r.inputs.securityGroupId === sandboxSg.id && r.inputs.referencedSecurityGroupId === sandboxSg.id), false);
    assert.equal(dev.get("aws:ecs/taskDefinition:TaskDefinition", "sandbox-task").inputs.taskRoleArn, undefined);
  });

  it("passes the policy pack with no mandatory violation", async () => {
    assert.deepEqual(mandatory(await runPolicies(graph.resources)), []);
  });

  it("turns ECS Exec on only when config says so", async () => {
    const on = await planStack("prod-ecs", { override: { ...AGENT_IMAGE, "agentyard:cluster": { ecsExec: true } } });
    assert.equal(on.get("aws:ecs/service:Service", "agents-service").inputs.enableExecuteCommand, true);
    assert.match(String(on.get("aws:iam/rolePolicy:RolePolicy", "agents-task-policy").inputs.policy), /ssmmessages:CreateControlChannel/);
  });
});

describe("Fargate sizing and capacity", () => {
  it("rounds a preset's CPU and memory up to a size Fargate accepts", () => {
    assert.deepEqual(fargateSize(250, 512), { cpu: 256, memory: 512 });
    assert.deepEqual(fargateSize(500, 1024), { cpu: 512, memory: 1024 });
    assert.deepEqual(fargateSize(1000, 2048), { cpu: 1024, memory: 2048 });
    assert.deepEqual(fargateSize(250, 3000), { cpu: 512, memory: 3072 });
    assert.deepEqual(fargateSize(1000, 512), { cpu: 1024, memory: 2048 });
  });

  it("splits tasks between FARGATE and FARGATE_SPOT by the preset's share, keeping one on-demand task", () => {
    assert.deepEqual(capacityStrategy(100), [{ capacityProvider: "FARGATE_SPOT", weight: 1 }]);
    assert.deepEqual(capacityStrategy(50), [
      { capacityProvider: "FARGATE", weight: 50, base: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 50 },
    ]);
  });

  it("names the ALB request-count dimension as CloudWatch does", () => {
    assert.equal(
      requestCountLabel("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/prod/50dc6c495c0c9188", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/agents/73e2d6bc24d8a067"),
      "app/prod/50dc6c495c0c9188/targetgroup/agents/73e2d6bc24d8a067",
    );
  });
});
