import { hasReceiver } from "./day2-fields";
import type { ConfigProblem } from "./problems";
import type { EnvironmentSettings, Platform, PresetName } from "./schema";

/*
 * Checks of day-2 settings that depend on the preset or the region, which the cross-key checks
 * (checks.ts) do not see. They run on the merged settings, like those.
 */

export interface Day2CheckContext {
  readonly preset: PresetName;
  readonly platform: Platform;
  readonly region: string | undefined;
  /** The config namespace prefix of keys, such as `agentyard`. */
  readonly ns: string;
}

export function day2Checks(s: EnvironmentSettings, ctx: Day2CheckContext): ConfigProblem[] {
  const { preset, platform, region, ns } = ctx;
  const problems: ConfigProblem[] = [];
  const db = s.database;
  const onAws = platform !== "kubernetes";
  if (onAws && preset === "prod" && db.backupPlanRetentionDays > 0 && db.backupCopyRegion === undefined) {
    problems.push({ key: `${ns}:database.backupCopyRegion`, got: undefined, expected: "a second AWS region in prod (backups are copied out of the stack's region, so that a region loss loses no data)" });
  }
  if (onAws && preset === "prod" && db.backupPlanRetentionDays === 0) {
    problems.push({ key: `${ns}:database.backupPlanRetentionDays`, got: 0, expected: "an integer from 1 to 36500 in prod (a backup plan with a copy in a second region)" });
  }
  if (db.backupCopyRegion !== undefined && db.backupCopyRegion === region) {
    problems.push({ key: `${ns}:database.backupCopyRegion`, got: db.backupCopyRegion, expected: `a region other than aws:region (${region})` });
  }
  if (!onAws && (db.backupCopyRegion !== undefined || db.restoreFrom !== undefined)) {
    const key = db.restoreFrom !== undefined ? "restoreFrom" : "backupCopyRegion";
    problems.push({ key: `${ns}:database.${key}`, got: db[key], expected: "unset on kubernetes (restore a pg_dump from the backup volume: docs/runbooks/restore.md)" });
  }
  if (preset === "prod" && s.monitoring.alertsRouted && !hasReceiver(s.monitoring.alerts)) {
    problems.push({
      key: `${ns}:monitoring.alerts`,
      got: s.monitoring.alerts,
      expected: "at least one receiver in prod while monitoring.alertsRouted is on (emails, slackWebhookUrl, webhookUrl or pagerDutyKey): an alert must reach someone",
    });
  }
  if (platform === "kubernetes" && (s.monitoring.alerts?.emails?.length ?? 0) > 0) {
    problems.push({
      key: `${ns}:monitoring.alerts.emails`,
      got: s.monitoring.alerts?.emails,
      expected: "unset on kubernetes (e-mail goes through SNS on AWS: use slackWebhookUrl, webhookUrl or pagerDutyKey)",
    });
  }
  if (platform === "ecs" && s.monitoring.alerts?.slackWebhookUrl !== undefined) {
    problems.push({
      key: `${ns}:monitoring.alerts.slackWebhookUrl`,
      got: "[secret]",
      expected: "unset on ecs (Amazon Managed Prometheus's Alertmanager sends to SNS only: use emails, webhookUrl or pagerDutyKey)",
    });
  }
  return problems;
}
