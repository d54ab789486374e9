import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as vpc from "@pulumi/aws/vpc";
import * as random from "@pulumi/random";
import type { EcsCluster } from "../../infra/cluster/ecs";
import { createFargateService } from "../../infra/cluster/fargate-service";
import { ContainerImage } from "../../infra/images/image";
import { namedTags, physicalName, stackRegion, standardTags } from "../../infra/naming";
import type { NormalizedSandboxArgs, SandboxHostArgs } from "./args";
import { SANDBOX_CONTEXT, SANDBOX_PORT, runtimeConfig } from "./runtime-config";

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

/** The sandbox as a Fargate service: its own security group, in only from admitted callers. */
export function createEcsSandbox(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, args: SandboxHostArgs): EcsSandbox {
  const s = cfg.settings;
  const cluster = args.ecsCluster as EcsCluster;
  const child = { parent };
  const arm64 = cluster.settings.architecture === "arm64";
  const image = args.image ? pulumi.output(args.image) : new ContainerImage(`${name}-image`, { context: SANDBOX_CONTEXT, component: COMPONENT, platform: arm64 ? "linux/arm64" : "linux/amd64" }, child).imageRef;

  const securityGroup = new ec2.SecurityGroup(
    `${name}-sg`,
    { vpcId: cluster.vpcId, description: "Sandbox tasks: in from admitted callers only; out to pull images and ship logs, and to allow-listed CIDRs", revokeRulesOnDelete: true, tags: namedTags(COMPONENT, "sandbox") },
    child,
  );
  // Fargate pulls the image and writes logs through the task's own interface: HTTPS must leave.
  new vpc.SecurityGroupEgressRule(
    `${name}-egress-https`,
    { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "ECR, CloudWatch Logs, Secrets Manager", tags: standardTags(COMPONENT) },
    child,
  );
  s.egressAllowCidrs.forEach((cidr, i) =>
    new vpc.SecurityGroupEgressRule(`${name}-egress-allow-${i + 1}`, { securityGroupId: securityGroup.id, cidrIpv4: cidr, ipProtocol: "-1", description: "allow-listed by sandbox.egressAllowCidrs", tags: standardTags(COMPONENT) }, child),
  );

  const token = new random.RandomPassword(`${name}-auth-token`, { length: 48, special: false }, child);
  const tokenSecret = new secretsmanager.Secret(`${name}-auth-token-secret`, { name: physicalName("secret", ["sandbox-token"]), description: "Bearer token of the sandbox API", recoveryWindowInDays: 0, tags: standardTags(COMPONENT) }, child);
  const tokenValue = new secretsmanager.SecretVersion(`${name}-auth-token-value`, { secretId: tokenSecret.id, secretString: token.result }, child);

  const made = createFargateService(parent, name, {
    cluster,
    appName: "sandbox",
    component: COMPONENT,
    image,
    port: SANDBOX_PORT,
    user: "10001:10001",
    cpuMillicores: s.cpu,
    memoryMb: s.memoryMb,
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    env: runtimeConfig(s),
    // By the value's ARN: tasks (ours and the agents') start only once the token is written.
    secrets: { SANDBOX_AUTH_TOKEN: tokenValue.arn },
    secretArns: [tokenSecret.arn],
    kmsKeyArns: [],
    securityGroupId: securityGroup.id,
    healthCheckCommand: ["CMD", "node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"],
    arm64,
    scratchPaths: ["/sandbox"],
    // Task storage for the executions' scratch: Fargate's minimum is 21 GiB.
    ephemeralStorageGb: Math.max(21, Math.ceil((s.maxConcurrent * 64) / 1024)),
    logRetentionDays: cfg.logRetentionDays,
    region: stackRegion(),
    ecsExec: cluster.settings.ecsExec,
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
