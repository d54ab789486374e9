import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import type * as ecs from "@pulumi/aws/ecs";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as vpc from "@pulumi/aws/vpc";
import * as random from "@pulumi/random";
import type { EcsCluster } from "../../infra/cluster/ecs";
import { createFargateService } from "../../infra/cluster/fargate-service";
import { namedTags, physicalName, stackRegion, standardTags } from "../../infra/naming";
import type { NormalizedSandboxArgs, SandboxHostArgs } from "./args";
import { type EcsContainerDefinition, TASK_VOLUMES, splitSandboxContainers } from "./ecs-task";
import { SANDBOX_PORT, resourceSplit, runtimeConfig, scratchSizeMb } from "./runtime-config";
import { admitForwardingBetweenTasks } from "./session-forwarding";
import { buildSandboxImage } from "./interpreter";

const COMPONENT = "sandbox";

export interface EcsSandbox {
  readonly url: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;
  readonly token: pulumi.Output<string>;
  readonly tokenSecretArn: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly admit: (client: string, securityGroupId: pulumi.Input<string>) => void;
}

/** The sandbox as a Fargate service of two-container tasks: its own security group, in only from admitted callers. */
export function createEcsSandbox(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, args: SandboxHostArgs): EcsSandbox {
  const s = cfg.settings;
  const cluster = args.ecsCluster as EcsCluster;
  const child = { parent };
  const arm64 = cluster.settings.architecture === "arm64";
  const image = args.image ? pulumi.output(args.image) : buildSandboxImage(name, s.interpreter, arm64, child);

  const securityGroup = new ec2.SecurityGroup(
    `${name}-sg`,
    { vpcId: cluster.vpcId, description: "Sandbox tasks: in from admitted callers only; out to pull images and ship logs, and to allow-listed CIDRs", revokeRulesOnDelete: true, tags: namedTags(COMPONENT, "sandbox") },
    child,
  );
  // Since platform version 1.4.0 Fargate pulls the image, fetches the token secret and ships logs
  // through the task's own network interface, so its security group must let that HTTPS out
  // (https://aws.amazon.com/blogs/containers/aws-fargate-launches-platform-version-1-4/).
  // With the VPC's endpoints that is only to them: the interface endpoints' security group (ECR
  // api and dkr, Secrets Manager, CloudWatch Logs) and the S3 gateway's prefix list (ECR's image
  // layers live in S3). Code run in the task then has no way out at all. Without endpoints
  // (network.interfaceEndpoints off, dev) those calls leave through NAT: HTTPS to anywhere.
  // The task metadata and credentials endpoint (169.254.170.2), like Amazon DNS, is not filtered
  // by security groups at all (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html);
  // the task has no role, so it has no credentials to give (createFargateService, taskRole: false).
  if (args.awsEndpoints) {
    new vpc.SecurityGroupEgressRule(
      `${name}-egress-endpoints`,
      { securityGroupId: securityGroup.id, referencedSecurityGroupId: args.awsEndpoints.securityGroupId, ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "ECR, CloudWatch Logs, Secrets Manager interface endpoints", tags: standardTags(COMPONENT) },
      child,
    );
    new vpc.SecurityGroupEgressRule(
      `${name}-egress-s3`,
      { securityGroupId: securityGroup.id, prefixListId: args.awsEndpoints.s3PrefixListId, ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "ECR image layers through the S3 gateway endpoint", tags: standardTags(COMPONENT) },
      child,
    );
  } else {
    new vpc.SecurityGroupEgressRule(
      `${name}-egress-https`,
      { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "ECR, CloudWatch Logs, Secrets Manager through NAT (no VPC endpoints)", tags: standardTags(COMPONENT) },
      child,
    );
  }
  s.egressAllowCidrs.forEach((cidr, i) =>
    new vpc.SecurityGroupEgressRule(`${name}-egress-allow-${i + 1}`, { securityGroupId: securityGroup.id, cidrIpv4: cidr, ipProtocol: "-1", description: "allow-listed by sandbox.egressAllowCidrs", tags: standardTags(COMPONENT) }, child),
  );

  // Session forwarding: a task calls the task that owns a session at the address the api reads
  // from the task metadata endpoint (session-forwarding.ts). That endpoint, like the credentials
  // one, is not filtered by security groups, and every Fargate container gets its URI from
  // platform version 1.4.0; the service names no platformVersion, so it runs LATEST ("If one isn't
  // specified, the LATEST platform version is used", CreateService,
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html): the task
  // definition needs nothing more.
  if (s.sessions.max > 0) admitForwardingBetweenTasks(name, securityGroup.id, COMPONENT, child);

  const token = new random.RandomPassword(`${name}-auth-token`, { length: 48, special: false }, child);
  const tokenSecret = new secretsmanager.Secret(`${name}-auth-token-secret`, { name: physicalName("secret", ["sandbox-token"]), description: "Bearer token of the sandbox API", recoveryWindowInDays: 0, tags: standardTags(COMPONENT) }, child);
  const tokenValue = new secretsmanager.SecretVersion(`${name}-auth-token-value`, { secretId: tokenSecret.id, secretString: token.result }, child);

  // Published through the ALB (seed 000's external MCP clients): in from the ALB only, on the sandbox port.
  const lb = args.loadBalancer;
  const attached = lb && args.route ? lb.attach(name, { port: SANDBOX_PORT, healthCheckPath: "/ready", ...args.route }) : undefined;
  if (attached && lb?.securityGroupId) {
    new vpc.SecurityGroupIngressRule(`${name}-from-load-balancer`, { securityGroupId: securityGroup.id, referencedSecurityGroupId: lb.securityGroupId, ipProtocol: "tcp", fromPort: SANDBOX_PORT, toPort: SANDBOX_PORT, description: "ALB", tags: standardTags(COMPONENT) }, child);
    new vpc.SecurityGroupEgressRule(`${name}-lb-egress`, { securityGroupId: lb.securityGroupId, referencedSecurityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: SANDBOX_PORT, toPort: SANDBOX_PORT, description: `to ${name}`, tags: standardTags(COMPONENT) }, child);
  }
  const contract = cfg.contract;
  const share = resourceSplit(s);
  // The service makes one container; the task holds two (ecs-task.ts) on two bind mounts.
  const twoContainers = (task: ecs.TaskDefinitionArgs) => {
    task.containerDefinitions = pulumi.output(task.containerDefinitions).apply((json) => {
      const [main] = JSON.parse(json) as EcsContainerDefinition[];
      return JSON.stringify(splitSandboxContainers(main, contract, share));
    });
    task.volumes = TASK_VOLUMES;
  };
  const made = createFargateService(parent, name, {
    cluster,
    appName: "sandbox",
    component: COMPONENT,
    image,
    port: SANDBOX_PORT,
    user: `${contract.api.uid}:${contract.ipcGid}`,
    cpuMillicores: s.cpu,
    memoryMb: s.memoryMb,
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    env: runtimeConfig(s, contract),
    // By the value's ARN: tasks (ours and the agents') start only once the token is written.
    secrets: { SANDBOX_AUTH_TOKEN: tokenValue.arn },
    secretArns: [tokenSecret.arn],
    kmsKeyArns: [],
    // No role: no credentials endpoint in any container of the task (the executor's included).
    taskRole: false,
    securityGroupId: securityGroup.id,
    healthCheckCommand: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${SANDBOX_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
    arm64,
    scratchPaths: [],
    // Task storage for the executions' and the sessions' scratch: Fargate's minimum is 21 GiB.
    ephemeralStorageGb: Math.max(21, Math.ceil(scratchSizeMb(s) / 1024)),
    logRetentionDays: cfg.logRetentionDays,
    region: stackRegion(),
    // ECS Exec needs a task role; the sandbox has none.
    ecsExec: false,
    transform: { taskDefinition: twoContainers },
    targetGroupArn: attached?.targetGroupArn,
    listenerRule: attached?.listenerRule,
    // twoContainers names the serving container `api` (sandbox/contract.json: it listens on the port).
    loadBalancedContainer: "api",
  });
  const admitted = new Set<string>();
  return {
    url: pulumi.interpolate`http://${made.dnsName}:${SANDBOX_PORT}`,
    dnsName: made.dnsName,
    token: token.result,
    tokenSecretArn: tokenValue.arn,
    image,
    securityGroupId: securityGroup.id,
    admit: (client, clientSg) => {
      if (admitted.has(client)) throw new Error(`SandboxHost "${name}": client "${client}" is already admitted`);
      admitted.add(client);
      new vpc.SecurityGroupIngressRule(
        `${name}-from-${client}`,
        { securityGroupId: securityGroup.id, referencedSecurityGroupId: clientSg, ipProtocol: "tcp", fromPort: SANDBOX_PORT, toPort: SANDBOX_PORT, description: `sandbox API from ${client}`, tags: standardTags(COMPONENT) },
        child,
      );
    },
  };
}
