import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import { dump } from "js-yaml";
import type { EcsCluster } from "../../infra/cluster/ecs";
import { createFargateService } from "../../infra/cluster/fargate-service";
import { namedTags, standardTags } from "../../infra/naming";

const COMPONENT = "monitoring";
export const COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";
const HEALTH_PORT = 13133;

/** A service the collector scrapes: its Cloud Map name, port and security group. */
export interface ScrapeTarget {
  readonly job: string;
  readonly dnsName: pulumi.Input<string>;
  readonly port: number;
  readonly securityGroupId: pulumi.Input<string>;
}

/** The collector's configuration: Prometheus scrapes by Cloud Map DNS, remote-written to AMP with SigV4. */
export function collectorConfig(targets: ReadonlyArray<{ job: string; dnsName: string; port: number }>, remoteWriteUrl: string, region: string): string {
  return dump(
    {
      extensions: { sigv4auth: { region, service: "aps" }, health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
      receivers: {
        prometheus: {
          config: {
            global: { scrape_interval: "30s", scrape_timeout: "10s" },
            scrape_configs: targets.map((t) => ({ job_name: t.job, metrics_path: "/metrics", dns_sd_configs: [{ names: [t.dnsName], type: "A", port: t.port, refresh_interval: "30s" }] })),
          },
        },
      },
      exporters: { prometheusremotewrite: { endpoint: remoteWriteUrl, auth: { authenticator: "sigv4auth" } } },
      service: { extensions: ["sigv4auth", "health_check"], pipelines: { metrics: { receivers: ["prometheus"], exporters: ["prometheusremotewrite"] } } },
    },
    { lineWidth: -1, noRefs: true },
  );
}

/**
 * On ECS with Amazon Managed Prometheus: an ADOT collector service that finds the services
 * through Cloud Map DNS, scrapes their /metrics and remote-writes to the workspace. Each target
 * admits the collector's security group on its port.
 */
export function createEcsCollector(parent: pulumi.Resource, name: string, args: { cluster: EcsCluster; workspaceArn: pulumi.Output<string>; remoteWriteUrl: pulumi.Output<string>; region: string; logRetentionDays: number }, targets: readonly ScrapeTarget[]) {
  const child = { parent };
  const sg = new ec2.SecurityGroup(`${name}-collector-sg`, { vpcId: args.cluster.vpcId, description: "Metrics collector: out to the services' metrics and to AMP", revokeRulesOnDelete: true, tags: namedTags(COMPONENT, "collector") }, child);
  new vpc.SecurityGroupEgressRule(`${name}-collector-egress-https`, { securityGroupId: sg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "AMP remote write, image pull, logs", tags: standardTags(COMPONENT) }, child);
  for (const t of targets) {
    new vpc.SecurityGroupEgressRule(`${name}-collector-to-${t.job}`, { securityGroupId: sg.id, referencedSecurityGroupId: t.securityGroupId, ipProtocol: "tcp", fromPort: t.port, toPort: t.port, description: `scrape ${t.job}`, tags: standardTags(COMPONENT) }, child);
    new vpc.SecurityGroupIngressRule(`${name}-scrape-${t.job}`, { securityGroupId: t.securityGroupId, referencedSecurityGroupId: sg.id, ipProtocol: "tcp", fromPort: t.port, toPort: t.port, description: "metrics collector", tags: standardTags(COMPONENT) }, child);
  }
  const config = pulumi
    .all([pulumi.all(targets.map((t) => pulumi.output(t.dnsName))), args.remoteWriteUrl])
    .apply(([names, url]) => collectorConfig(targets.map((t, i) => ({ job: t.job, dnsName: names[i], port: t.port })), url, args.region));
  return createFargateService(parent, `${name}-collector`, {
    cluster: args.cluster,
    appName: "metrics-collector",
    component: COMPONENT,
    image: COLLECTOR_IMAGE,
    port: HEALTH_PORT,
    user: "10001:10001",
    cpuMillicores: 250,
    memoryMb: 512,
    minReplicas: 1,
    maxReplicas: 1,
    env: { AOT_CONFIG_CONTENT: config },
    secrets: {},
    secretArns: [],
    kmsKeyArns: [],
    taskRoleStatements: [{ Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [args.workspaceArn] }],
    securityGroupId: sg.id,
    healthCheckCommand: ["CMD", "/healthcheck"],
    arm64: args.cluster.settings.architecture === "arm64",
    scratchPaths: ["/tmp"],
    logRetentionDays: args.logRetentionDays,
    region: args.region,
    ecsExec: false,
  });
}
