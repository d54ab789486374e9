import { z } from "zod";
import { integer, listOf, text } from "./fields";

/*
 * Config fields of day-2 operations (backups, restore, alert receivers, trace export), spread into
 * the `database` and `monitoring` sections of the schema. Each field is optional or has a preset
 * value, so a stack written before these existed means what it meant.
 */

/** The region pattern of `aws:region` (schema.ts), for the copy's destination. */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

/**
 * RDS restores to a point in time given as UTC (RestoreDBInstanceToPointInTime, RestoreTime:
 * "Must be a time in Universal Coordinated Time (UTC) format"):
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html
 */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A DB instance identifier: 1 to 63 letters, digits or hyphens, starting with a letter, no two
 * hyphens in a row, not ending in one (CreateDBInstance, DBInstanceIdentifier). A snapshot
 * identifier follows the same rule, or is an ARN when the snapshot was shared or copied.
 */
const DB_IDENTIFIER = /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{0,62}(?<!-)$/;
const SNAPSHOT = /^((?!.*--)[a-zA-Z][a-zA-Z0-9-]{0,254}(?<!-)|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(snapshot|cluster-snapshot):[a-zA-Z0-9:-]+|arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:recovery-point:[\w-]+)$/;

export const restoreFromField = z
  .strictObject({
    /** An RDS snapshot (manual, final, or an AWS Backup recovery point's snapshot) by identifier or ARN. */
    snapshotIdentifier: text(SNAPSHOT, "an RDS snapshot identifier or ARN such as agentyard-prod-db-final").optional(),
    /** Point-in-time restore: the instance whose automated backups to restore from. */
    sourceDbInstanceIdentifier: text(DB_IDENTIFIER, "an RDS DB instance identifier such as agentyard-prod-db").optional(),
    /** Point-in-time restore: the moment, in UTC; absent means the latest restorable time. */
    restoreTime: text(UTC_TIME, "a UTC time such as 2026-12-01T09:30:00Z").optional(),
  })
  .refine((r) => (r.snapshotIdentifier === undefined) !== (r.sourceDbInstanceIdentifier === undefined), {
    error: "exactly one of snapshotIdentifier or sourceDbInstanceIdentifier (with an optional restoreTime)",
  })
  .refine((r) => r.restoreTime === undefined || r.sourceDbInstanceIdentifier !== undefined, {
    error: "restoreTime only with sourceDbInstanceIdentifier (a snapshot has no point in time to choose)",
  });

export type RestoreFrom = z.infer<typeof restoreFromField>;

export const backupFields = {
  /** Days AWS Backup keeps the database's daily recovery points; 0: no backup plan (RDS's automated backups only). */
  backupPlanRetentionDays: integer(0, 36500),
  /** A second region that receives a copy of every daily recovery point (required in prod on AWS). */
  backupCopyRegion: text(REGION, "an AWS region such as us-west-2").optional(),
  /** Build the database from a backup instead of empty (a snapshot, or a point in time of another instance). */
  restoreFrom: restoreFromField.optional(),
};

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const HTTPS_URL = /^https:\/\/[^\s]+$/;

export const alertsField = z.strictObject({
  /** Addresses subscribed by e-mail to the alert topic (AWS); each confirms the subscription once. */
  emails: listOf(text(EMAIL, "an e-mail address"), 20, "e-mail addresses").optional(),
  /** A Slack incoming-webhook URL (secret: `pulumi config set --secret --path`). Alertmanager on eks and kubernetes. */
  slackWebhookUrl: text(HTTPS_URL, "an https:// URL").optional(),
  /** Any webhook receiver (secret), every alert. */
  webhookUrl: text(HTTPS_URL, "an https:// URL").optional(),
  /** A PagerDuty Events API v2 integration key (secret): critical alerts page. */
  pagerDutyKey: text(/^[A-Za-z0-9]{20,64}$/, "a PagerDuty integration key (32 letters and digits)").optional(),
});

export type AlertReceivers = z.infer<typeof alertsField>;

export const traceExportField = z.strictObject({
  /** An OTLP/HTTP endpoint that receives traces instead of AWS X-Ray, such as https://otlp.example.com. */
  endpoint: text(HTTPS_URL, "an https:// OTLP endpoint"),
  /** The value of its Authorization header (secret), such as "Bearer ...". */
  authorization: z.string({ error: "a header value" }).min(1, { error: "a header value" }).optional(),
});

export type TraceExport = z.infer<typeof traceExportField>;

export const observabilityFields = {
  /** Who alerts reach; with `alertsRouted` in prod at least one receiver is required. */
  alerts: alertsField.optional(),
  /** Where the OpenTelemetry collector sends traces; unset: AWS X-Ray on eks and ecs, nowhere on kubernetes. */
  traceExport: traceExportField.optional(),
};

/** Whether any receiver is configured. */
export function hasReceiver(alerts: AlertReceivers | undefined): boolean {
  return (alerts?.emails?.length ?? 0) > 0 || alerts?.slackWebhookUrl !== undefined || alerts?.webhookUrl !== undefined || alerts?.pagerDutyKey !== undefined;
}
