import * as pulumi from "@pulumi/pulumi";
import * as amp from "@pulumi/aws/amp";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import type * as kms from "@pulumi/aws/kms";
import * as sns from "@pulumi/aws/sns";
import { dump } from "js-yaml";
import { accountKey } from "../../infra/kms";
import { renderRulesYaml } from "../../infra/monitoring/rules";
import { physicalName, standardTags } from "../../infra/naming";
import type { DataTier } from "../data-tier";
import { type AlertReceivers, ROUTE_TIMING, snsConfig, subscribeReceivers } from "./alert-receivers";
import type { NormalizedMonitoringArgs } from "./args";

const COMPONENT = "monitoring";
const GIB = 1024 ** 3;

export interface AwsAlerting {
  readonly topic: sns.Topic;
  /** Critical alerts only (pages): there when a PagerDuty key is configured. */
  readonly criticalTopic: sns.Topic | undefined;
  /** The key both topics are encrypted under (publishers need it). */
  readonly keyArn: pulumi.Output<string>;
  readonly alarms: cloudwatch.MetricAlarm[];
}

/**
 * The AWS side of alerting: an encrypted SNS topic that CloudWatch alarms (and AMP's
 * Alertmanager) publish to, and alarms on what only CloudWatch sees: RDS storage, connections
 * and CPU, and ElastiCache memory per node.
 */
export function createAwsAlerting(parent: pulumi.Resource, name: string, cfg: NormalizedMonitoringArgs, data: DataTier | undefined, receivers: AlertReceivers = {}): AwsAlerting {
  const child = { parent };
  const account = getCallerIdentityOutput({}, child).accountId;
  // SNS's AWS-managed key cannot be used by CloudWatch alarms: the topic needs a key of its own.
  const key = accountKey(parent, `${name}-alerts-key`, {
    description: "agentyard alert topic",
    component: COMPONENT,
    statements: [
      (id) => ({
        Sid: "AlarmPublishers",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com", "aps.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": id } },
      }),
    ],
  });
  const topic = alertTopic(parent, name, "alerts", key, account);
  const criticalTopic = receivers.pagerDutyKey !== undefined ? alertTopic(parent, name, "critical", key, account) : undefined;
  subscribeReceivers(parent, name, receivers, { alerts: topic, critical: criticalTopic });

  // Critical alarms also page (the critical topic); warnings go to the alert topic only.
  const actionsFor = (severity: Severity) => (!cfg.alertsRouted ? [] : severity === "critical" && criticalTopic ? [topic.arn, criticalTopic.arn] : [topic.arn]);
  const alarm = (id: string, args: Omit<cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "tags">, severity: Severity = "warning") =>
    new cloudwatch.MetricAlarm(
      `${name}-${id}`,
      { ...args, alarmActions: actionsFor(severity), okActions: actionsFor(severity), treatMissingData: "missing", tags: standardTags(COMPONENT, { severity }) },
      child,
    );
  const alarms: cloudwatch.MetricAlarm[] = [];
  if (data?.databaseIdentifier) {
    const db = { DBInstanceIdentifier: data.databaseIdentifier };
    const settings = data.settings.database;
    alarms.push(
      alarm("rds-free-storage", {
        alarmDescription: "RDS free storage under 10 % of the allocated size (storage autoscaling may be at its maximum)",
        namespace: "AWS/RDS",
        metricName: "FreeStorageSpace",
        dimensions: db,
        statistic: "Minimum",
        period: 300,
        evaluationPeriods: 2,
        comparisonOperator: "LessThanThreshold",
        threshold: Math.round(data.allocatedStorageGb * GIB * 0.1),
      }, "critical"),
      alarm("rds-connections", {
        alarmDescription: "RDS connections over 80 % of max_connections (the seeds' DatabaseConnectionHigh)",
        namespace: "AWS/RDS",
        metricName: "DatabaseConnections",
        dimensions: db,
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 5,
        comparisonOperator: "GreaterThanThreshold",
        threshold: Math.floor(settings.maxConnections * 0.8),
      }),
      alarm("rds-cpu", {
        alarmDescription: "RDS CPU over 80 % for 15 minutes",
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        dimensions: db,
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 80,
      }),
    );
  }
  if (data?.cacheReplicationGroupId) {
    const groupId = data.cacheReplicationGroupId;
    for (let node = 1; node <= 1 + data.settings.cache.replicas; node++) {
      alarms.push(
        alarm(`cache-memory-${node}`, {
          alarmDescription: `Cache node ${node} over 90 % of maxmemory: evictions follow`,
          namespace: "AWS/ElastiCache",
          metricName: "DatabaseMemoryUsagePercentage",
          dimensions: { CacheClusterId: pulumi.interpolate`${groupId}-${String(node).padStart(3, "0")}` },
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 2,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 90,
        }),
      );
    }
  }
  return { topic, criticalTopic, keyArn: key.arn, alarms };
}

type Severity = "warning" | "critical";

/** A topic under the alert key that CloudWatch and AMP may publish to (this account only), over TLS only. */
function alertTopic(parent: pulumi.Resource, name: string, kind: "alerts" | "critical", key: kms.Key, account: pulumi.Output<string>): sns.Topic {
  const child = { parent };
  const logical = kind === "alerts" ? `${name}-alerts` : `${name}-alerts-critical`;
  const topic = new sns.Topic(logical, { name: physicalName("snsTopic", [kind === "alerts" ? "alerts" : "alerts-critical"]), kmsMasterKeyId: key.arn, tags: standardTags(COMPONENT) }, child);
  new sns.TopicPolicy(
    `${logical}-policy`,
    {
      arn: topic.arn,
      policy: pulumi.all([topic.arn, account]).apply(([arn, id]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AlarmPublishers",
              Effect: "Allow",
              Principal: { Service: ["cloudwatch.amazonaws.com", "aps.amazonaws.com"] },
              Action: "sns:Publish",
              Resource: arn,
              Condition: { StringEquals: { "aws:SourceAccount": id } },
            },
            { Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
          ],
        }),
      ),
    },
    child,
  );
  return topic;
}

export interface ManagedPrometheus {
  readonly workspace: amp.Workspace;
  readonly workspaceArn: pulumi.Output<string>;
  readonly remoteWriteUrl: pulumi.Output<string>;
}

/**
 * On ECS: Amazon Managed Service for Prometheus with our rules uploaded and its Alertmanager
 * routed to the SNS topic. Collectors (an ADOT sidecar per task) remote-write to it.
 */
export function createManagedPrometheus(parent: pulumi.Resource, name: string, cfg: NormalizedMonitoringArgs, alerting: AwsAlerting | undefined): ManagedPrometheus {
  const child = { parent };
  const logGroup = new cloudwatch.LogGroup(`${name}-amp-logs`, { name: `/aws/vendedlogs/prometheus/${physicalName("logGroup", ["amp"])}`, retentionInDays: cfg.logRetentionDays, tags: standardTags(COMPONENT) }, child);
  const workspace = new amp.Workspace(
    `${name}-prometheus`,
    { alias: physicalName("ampWorkspaceAlias", ["prometheus"]), loggingConfiguration: { logGroupArn: pulumi.interpolate`${logGroup.arn}:*` }, tags: standardTags(COMPONENT) },
    child,
  );
  new amp.RuleGroupNamespace(`${name}-alert-rules`, { name: "agentyard", workspaceId: workspace.id, data: renderRulesYaml(cfg.ruleGroups), tags: standardTags(COMPONENT) }, child);
  const region = getRegionOutput({}, child).name;
  new amp.AlertManagerDefinition(
    `${name}-alertmanager`,
    {
      workspaceId: workspace.id,
      definition: pulumi.all([alerting?.topic.arn, alerting?.criticalTopic?.arn, region]).apply(([topicArn, criticalArn, regionName]) =>
        dump({ alertmanager_config: dump(ampAlertmanagerConfig(topicArn, criticalArn, regionName), { lineWidth: -1 }) }, { lineWidth: -1 }),
      ),
    },
    child,
  );
  return { workspace, workspaceArn: workspace.arn, remoteWriteUrl: pulumi.interpolate`${workspace.prometheusEndpoint}api/v1/remote_write` };
}

/**
 * AMP's Alertmanager sends to SNS only (its receivers are `sns_configs`):
 * https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver.html
 * Critical alerts go to both topics (the critical one pages), the rest to the alert topic.
 */
export function ampAlertmanagerConfig(topicArn: string | undefined, criticalArn: string | undefined, region: string) {
  if (topicArn === undefined) return { route: { receiver: "null" }, receivers: [{ name: "null" }] };
  const to = (arn: string) => snsConfig(arn, region);
  return {
    route: {
      receiver: "sns",
      ...ROUTE_TIMING,
      routes: [{ receiver: "sns-critical", matchers: ['severity="critical"'], repeat_interval: "1h" }],
    },
    receivers: [
      { name: "null" },
      { name: "sns", sns_configs: [to(topicArn)] },
      { name: "sns-critical", sns_configs: criticalArn ? [to(topicArn), to(criticalArn)] : [to(topicArn)] },
    ],
  };
}
