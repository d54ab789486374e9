import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import type { EcsCluster } from "../../infra/cluster/ecs";
import { createFargateService } from "../../infra/cluster/fargate-service";
import { currentScope, namedTags, stackRegion, standardTags } from "../../infra/naming";
import { ecsValueFrom } from "../data-tier";
import type { AgentServiceArgs, NormalizedAgentArgs } from "./args";
import { MAX_REQUEST_BODY_BYTES } from "../load-balancer/body-limit";
import { telemetryEnv } from "./telemetry";

const COMPONENT = "agents";

/** The ALB's CloudWatch dimension of one target group: `app/<alb>/<id>/targetgroup/<tg>/<id>`. */
export function requestCountLabel(albArn: string, targetGroupArn: string): string {
  return `${albArn.split(":loadbalancer/")[1]}/${targetGroupArn.split(":").pop() ?? ""}`;
}

export interface EcsAgent {
  readonly url: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
}

/** The agent service as a Fargate service behind the ALB, with its own security group and roles. */
export function createEcsAgent(parent: pulumi.Resource, name: string, cfg: NormalizedAgentArgs, args: AgentServiceArgs, image: pulumi.Output<string>): EcsAgent {
  const cluster = args.ecsCluster as EcsCluster;
  const child = { parent };
  const s = cfg.settings;
  const securityGroup = new ec2.SecurityGroup(
    `${name}-sg`,
    { vpcId: cluster.vpcId, description: `Agent service ${name}: in from the load balancer; out to HTTPS, the data tier and the sandbox`, revokeRulesOnDelete: true, tags: namedTags(COMPONENT, name) },
    child,
  );
  // Agents call model APIs on the internet; nothing else leaves but to the stores and the sandbox.
  new vpc.SecurityGroupEgressRule(`${name}-egress-https`, { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "model APIs, AWS APIs", tags: standardTags(COMPONENT) }, child);

  // The body limit the stack promises: only the service can enforce it on AWS (see load-balancer/body-limit.ts).
  const env: Record<string, pulumi.Input<string>> = {
    PORT: String(cfg.port),
    MAX_REQUEST_BODY_BYTES: String(MAX_REQUEST_BODY_BYTES),
    ...args.dataTier?.connection.env,
    ...telemetryEnv(name, args.otlpEndpoint, currentScope().stack),
    ...args.env,
  };
  const secrets: Record<string, pulumi.Input<string>> = {};
  const secretArns: pulumi.Input<string>[] = [];
  for (const [key, ref] of Object.entries({ ...args.dataTier?.connection.secrets, ...args.secrets })) {
    if (ref.source !== "secretsmanager") throw new Error(`AgentService "${name}": secret ${key} is a Kubernetes Secret; on ecs give a Secrets Manager reference`);
    secrets[key] = ecsValueFrom(ref);
    secretArns.push(ref.secretArn);
  }
  const data = args.dataTier;
  if (data) {
    data.allowFrom(name, securityGroup.id);
    const egressTo = (id: string, target: pulumi.Input<string> | undefined, port: number) =>
      target && new vpc.SecurityGroupEgressRule(`${name}-egress-${id}`, { securityGroupId: securityGroup.id, referencedSecurityGroupId: target, ipProtocol: "tcp", fromPort: port, toPort: port, description: id, tags: standardTags(COMPONENT) }, child);
    egressTo("postgres", data.databaseSecurityGroupId, data.databasePort);
    egressTo("redis", data.cacheSecurityGroupId, data.cachePort);
  }
  const sandbox = args.sandbox;
  if (sandbox?.securityGroupId && sandbox.authTokenSecretArn) {
    sandbox.allowClient(name, securityGroup.id);
    new vpc.SecurityGroupEgressRule(`${name}-egress-sandbox`, { securityGroupId: securityGroup.id, referencedSecurityGroupId: sandbox.securityGroupId, ipProtocol: "tcp", fromPort: 8080, toPort: 8080, description: "sandbox API", tags: standardTags(COMPONENT) }, child);
    env.SANDBOX_URL = sandbox.url;
    env.SANDBOX_MCP_URL = pulumi.interpolate`${sandbox.url}/mcp`;
    secrets.SANDBOX_TOKEN = sandbox.authTokenSecretArn;
    secretArns.push(sandbox.authTokenSecretArn);
  }

  let targetGroupArn: pulumi.Output<string> | undefined;
  let listenerRule: pulumi.Resource | undefined;
  let requestLabel: pulumi.Output<string> | undefined;
  const lb = args.loadBalancer;
  if (lb && args.route) {
    const attached = lb.attach(name, { port: cfg.port, healthCheckPath: "/ready", ...args.route });
    targetGroupArn = attached.targetGroupArn;
    listenerRule = attached.listenerRule;
    if (lb.securityGroupId) {
      new vpc.SecurityGroupIngressRule(`${name}-from-load-balancer`, { securityGroupId: securityGroup.id, referencedSecurityGroupId: lb.securityGroupId, ipProtocol: "tcp", fromPort: cfg.port, toPort: cfg.port, description: "ALB", tags: standardTags(COMPONENT) }, child);
      new vpc.SecurityGroupEgressRule(`${name}-lb-egress`, { securityGroupId: lb.securityGroupId, referencedSecurityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: cfg.port, toPort: cfg.port, description: `to ${name}`, tags: standardTags(COMPONENT) }, child);
    }
    if (lb.arn && targetGroupArn) requestLabel = pulumi.all([lb.arn, targetGroupArn]).apply(([a, t]) => requestCountLabel(a, t));
  }

  const made = createFargateService(parent, name, {
    cluster,
    appName: name,
    component: COMPONENT,
    image,
    port: cfg.port,
    user: "10001:10001",
    cpuMillicores: s.cpu,
    memoryMb: s.memoryMb,
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    env,
    secrets,
    secretArns,
    kmsKeyArns: data?.kmsKeyArn ? [data.kmsKeyArn] : [],
    taskRoleStatements: args.iamStatements,
    securityGroupId: securityGroup.id,
    healthCheckCommand: args.healthCheckCommand ?? ["CMD-SHELL", `curl -fsS http://127.0.0.1:${cfg.port}/health || exit 1`],
    arm64: args.arm64 ?? cluster.settings.architecture === "arm64",
    scratchPaths: ["/tmp"],
    targetGroupArn,
    listenerRule,
    requestCountResourceLabel: requestLabel,
    logRetentionDays: args.logRetentionDays ?? 30,
    region: stackRegion(),
    ecsExec: cluster.settings.ecsExec,
  });
  return { url: pulumi.interpolate`http://${made.dnsName}:${cfg.port}`, dnsName: made.dnsName, roleArn: made.taskRole.arn, securityGroupId: securityGroup.id };
}
