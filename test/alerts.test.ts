import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { dump, load } from "js-yaml";
import { MonitoringStack } from "../components/monitoring-stack";
import { alertmanagerConfig } from "../components/monitoring-stack/alert-receivers";
import { ampAlertmanagerConfig } from "../components/monitoring-stack/aws";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { planComponent, planStack } from "./harness";
import { skipUnlessInstalled } from "./tools";
import { prodStackConfig } from "./prod-config";

const skipAmtool = skipUnlessInstalled("amtool", "--version", "apt-get install prometheus-alertmanager");
const everyone = { emails: ["oncall@example.com"], slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/X", webhookUrl: "https://alerts.example.com/hook", pagerDutyKey: "0123456789abcdef0123456789abcdef" };

type Route = { receiver: string; matchers?: string[]; routes?: Route[] };
type Receiver = { name: string; [kind: string]: unknown };

/** Which receiver Alertmanager picks for an alert with these labels (first matching child route, as with `continue: false`). */
function receiverFor(config: { route: Route }, labels: Record<string, string>): string {
  const matches = (m: string) => {
    const [, key, value] = /^(\w+)="?([^"]*)"?$/.exec(m.replace("=", '="').replace(/""/, '"')) ?? [];
    return labels[key] === value;
  };
  return config.route.routes?.find((r) => (r.matchers ?? []).every(matches))?.receiver ?? config.route.receiver;
}

describe("Alertmanager's configuration, checked by amtool", { skip: skipAmtool }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "agentyard-am-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /*
   * Debian bookworm's amtool is 0.25, older than the Alertmanager the chart runs: it does not know
   * webhook_configs' `url_file` (a later addition, https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
   * That one field is the only complaint allowed; anything else fails the check.
   */
  const check = (name: string, config: unknown) => {
    const file = path.join(dir, `${name}.yml`);
    writeFileSync(file, dump(config, { lineWidth: -1 }));
    try {
      return execFileSync("amtool", ["check-config", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const out = `${String((error as { stdout?: string }).stdout)}${String((error as { stderr?: string }).stderr)}`;
      const complaints = out.split("\n").filter((l) => /^\s+line \d+:/.test(l));
      assert.ok(complaints.length > 0 && complaints.every((l) => /field url_file not found in type config\.plain/.test(l)), out);
      return "SUCCESS but for webhook url_file (amtool 0.25)";
    }
  };

  it("passes `amtool check-config` with every receiver (Slack, webhook, PagerDuty, SNS) and with none", () => {
    const all = alertmanagerConfig({ alertsRouted: true }, everyone, { topicArn: "arn:aws:sns:us-east-1:123456789012:agentyard-prod-alerts", region: "us-east-1" });
    assert.match(check("all", all), /SUCCESS/);
    assert.match(check("none", alertmanagerConfig({ alertsRouted: false }, {})), /SUCCESS/);
  });

  it("passes `amtool check-config` as Amazon Managed Prometheus gets it (SNS receivers only)", () => {
    const amp = ampAlertmanagerConfig("arn:aws:sns:us-east-1:123456789012:agentyard-prod-alerts", "arn:aws:sns:us-east-1:123456789012:agentyard-prod-alerts-critical", "us-east-1");
    assert.match(check("amp", amp), /SUCCESS/);
  });

  it("the config shipped in the prod-like kubernetes stack's Helm values passes as well", async () => {
    const { graph } = await planComponent(() => new MonitoringStack("monitoring", { platform: "kubernetes", preset: "prod", alerts: { slackWebhookUrl: everyone.slackWebhookUrl, pagerDutyKey: everyone.pagerDutyKey } }));
    const values = graph.get("kubernetes:helm.sh/v3:Release", "monitoring-kube-prometheus-stack").inputs.values as { alertmanager: { config: unknown } };
    assert.match(check("shipped", values.alertmanager.config), /SUCCESS/);
  });
});

describe("alert routing by severity", () => {
  const config = alertmanagerConfig({ alertsRouted: true }, everyone, { topicArn: "arn:aws:sns:us-east-1:123456789012:t", region: "us-east-1" });
  const receiver = (name: string) => config.receivers.find((r) => r.name === name) as Receiver;

  it("pages critical alerts through PagerDuty and sends them where warnings go as well", () => {
    assert.equal(receiverFor(config, { alertname: "HighErrorRate", severity: "critical" }), "critical");
    const critical = receiver("critical");
    assert.deepEqual(Object.keys(critical).sort(), ["name", "pagerduty_configs", "slack_configs", "sns_configs", "webhook_configs"]);
  });

  it("sends warnings to Slack, the webhook and the SNS topic (e-mail), never to PagerDuty", () => {
    assert.equal(receiverFor(config, { alertname: "HighResponseTime", severity: "warning" }), "default");
    assert.deepEqual(Object.keys(receiver("default")).sort(), ["name", "slack_configs", "sns_configs", "webhook_configs"]);
    assert.equal(receiverFor(config, { alertname: "Watchdog", severity: "none" }), "null");
  });

  it("keeps every URL and key out of the config: they are read from the mounted Secret", () => {
    const text = JSON.stringify(config);
    assert.doesNotMatch(text, /hooks\.slack\.com|alerts\.example\.com|0123456789abcdef/);
    assert.match(text, /"routing_key_file":"\/etc\/alertmanager\/secrets\/alertmanager-receiver\/pagerduty-key"/);
  });

  it("sends nowhere when alerts are not routed (dev)", () => {
    const quiet = alertmanagerConfig({ alertsRouted: false }, everyone);
    assert.deepEqual(quiet.receivers.map((r) => Object.keys(r)), [["name"], ["name"], ["name"]]);
  });
});

describe("alerts that reach someone on AWS", () => {
  it("subscribes the e-mails to the alert topic and PagerDuty to a critical topic that only critical alarms use (prod)", async () => {
    const graph = (
      await planStack("prod", { override: { "agentyard:monitoring": { alerts: { emails: ["oncall@example.com", "lead@example.com"], pagerDutyKey: everyone.pagerDutyKey } } } })
    ).within("agentyard:components:MonitoringStack");
    const subs = graph.ofType("aws:sns/topicSubscription:TopicSubscription");
    assert.deepEqual(subs.map((s) => [s.name, s.inputs.protocol]).sort(), [
      ["monitoring-alerts-email-1", "email"],
      ["monitoring-alerts-email-2", "email"],
      ["monitoring-critical-pagerduty", "https"],
    ]);
    assert.equal(graph.get("aws:sns/topicSubscription:TopicSubscription", "monitoring-critical-pagerduty").inputs.endpoint, "[secret]");
    const alerts = "arn:aws:sns:us-east-1:123456789012:agentyard-prod-alerts";
    const critical = "arn:aws:sns:us-east-1:123456789012:agentyard-prod-alerts-critical";
    assert.deepEqual(graph.get("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-rds-free-storage").inputs.alarmActions, [alerts, critical]);
    assert.deepEqual(graph.get("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-rds-cpu").inputs.alarmActions, [alerts]);
  });

  it("on eks, lets Alertmanager publish to the topic with a role only its service account can assume", async () => {
    const graph = (await planStack("prod")).within("agentyard:components:MonitoringStack");
    const role = graph.get("aws:iam/role:Role", "monitoring-alertmanager-role");
    assert.match(String(role.inputs.assumeRolePolicy), /system:serviceaccount:agentyard-prod-monitoring:kps-alertmanager/);
    assert.match(String(graph.get("aws:iam/rolePolicy:RolePolicy", "monitoring-alertmanager-role-policy").inputs.policy), /"sns:Publish","Resource":"arn:aws:sns:us-east-1:123456789012:agentyard-prod-alerts"/);
    const values = graph.get("kubernetes:helm.sh/v3:Release", "monitoring-kube-prometheus-stack").inputs.values as { alertmanager: { config: { receivers: Receiver[] }; serviceAccount: { annotations: Record<string, string> } } };
    assert.ok(values.alertmanager.serviceAccount.annotations["eks.amazonaws.com/role-arn"]);
    assert.ok(values.alertmanager.config.receivers.find((r) => r.name === "default")?.sns_configs);
  });

  it("on ecs, routes critical alerts from Amazon Managed Prometheus to both topics", () => {
    const amp = ampAlertmanagerConfig("arn:a", "arn:c", "us-east-1");
    assert.equal(receiverFor(amp as { route: Route }, { severity: "critical" }), "sns-critical");
    const critical = amp.receivers.find((r) => r.name === "sns-critical") as unknown as { sns_configs: Array<{ topic_arn: string }> };
    assert.deepEqual(critical.sns_configs.map((c) => c.topic_arn), ["arn:a", "arn:c"]);
    assert.equal(load(dump(amp)) !== undefined, true);
  });
});

describe("no alert goes unheard in prod", () => {
  const parse = (monitoring: unknown, platform = "eks") =>
    parseStackConfig(prodStackConfig(platform === "ecs" ? "ecs" : "eks", { "agentyard:monitoring": monitoring }), { project: "agentyard", stack: "test" });

  it("refuses routed alerts with no receiver, in the stack config and in the component", () => {
    assert.throws(() => parse({ alertsRouted: true }), (e: unknown) => e instanceof ConfigError && /agentyard:monitoring\.alerts: got nothing, expected at least one receiver in prod/.test(e.message));
    assert.throws(() => new MonitoringStack("m", { platform: "ecs", preset: "prod" }), /alerts: got nothing, expected at least one receiver in prod/);
    assert.doesNotThrow(() => parse({ alertsRouted: false }));
    assert.doesNotThrow(() => parse({ alerts: { pagerDutyKey: everyone.pagerDutyKey } }));
  });

  it("refuses receivers a platform cannot deliver to: Slack on ecs (AMP sends to SNS only)", () => {
    assert.throws(() => parse({ alerts: { slackWebhookUrl: everyone.slackWebhookUrl } }, "ecs"), /monitoring\.alerts\.slackWebhookUrl: got "\[secret\]", expected unset on ecs/);
    assert.throws(() => parse({ alerts: { emails: ["not an address"] } }), /monitoring\.alerts\.emails\.0: got "not an address", expected an e-mail address/);
  });
});
