import * as pulumi from "@pulumi/pulumi";
import type * as ec2 from "@pulumi/aws/ec2";
import type * as iam from "@pulumi/aws/iam";
import type * as kms from "@pulumi/aws/kms";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as rds from "@pulumi/aws/rds";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as random from "@pulumi/random";
import { serviceRole } from "../../infra/iam";
import { physicalName, standardTags } from "../../infra/naming";
import { applyTransform } from "../../infra/transform";
import type { DataTierArgs, NormalizedDataTierArgs } from "./args";
import { COMPONENT } from "./aws-security";
import { restoreArgs } from "./aws-backup";

export const POSTGRES_PORT = 5432;
/** The master user: used by the bootstrap only; its password is RDS-managed and rotated in Secrets Manager. */
export const MASTER_USER = "agentyard_admin";

export interface AwsDatabase {
  readonly instance: rds.Instance;
  readonly replicas: rds.Instance[];
  readonly masterSecretArn: pulumi.Output<string>;
  readonly appSecret: secretsmanager.Secret;
  readonly appSecretVersion: secretsmanager.SecretVersion;
}

/** RDS log types exported to CloudWatch; their groups are made here so that retention applies. */
const LOG_EXPORTS = ["postgresql", "upgrade"] as const;

export function createAwsDatabase(
  parent: pulumi.Resource,
  name: string,
  cfg: NormalizedDataTierArgs,
  args: DataTierArgs,
  key: kms.Key,
  securityGroup: ec2.SecurityGroup,
): AwsDatabase {
  const db = cfg.database;
  const transform = args.transform ?? {};
  const child = { parent };
  const identifier = physicalName("dbInstance", ["db"]);
  const major = db.engineVersion.split(".")[0];

  const subnetGroup = new rds.SubnetGroup(
    `${name}-db-subnets`,
    { name: physicalName("dbSubnetGroup", ["db"]), subnetIds: args.isolatedSubnetIds ?? [], description: "Isolated subnets: no route to or from the internet", tags: standardTags(COMPONENT) },
    child,
  );
  const parameterGroup = new rds.ParameterGroup(
    ...applyTransform(
      transform.parameterGroup,
      `${name}-db-params`,
      {
        // A prefix, not a name: a new family (a major upgrade) or description replaces the group, and
        // the replacement is created first while the instance still uses the old one
        // (https://www.pulumi.com/registry/packages/aws/api-docs/rds/parametergroup/: namePrefix).
        namePrefix: `${physicalName("dbParameterGroup", [`db-pg${major}`])}-`,
        family: `postgres${major}`,
        description: "agentyard: TLS only, pg_stat_statements, slow statement log, connection limit",
        parameters: [
          { name: "rds.force_ssl", value: "1" },
          { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
          { name: "pg_stat_statements.track", value: "top" },
          { name: "log_min_duration_statement", value: String(db.slowQueryMs) },
          { name: "max_connections", value: String(db.maxConnections), applyMethod: "pending-reboot" },
          { name: "log_lock_waits", value: "1" },
          // An agent that dies mid-transaction must not hold locks and a connection for ever.
          { name: "idle_in_transaction_session_timeout", value: "600000" },
        ],
        tags: standardTags(COMPONENT),
      },
      // A new family (major upgrade) needs a new group before the old is dropped.
      { parent, deleteBeforeReplace: false },
    ),
  );
  const logGroups = LOG_EXPORTS.map(
    (type) =>
      new cloudwatch.LogGroup(
        `${name}-db-log-${type}`,
        { name: `/aws/rds/instance/${identifier}/${type}`, retentionInDays: cfg.logRetentionDays, tags: standardTags(COMPONENT) },
        child,
      ),
  );
  const monitoringRole = db.monitoringIntervalSeconds > 0 ? enhancedMonitoringRole(parent, name) : undefined;
  const performance = {
    performanceInsightsEnabled: db.performanceInsights,
    performanceInsightsKmsKeyId: db.performanceInsights ? key.arn : undefined,
    performanceInsightsRetentionPeriod: db.performanceInsights ? 7 : undefined,
    monitoringInterval: db.monitoringIntervalSeconds,
    monitoringRoleArn: monitoringRole?.arn,
  };

  const instance = new rds.Instance(
    ...applyTransform(
      transform.database,
      `${name}-db`,
      {
        identifier,
        engine: "postgres",
        engineVersion: db.engineVersion,
        instanceClass: db.instanceClass,
        allocatedStorage: db.allocatedStorageGb,
        maxAllocatedStorage: db.maxAllocatedStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: key.arn,
        dbName: cfg.databaseName,
        username: MASTER_USER,
        // A restore takes the master user and database name from the backup (aws-backup.ts).
        ...restoreArgs(db.restoreFrom),
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: key.arn,
        iamDatabaseAuthenticationEnabled: true,
        port: POSTGRES_PORT,
        multiAz: db.multiAz,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        publiclyAccessible: false,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        backupRetentionPeriod: db.backupRetentionDays,
        backupWindow: "03:00-04:00",
        maintenanceWindow: "sun:04:30-sun:05:30",
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        allowMajorVersionUpgrade: false,
        deletionProtection: cfg.deletionProtection,
        skipFinalSnapshot: !cfg.deletionProtection,
        // Deterministic so that the plan is; a second destroy of the same stack must rename it.
        finalSnapshotIdentifier: cfg.deletionProtection ? `${identifier}-final` : undefined,
        enabledCloudwatchLogsExports: [...LOG_EXPORTS],
        ...performance,
        tags: standardTags(COMPONENT),
      },
      { parent, dependsOn: logGroups },
    ),
  );

  const replicas = Array.from({ length: db.readReplicas }, (_, i) => {
    return new rds.Instance(
      ...applyTransform(
        transform.readReplica,
        `${name}-db-replica-${i + 1}`,
        {
          identifier: physicalName("dbInstance", [`db-replica-${i + 1}`]),
          replicateSourceDb: instance.identifier,
          instanceClass: db.instanceClass,
          storageType: "gp3",
          storageEncrypted: true,
          kmsKeyId: key.arn,
          vpcSecurityGroupIds: [securityGroup.id],
          parameterGroupName: parameterGroup.name,
          publiclyAccessible: false,
          iamDatabaseAuthenticationEnabled: true,
          caCertIdentifier: "rds-ca-rsa2048-g1",
          autoMinorVersionUpgrade: true,
          backupRetentionPeriod: 0,
          skipFinalSnapshot: true,
          deletionProtection: cfg.deletionProtection,
          ...performance,
          tags: standardTags(COMPONENT, { role: "read-replica" }),
        },
        child,
      ),
    );
  });

  const masterSecretArn = instance.masterUserSecrets.apply((secrets) => {
    const arn = secrets?.[0]?.secretArn;
    if (arn === undefined) throw new Error(`DataTier "${name}": RDS returned no managed master secret`);
    return arn;
  });

  // The services' own role: its password is ours (not RDS's, which rotates), so DATABASE_URL can be one secret.
  const appPassword = new random.RandomPassword(`${name}-db-app-password`, { length: 40, special: false }, child);
  const appSecret = new secretsmanager.Secret(
    `${name}-db-app-secret`,
    {
      name: physicalName("secret", ["db-app"]),
      description: `PostgreSQL credentials and DATABASE_URL of ${cfg.appUser}`,
      kmsKeyId: key.arn,
      recoveryWindowInDays: cfg.deletionProtection ? 30 : 0,
      tags: standardTags(COMPONENT),
    },
    child,
  );
  const appSecretVersion = new secretsmanager.SecretVersion(
    `${name}-db-app-secret-value`,
    {
      secretId: appSecret.id,
      secretString: pulumi.secret(
        pulumi.all([instance.address, appPassword.result]).apply(([host, password]) =>
          JSON.stringify({
            engine: "postgres",
            host,
            port: POSTGRES_PORT,
            dbname: cfg.databaseName,
            username: cfg.appUser,
            password,
            url: `postgresql://${cfg.appUser}:${password}@${host}:${POSTGRES_PORT}/${cfg.databaseName}?sslmode=require`,
          }),
        ),
      ),
    },
    child,
  );
  return { instance, replicas, masterSecretArn, appSecret, appSecretVersion };
}

function enhancedMonitoringRole(parent: pulumi.Resource, name: string): iam.Role {
  return serviceRole(parent, `${name}-db-monitoring-role`, {
    physical: "db-monitoring",
    service: "monitoring.rds.amazonaws.com",
    component: COMPONENT,
    managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
  }).role;
}
