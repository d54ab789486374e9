import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import { dump } from "js-yaml";
import type { EcsCluster } from "../../infra/cluster/ecs";
import { createFargateService } from "../../infra/cluster/fargate-service";
import { namedTags, physicalName, standardTags } from "../../infra/naming";
import { COLLECTOR_HEALTH_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, TRACE_AUTH_ENV, type TraceDestination, otelCollectorConfig } from "../../infra/monitoring/otel-collector";
import * as secretsmanager from "@pulumi/aws/secretsmanager";

const COMPONENT = "monitoring";
export const COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";
const HEALTH_PORT = COLLECTOR_HEALTH_PORT;

/** A service the collector scrapes: its Cloud Map name, port and security group. */
export interface ScrapeTarget {
  readonly job: string;
  readonly dnsName: pulumi.Input<string>;
  readonly port: number;
  readonly securityGroupId: pulumi.Input<string>;
  /** It sends OTLP to the collector (4317, 4318): each side's security group admits the other. */
  readonly otlp?: boolean;
}

/** The collector's Cloud Map name: services reach it at `<name>.<namespace>`. */
export const ECS_COLLECTOR_NAME = "metrics-collector";

/**
 * The collector's configuration: Prometheus scrapes by Cloud Map DNS and OTLP from the services,
 * metrics remote-written to AMP with SigV4, traces to X-Ray or the configured OTLP endpoint.
 */
export function collectorConfig(targets: ReadonlyArray<{ job: string; dnsName: string; port: number }>, remoteWriteUrl: string, region: string, traces: TraceDestination = { kind: "xray", region }): string {
  return dump(otelCollectorConfig({ traces, metrics: { kind: "amp", remoteWriteUrl, region }, scrape: targets }), { lineWidth: -1, noRefs: true });
}

/**
 * On ECS with Amazon Managed Prometheus: an ADOT collector service that finds the services
 * through Cloud Map DNS, scrapes their /metrics and remote-writes to the workspace. Each target
 * admits the collector's security group on its port.
 */
export function createEcsCollector(
  parent: pulumi.Resource,
  name: string,
  args: { cluster: EcsCluster; workspaceArn: pulumi.Output<string>; remoteWriteUrl: pulumi.Output<string>; region: string; logRetentionDays: number; traceExport?: { endpoint: string; authorization?: pulumi.Input<string> } },
  targets: readonly ScrapeTarget[],
) {
  const child = { parent };
  const sg = new ec2.SecurityGroup(`${name}-collector-sg`, { vpcId: args.cluster.vpcId, description: "Metrics collector: out to the services' metrics and to AMP", revokeRulesOnDelete: true, tags: namedTags(COMPONENT, "collector") }, child);
  new vpc.SecurityGroupEgressRule(`${name}-collector-egress-https`, { securityGroupId: sg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "AMP remote write, image pull, logs", tags: standardTags(COMPONENT) }, child);
  for (const t of targets) {
    new vpc.SecurityGroupEgressRule(`${name}-collector-to-${t.job}`, { securityGroupId: sg.id, referencedSecurityGroupId: t.securityGroupId, ipProtocol: "tcp", fromPort: t.port, toPort: t.port, description: `scrape ${t.job}`, tags: standardTags(COMPONENT) }, child);
    new vpc.SecurityGroupIngressRule(`${name}-scrape-${t.job}`, { securityGroupId: t.securityGroupId, referencedSecurityGroupId: sg.id, ipProtocol: "tcp", fromPort: t.port, toPort: t.port, description: "metrics collector", tags: standardTags(COMPONENT) }, child);
    if (t.otlp) {
      const otlp = { ipProtocol: "tcp", fromPort: OTLP_GRPC_PORT, toPort: OTLP_HTTP_PORT, tags: standardTags(COMPONENT) };
      new vpc.SecurityGroupIngressRule(`${name}-collector-otlp-from-${t.job}`, { ...otlp, securityGroupId: sg.id, referencedSecurityGroupId: t.securityGroupId, description: `OTLP from ${t.job}` }, child);
      new vpc.SecurityGroupEgressRule(`${name}-otlp-${t.job}-to-collector`, { ...otlp, securityGroupId: t.securityGroupId, referencedSecurityGroupId: sg.id, description: "OTLP to the collector" }, child);
    }
  }
  const traces: TraceDestination = args.traceExport ? { kind: "otlp", endpoint: args.traceExport.endpoint, authorized: args.traceExport.authorization !== undefined } : { kind: "xray", region: args.region };
  // The endpoint's Authorization header: a secret injected by ECS, never in the task definition.
  const auth =
    args.traceExport?.authorization !== undefined
      ? new secretsmanager.Secret(`${name}-collector-trace-auth`, { name: physicalName("secret", ["otlp-traces-authorization"]), recoveryWindowInDays: 0, tags: standardTags(COMPONENT) }, child)
      : undefined;
  if (auth && args.traceExport?.authorization !== undefined) {
    new secretsmanager.SecretVersion(`${name}-collector-trace-auth-value`, { secretId: auth.id, secretString: pulumi.secret(args.traceExport.authorization) }, child);
  }
  const config = pulumi
    .all([pulumi.all(targets.map((t) => pulumi.output(t.dnsName))), args.remoteWriteUrl])
    .apply(([names, url]) => collectorConfig(targets.map((t, i) => ({ job: t.job, dnsName: names[i], port: t.port })), url, args.region, traces));
  return createFargateService(parent, `${name}-collector`, {
    cluster: args.cluster,
    appName: ECS_COLLECTOR_NAME,
    component: COMPONENT,
    image: COLLECTOR_IMAGE,
    port: HEALTH_PORT,
    user: "10001:10001",
    cpuMillicores: 250,
    memoryMb: 512,
    minReplicas: 1,
    maxReplicas: 1,
    env: { AOT_CONFIG_CONTENT: config },
    secrets: auth ? { [TRACE_AUTH_ENV]: auth.arn } : {},
    secretArns: auth ? [auth.arn] : [],
    kmsKeyArns: [],
    taskRoleStatements: [
      { Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [args.workspaceArn] },
      // What the awsxray exporter calls (AWSXrayWriteOnlyAccess): https://docs.aws.amazon.com/xray/latest/devguide/security_iam_id-based-policy-examples.html
      ...(traces.kind === "xray" ? [{ Effect: "Allow" as const, Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"], Resource: ["*"] }] : []),
    ],
    securityGroupId: sg.id,
    healthCheckCommand: ["CMD", "/healthcheck"],
    arm64: args.cluster.settings.architecture === "arm64",
    scratchPaths: ["/tmp"],
    logRetentionDays: args.logRetentionDays,
    region: args.region,
    ecsExec: false,
  });
}
