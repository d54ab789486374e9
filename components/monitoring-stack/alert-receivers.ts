import * as pulumi from "@pulumi/pulumi";
import * as sns from "@pulumi/aws/sns";
import type { NormalizedMonitoringArgs } from "./args";

/** Who alerts reach. Every URL and key is kept secret: in a Kubernetes Secret read from a file, or an SNS subscription. */
export interface AlertReceivers {
  /** E-mail addresses subscribed to the alert topic (AWS platforms); each confirms once, by e-mail. */
  emails?: readonly string[];
  /** A Slack incoming-webhook URL (Alertmanager on `eks` and `kubernetes`). */
  slackWebhookUrl?: pulumi.Input<string>;
  /** A webhook that receives every alert (Alertmanager's webhook payload; on `ecs`, SNS's HTTPS notifications). */
  webhookUrl?: pulumi.Input<string>;
  /** A PagerDuty Events API v2 integration key: critical alerts page. */
  pagerDutyKey?: pulumi.Input<string>;
}

/** The Secret Alertmanager reads receiver URLs and keys from, mounted under /etc/alertmanager/secrets/<name>/. */
export const RECEIVER_SECRET = "alertmanager-receiver";
const secretFile = (key: string) => `/etc/alertmanager/secrets/${RECEIVER_SECRET}/${key}`;

/** The keys of the receiver Secret, one per configured URL or key. */
export function receiverSecretData(receivers: AlertReceivers): Record<string, pulumi.Output<string>> {
  const data: Record<string, pulumi.Output<string>> = {};
  if (receivers.slackWebhookUrl !== undefined) data["slack-url"] = pulumi.secret(receivers.slackWebhookUrl);
  if (receivers.webhookUrl !== undefined) data["webhook-url"] = pulumi.secret(receivers.webhookUrl);
  if (receivers.pagerDutyKey !== undefined) data["pagerduty-key"] = pulumi.secret(receivers.pagerDutyKey);
  return data;
}

/** Where Alertmanager publishes to SNS (eks): the topic, its region, and that a role of the service account signs. */
export interface SnsTarget {
  readonly topicArn: pulumi.Input<string>;
  readonly region: string;
}

/** How alerts are grouped and repeated, the same for Alertmanager in the cluster and for AMP's. */
export const ROUTE_TIMING = { group_by: ["alertname", "job"], group_wait: "30s", group_interval: "5m", repeat_interval: "4h" };

/** One SNS receiver entry (SigV4 in the topic's region), as in-cluster Alertmanager and AMP both send it. */
export function snsConfig<Arn extends pulumi.Input<string>>(topicArn: Arn, region: string) {
  return { topic_arn: topicArn, sigv4: { region }, subject: "agentyard {{ .Status }}: {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})", send_resolved: true };
}

/**
 * Alertmanager's routing, by severity: `critical` alerts go to the `critical` receiver (PagerDuty,
 * plus everything the default has), everything else to `default` (Slack, webhook, SNS for e-mail);
 * Watchdog, the always-firing heartbeat, to `null`. Unrouted, both receivers are empty.
 * URLs and keys are read from files (`api_url_file`, `url_file`, `routing_key_file`), so the
 * config holds no secret: https://prometheus.io/docs/alerting/latest/configuration/#receiver-integration-settings
 */
export function alertmanagerConfig(cfg: Pick<NormalizedMonitoringArgs, "alertsRouted">, receivers: AlertReceivers, sns?: SnsTarget) {
  const routed = cfg.alertsRouted;
  const common = routed
    ? {
        ...(receivers.slackWebhookUrl !== undefined
          ? {
              slack_configs: [
                {
                  api_url_file: secretFile("slack-url"),
                  send_resolved: true,
                  title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})",
                  text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}",
                },
              ],
            }
          : {}),
        ...(receivers.webhookUrl !== undefined ? { webhook_configs: [{ url_file: secretFile("webhook-url"), send_resolved: true }] } : {}),
        ...(sns !== undefined
          ? { sns_configs: [snsConfig(sns.topicArn, sns.region)] }
          : {}),
      }
    : {};
  const paging = routed && receivers.pagerDutyKey !== undefined ? { pagerduty_configs: [{ routing_key_file: secretFile("pagerduty-key"), send_resolved: true, severity: "critical" }] } : {};
  return {
    route: {
      receiver: "default",
      ...ROUTE_TIMING,
      routes: [
        { receiver: "null", matchers: ['alertname="Watchdog"'] },
        { receiver: "critical", matchers: ['severity="critical"'], repeat_interval: "1h" },
      ],
    },
    receivers: [{ name: "null" }, { name: "default", ...common }, { name: "critical", ...common, ...paging }],
    inhibit_rules: [{ source_matchers: ["severity=critical"], target_matchers: ["severity=warning"], equal: ["alertname", "job"] }],
  };
}

/**
 * PagerDuty's Amazon CloudWatch integration: an HTTPS subscription of the topic to the
 * integration URL, which PagerDuty confirms by itself; it reads CloudWatch alarm notifications:
 * https://support.pagerduty.com/main/docs/amazon-cloudwatch-integration-guide
 */
export function pagerDutyCloudWatchUrl(key: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(pulumi.interpolate`https://events.pagerduty.com/integration/${key}/enqueue`);
}

/**
 * The topics' subscriptions: e-mails and the webhook on the alert topic, PagerDuty on the
 * critical topic. An e-mail subscription stays "pending confirmation" until its owner clicks the
 * link AWS sends; an HTTPS endpoint must confirm the SubscriptionConfirmation it receives:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html
 * https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 */
export function subscribeReceivers(parent: pulumi.Resource, name: string, receivers: AlertReceivers, topics: { alerts: sns.Topic; critical: sns.Topic | undefined }): sns.TopicSubscription[] {
  const child = { parent };
  const made: sns.TopicSubscription[] = [];
  for (const [i, email] of (receivers.emails ?? []).entries()) {
    made.push(new sns.TopicSubscription(`${name}-alerts-email-${i + 1}`, { topic: topics.alerts.arn, protocol: "email", endpoint: email }, child));
  }
  if (receivers.webhookUrl !== undefined) {
    made.push(new sns.TopicSubscription(`${name}-alerts-webhook`, { topic: topics.alerts.arn, protocol: "https", endpoint: pulumi.secret(receivers.webhookUrl) }, child));
  }
  if (receivers.pagerDutyKey !== undefined && topics.critical !== undefined) {
    made.push(
      new sns.TopicSubscription(
        `${name}-critical-pagerduty`,
        { topic: topics.critical.arn, protocol: "https", endpoint: pagerDutyCloudWatchUrl(receivers.pagerDutyKey), endpointAutoConfirms: true },
        child,
      ),
    );
  }
  return made;
}
