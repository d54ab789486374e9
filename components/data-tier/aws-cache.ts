import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import type * as ec2 from "@pulumi/aws/ec2";
import * as elasticache from "@pulumi/aws/elasticache";
import type * as kms from "@pulumi/aws/kms";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as random from "@pulumi/random";
import { physicalName, standardTags } from "../../infra/naming";
import { applyTransform } from "../../infra/transform";
import type { DataTierArgs, NormalizedDataTierArgs } from "./args";
import { COMPONENT } from "./aws-security";

export const REDIS_PORT = 6379;

export interface AwsCache {
  readonly replicationGroup: elasticache.ReplicationGroup;
  readonly secret: secretsmanager.Secret;
  /** Its value: readers of the secret must wait for it. */
  readonly secretVersion: secretsmanager.SecretVersion;
}

/** ElastiCache parameter group family: `redis7`, `valkey8`. */
export function cacheFamily(engine: string, engineVersion: string): string {
  return `${engine}${engineVersion.split(".")[0]}`;
}

export function createAwsCache(
  parent: pulumi.Resource,
  name: string,
  cfg: NormalizedDataTierArgs,
  args: DataTierArgs,
  key: kms.Key,
  securityGroup: ec2.SecurityGroup,
): AwsCache {
  const cache = cfg.cache;
  const transform = args.transform ?? {};
  const child = { parent };
  const groupId = physicalName("cacheReplicationGroup", ["cache"]);

  const subnetGroup = new elasticache.SubnetGroup(
    `${name}-cache-subnets`,
    { name: physicalName("cacheSubnetGroup", ["cache"]), subnetIds: args.isolatedSubnetIds ?? [], description: "Isolated subnets", tags: standardTags(COMPONENT) },
    child,
  );
  const family = cacheFamily(cache.engine, cache.engineVersion);
  const parameterGroup = new elasticache.ParameterGroup(
    ...applyTransform(
      transform.cacheParameterGroup,
      `${name}-cache-params`,
      {
        // Auto-named (ElastiCache takes no name prefix): a new family or description replaces the
        // group, created before the old one is released, so a fixed name would collide.
        family,
        description: "agentyard: eviction policy by preset",
        parameters: [{ name: "maxmemory-policy", value: cache.maxmemoryPolicy }],
        tags: standardTags(COMPONENT),
      },
      child,
    ),
  );
  const slowLog = new cloudwatch.LogGroup(
    `${name}-cache-slow-log`,
    { name: `/aws/elasticache/${groupId}/slow-log`, retentionInDays: cfg.logRetentionDays, tags: standardTags(COMPONENT) },
    child,
  );
  // ElastiCache allows printable ASCII except space, " / @ in a token: letters and digits keep it URL-safe too.
  const authToken = new random.RandomPassword(`${name}-cache-auth-token`, { length: 64, special: false }, child);
  const failover = cache.replicas > 0;

  const replicationGroup = new elasticache.ReplicationGroup(
    ...applyTransform(
      transform.cache,
      `${name}-cache`,
      {
        replicationGroupId: groupId,
        description: `agentyard ${cache.engine}: agent memory and cache`,
        engine: cache.engine,
        engineVersion: cache.engineVersion,
        nodeType: cache.nodeType,
        numCacheClusters: 1 + cache.replicas,
        automaticFailoverEnabled: failover,
        multiAzEnabled: cache.multiAz,
        port: REDIS_PORT,
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        atRestEncryptionEnabled: true,
        kmsKeyId: key.arn,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: authToken.result,
        snapshotRetentionLimit: cache.snapshotRetentionDays,
        snapshotWindow: cache.snapshotRetentionDays > 0 ? "02:00-03:00" : undefined,
        finalSnapshotIdentifier: cfg.deletionProtection && cache.snapshotRetentionDays > 0 ? `${groupId}-final` : undefined,
        maintenanceWindow: "sun:05:30-sun:06:30",
        autoMinorVersionUpgrade: true,
        logDeliveryConfigurations: [{ destination: slowLog.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" }],
        tags: standardTags(COMPONENT),
      },
      child,
    ),
  );

  const secret = new secretsmanager.Secret(
    `${name}-cache-secret`,
    {
      name: physicalName("secret", ["cache"]),
      description: `AUTH token and REDIS_URL of the ${cache.engine} replication group`,
      kmsKeyId: key.arn,
      recoveryWindowInDays: cfg.deletionProtection ? 30 : 0,
      tags: standardTags(COMPONENT),
    },
    child,
  );
  const secretVersion = new secretsmanager.SecretVersion(
    `${name}-cache-secret-value`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        pulumi.all([replicationGroup.primaryEndpointAddress, authToken.result]).apply(([host, token]) =>
          JSON.stringify({ host, port: REDIS_PORT, authToken: token, url: `rediss://:${token}@${host}:${REDIS_PORT}/0` }),
        ),
      ),
    },
    child,
  );
  return { replicationGroup, secret, secretVersion };
}
