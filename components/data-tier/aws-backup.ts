import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/aws/provider";
import * as backup from "@pulumi/aws/backup";
import * as iam from "@pulumi/aws/iam";
import type * as kms from "@pulumi/aws/kms";
import type * as rds from "@pulumi/aws/rds";
import type { RestoreFrom } from "../../infra/config/day2-fields";
import { accountKey } from "../../infra/kms";
import { physicalName, standardTags } from "../../infra/naming";
import type { NormalizedDataTierArgs } from "./args";
import { COMPONENT } from "./aws-security";

/**
 * Daily at 05:30 UTC: after RDS's own backup window (03:00-04:00) and the Sunday maintenance
 * window (04:30-05:30), so the three never overlap. AWS Backup schedules are cron expressions in
 * UTC unless `scheduleExpressionTimezone` says otherwise:
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html
 */
export const BACKUP_SCHEDULE = "cron(30 5 ? * * *)";

export interface AwsBackup {
  readonly vault: backup.Vault;
  readonly plan: backup.Plan;
  /** The vault in the second region that receives a copy of each recovery point (when configured). */
  readonly copyVault: backup.Vault | undefined;
}

/** A key for one vault: the account's IAM policies decide (the backup role's grants it to AWS Backup). */
function vaultKey(parent: pulumi.Resource, name: string, description: string, opts: pulumi.CustomResourceOptions): kms.Key {
  // AWS Backup encrypts through grants it creates with the backup role's permissions:
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
  return accountKey(parent, name, { description, component: COMPONENT }, opts);
}

/**
 * AWS Backup for the database: a vault under its own key, a daily plan kept by preset, the RDS
 * instance selected by ARN, and (prod) a copy of each recovery point to a vault in a second region
 * under a key of that region. A cross-Region copy of an RDS snapshot is re-encrypted with a key of
 * the destination Region, which is why the copy vault has its own:
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html
 */
export function createAwsBackup(parent: pulumi.Resource, name: string, cfg: NormalizedDataTierArgs, dataKey: kms.Key, instance: rds.Instance): AwsBackup | undefined {
  const db = cfg.database;
  if (db.backupPlanRetentionDays === 0) return undefined;
  const child = { parent };
  const key = vaultKey(parent, `${name}-backup-key`, "agentyard database backup vault", child);
  const vault = new backup.Vault(
    `${name}-backup-vault`,
    // A vault holding recovery points cannot be deleted; forceDestroy only where nothing is protected.
    { name: physicalName("backupVault", ["db"]), kmsKeyArn: key.arn, forceDestroy: !cfg.deletionProtection, tags: standardTags(COMPONENT) },
    child,
  );

  let copyVault: backup.Vault | undefined;
  let copyKey: kms.Key | undefined;
  if (db.backupCopyRegion !== undefined) {
    // A second provider for the destination Region: a vault and its key live in one Region.
    const provider = new Provider(`${name}-backup-copy-region`, { region: db.backupCopyRegion }, child);
    const there = { parent, provider };
    copyKey = vaultKey(parent, `${name}-backup-copy-key`, `agentyard database backup copies (from ${physicalName("dbInstance", ["db"])})`, there);
    copyVault = new backup.Vault(
      `${name}-backup-copy-vault`,
      { name: physicalName("backupVault", ["db-copy"]), kmsKeyArn: copyKey.arn, forceDestroy: !cfg.deletionProtection, tags: standardTags(COMPONENT, { region: db.backupCopyRegion }) },
      there,
    );
  }

  const lifecycle = { deleteAfter: db.backupPlanRetentionDays };
  const plan = new backup.Plan(
    `${name}-backup-plan`,
    {
      name: physicalName("backupPlan", ["db"]),
      rules: [
        {
          ruleName: "daily",
          targetVaultName: vault.name,
          schedule: BACKUP_SCHEDULE,
          // Start within an hour, finish within three (a snapshot of a large instance takes a while).
          startWindow: 60,
          completionWindow: 180,
          lifecycle,
          copyActions: copyVault ? [{ destinationVaultArn: copyVault.arn, lifecycle }] : undefined,
          recoveryPointTags: standardTags(COMPONENT, { backup: "aws-backup" }),
        },
      ],
      tags: standardTags(COMPONENT),
    },
    child,
  );

  const role = new iam.Role(
    `${name}-backup-role`,
    {
      name: physicalName("iamRole", ["db-backup"]),
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      tags: standardTags(COMPONENT),
    },
    child,
  );
  // The AWS-managed policies for taking and restoring backups:
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/security-iam-awsmanpol.html
  const attachments = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"].map(
    (policy) => new iam.RolePolicyAttachment(`${name}-backup-role-${policy}`, { role: role.name, policyArn: `arn:aws:iam::aws:policy/service-role/${policy}` }, child),
  );
  // The database is under the data tier's key: reading it (and re-encrypting the copy) needs that key and the vaults'.
  const keyUse = new iam.RolePolicy(
    `${name}-backup-role-keys`,
    {
      role: role.id,
      policy: pulumi.all([dataKey.arn, key.arn, copyKey?.arn]).apply(([data, own, copy]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
              Resource: [data, own, copy].filter((k): k is string => k !== undefined),
            },
          ],
        }),
      ),
    },
    child,
  );
  new backup.Selection(
    `${name}-backup-selection`,
    { name: physicalName("backupPlan", ["db"]), planId: plan.id, iamRoleArn: role.arn, resources: [instance.arn] },
    { parent, dependsOn: [...attachments, keyUse] },
  );
  return { vault, plan, copyVault };
}

/**
 * The `aws.rds.Instance` args that build the database from a backup: `snapshotIdentifier` (a
 * snapshot, RestoreDBInstanceFromDBSnapshot) or `restoreToPointInTime` (another instance's
 * automated backups, RestoreDBInstanceToPointInTime; no time means the latest restorable time).
 * The master user, the database name and the storage key come from the backup, so they are not
 * sent: a restore cannot change the key (copy the snapshot under another key first:
 * docs/runbooks/restore.md), and a key given that differs would replace the instance on every up.
 * https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/#restoretopointintime
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html
 */
export function restoreArgs(from: RestoreFrom | undefined): Partial<rds.InstanceArgs> {
  if (from === undefined) return {};
  const fromBackup = { username: undefined, dbName: undefined, kmsKeyId: undefined };
  if (from.snapshotIdentifier !== undefined) return { ...fromBackup, snapshotIdentifier: from.snapshotIdentifier };
  return {
    ...fromBackup,
    restoreToPointInTime: {
      sourceDbInstanceIdentifier: from.sourceDbInstanceIdentifier,
      ...(from.restoreTime !== undefined ? { restoreTime: from.restoreTime } : { useLatestRestorableTime: true }),
    },
  };
}
