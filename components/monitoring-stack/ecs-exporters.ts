import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import type { EcsCluster } from "../../infra/cluster/ecs";
import { createFargateService } from "../../infra/cluster/fargate-service";
import { namedTags, standardTags } from "../../infra/naming";
import { type DataTier, ecsValueFrom } from "../data-tier";
import type { ScrapeTarget } from "./ecs-collector";
import { EXPORTER_IMAGES } from "./exporters";

const COMPONENT = "monitoring";

/**
 * The alpine build of redis_exporter: the default image is FROM scratch, with nothing to run an
 * ECS container health check with (https://github.com/oliver006/redis_exporter#docker).
 */
const REDIS_EXPORTER_ALPINE = `${EXPORTER_IMAGES.redis}-alpine`;

/**
 * On `ecs` with managed Prometheus: postgres_exporter and redis_exporter as small Fargate services
 * against RDS and ElastiCache (TLS; the app role's password and the AUTH token injected by ECS
 * from Secrets Manager), found by the collector through Cloud Map like every service, so that the
 * data-tier dashboard reads the same series on every platform. The data tier admits each.
 */
export function createEcsExporters(parent: pulumi.Resource, name: string, args: { cluster: EcsCluster; data: DataTier; region: string; logRetentionDays: number }): ScrapeTarget[] {
  const { cluster, data } = args;
  const child = { parent };
  const secrets = data.connection.secrets;
  const specs = [
    {
      key: "postgres",
      image: EXPORTER_IMAGES.postgres,
      port: 9187,
      storeSecurityGroupId: data.databaseSecurityGroupId,
      storePort: data.databasePort,
      env: { DATA_SOURCE_URI: pulumi.interpolate`${data.databaseHost}:${data.databasePort}/${data.databaseName}?sslmode=require`, DATA_SOURCE_USER: data.settings.appUser },
      secret: { name: "DATA_SOURCE_PASS", ref: secrets.DATABASE_PASSWORD },
    },
    {
      key: "redis",
      image: REDIS_EXPORTER_ALPINE,
      port: 9121,
      storeSecurityGroupId: data.cacheSecurityGroupId,
      storePort: data.cachePort,
      env: { REDIS_ADDR: pulumi.interpolate`rediss://${data.cacheHost}:${data.cachePort}` },
      secret: { name: "REDIS_PASSWORD", ref: secrets.REDIS_PASSWORD },
    },
  ] as const;
  return specs.map((spec) => {
    const id = `${name}-${spec.key}-exporter`;
    const sg = new ec2.SecurityGroup(`${id}-sg`, { vpcId: cluster.vpcId, description: `${spec.key} exporter: out to the store and HTTPS`, revokeRulesOnDelete: true, tags: namedTags(COMPONENT, `${spec.key}-exporter`) }, child);
    new vpc.SecurityGroupEgressRule(`${id}-egress-https`, { securityGroupId: sg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "image pull, logs", tags: standardTags(COMPONENT) }, child);
    if (spec.storeSecurityGroupId) {
      new vpc.SecurityGroupEgressRule(`${id}-egress-store`, { securityGroupId: sg.id, referencedSecurityGroupId: spec.storeSecurityGroupId, ipProtocol: "tcp", fromPort: spec.storePort, toPort: spec.storePort, description: spec.key, tags: standardTags(COMPONENT) }, child);
    }
    data.allowFrom(`${spec.key}-exporter`, sg.id);
    if (spec.secret.ref.source !== "secretsmanager") throw new Error(`MonitoringStack "${name}": the data tier's ${spec.secret.name} is not in Secrets Manager`);
    const made = createFargateService(parent, id, {
      cluster,
      appName: `${spec.key}-exporter`,
      component: COMPONENT,
      image: spec.image,
      port: spec.port,
      user: "65534:65534",
      cpuMillicores: 250,
      memoryMb: 512,
      minReplicas: 1,
      maxReplicas: 1,
      env: spec.env,
      secrets: { [spec.secret.name]: ecsValueFrom(spec.secret.ref) },
      secretArns: [spec.secret.ref.secretArn],
      kmsKeyArns: data.kmsKeyArn ? [data.kmsKeyArn] : [],
      securityGroupId: sg.id,
      healthCheckCommand: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${spec.port}/metrics`],
      arm64: cluster.settings.architecture === "arm64",
      scratchPaths: [],
      logRetentionDays: args.logRetentionDays,
      region: args.region,
      ecsExec: false,
    });
    return { job: `${spec.key}-exporter`, dnsName: made.dnsName, port: spec.port, securityGroupId: sg.id };
  });
}
