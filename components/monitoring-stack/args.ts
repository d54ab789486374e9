import { ALERT_GROUPS, type RuleGroup } from "../../infra/monitoring/rules";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { ConfigError } from "../../infra/config/problems";
import { type Platform, type PresetName, monitoringSection } from "../../infra/config/schema";
import { argProblems, definedOnly } from "../../infra/config/zod-problems";
import type { Transform } from "../../infra/transform";
import { PRESETS } from "../../infra/config/presets";
import type { EcsCluster } from "../../infra/cluster/ecs";
import type { DataTier } from "../data-tier";
import type { EksCluster } from "../../infra/cluster/eks";
import type { AlertReceivers } from "./alert-receivers";

export interface MonitoringStackArgs {
  /**
   * Where it renders: kube-prometheus-stack on `eks` and `kubernetes`; Amazon Managed Service for Prometheus on `ecs`.
   * @example
   * ```ts
   * { platform: "eks" }
   * ```
   */
  platform: Platform;
  /**
   * The environment preset that fills every setting not given here.
   * @default "prod"
   * @example
   * ```ts
   * { preset: "dev" }
   * ```
   */
  preset?: PresetName;
  /**
   * Prometheus retention in hours.
   * @default the preset's (dev 48, staging 200 as the seeds, prod 720)
   * @example
   * ```ts
   * { retentionHours: 200 }
   * ```
   */
  retentionHours?: number;
  /**
   * Prometheus volume size in GiB.
   * @default the preset's (dev 10, staging 50, prod 200)
   * @example
   * ```ts
   * { storageGb: 100 }
   * ```
   */
  storageGb?: number;
  /**
   * On `ecs`: Amazon Managed Service for Prometheus with the rules; off, Container Insights only.
   * @default the preset's (dev false, staging and prod true)
   * @example
   * ```ts
   * { managedPrometheus: true }
   * ```
   */
  managedPrometheus?: boolean;
  /**
   * Send alerts to the receiver (and, on AWS, to the SNS topic); off, they show in Alertmanager only.
   * @default the preset's (dev false, staging and prod true)
   * @example
   * ```ts
   * { alertsRouted: true }
   * ```
   */
  alertsRouted?: boolean;
  /**
   * Where Alertmanager sends alerts (platforms `eks`, `kubernetes`): a Slack incoming-webhook URL
   * or any webhook, kept in a Kubernetes Secret and read from a file, never in the config map.
   * @example
   * ```ts
   * { alertReceiver: { type: "slack", url: config.requireSecret("slackWebhookUrl") } }
   * ```
   */
  alertReceiver?: { type: "slack" | "webhook"; url: pulumi.Input<string> };
  /**
   * Who alerts reach, routed by severity (critical pages through PagerDuty): e-mails subscribed to
   * the SNS topic (AWS), a Slack or webhook URL and a PagerDuty key, kept secret. In prod, routed
   * alerts with no receiver are refused.
   * @example
   * ```ts
   * { alerts: { emails: ["oncall@example.com"], pagerDutyKey: config.requireSecret("pagerDutyKey") } }
   * ```
   */
  alerts?: AlertReceivers;
  /**
   * Where the OpenTelemetry collector sends traces: an OTLP/HTTP endpoint and its Authorization
   * header (secret). Unset: AWS X-Ray on `eks` and `ecs`; on `kubernetes` traces are received and dropped.
   * @example
   * ```ts
   * { traceExport: { endpoint: "https://otlp.example.com", authorization: config.requireSecret("otlpAuth") } }
   * ```
   */
  traceExport?: { endpoint: string; authorization?: pulumi.Input<string> };
  /**
   * The EKS cluster (platform `eks`): roles for the collector and Alertmanager through IRSA, container logs to CloudWatch.
   * @example
   * ```ts
   * { cluster }
   * ```
   */
  cluster?: EksCluster;
  /**
   * Serve Grafana on this host through the ingress; without it Grafana stays internal (port-forward).
   * @example
   * ```ts
   * { grafanaHost: "grafana.agents.example.com" }
   * ```
   */
  grafanaHost?: string;
  /**
   * Ingress class for Grafana's host.
   * @default "nginx"
   * @example
   * ```ts
   * { ingressClassName: "alb" }
   * ```
   */
  ingressClassName?: string;
  /**
   * The data tier to watch: exporters in-cluster (`kubernetes`), CloudWatch alarms on AWS.
   * @example
   * ```ts
   * { dataTier: data }
   * ```
   */
  dataTier?: DataTier;
  /**
   * Namespace of the monitoring stack (platforms `eks`, `kubernetes`); created when not given.
   * @default "<project>-<stack>-monitoring", created
   * @example
   * ```ts
   * { namespace: "monitoring" }
   * ```
   */
  namespace?: pulumi.Input<string>;
  /**
   * The ECS cluster the metrics collector runs in (platform `ecs` with managed Prometheus).
   * @example
   * ```ts
   * { ecsCluster }
   * ```
   */
  ecsCluster?: EcsCluster;
  /**
   * Kubernetes provider (the EKS cluster's on `eks`).
   * @default the ambient kubeconfig
   * @example
   * ```ts
   * { provider: cluster.provider }
   * ```
   */
  provider?: pulumi.ProviderResource;
  /**
   * StorageClass of Prometheus's volume (platforms `eks`, `kubernetes`), named explicitly: EKS clusters since 1.30
   * have no default class.
   * @default the cluster's default class
   * @example
   * ```ts
   * { storageClassName: cluster.storageClassName }
   * ```
   */
  storageClassName?: pulumi.Input<string>;
  /**
   * kube-prometheus-stack chart version.
   * @default "81.6.9"
   * @example
   * ```ts
   * { chartVersion: "81.6.9" }
   * ```
   */
  chartVersion?: string;
  /**
   * Days CloudWatch keeps the alarm topic's delivery logs and AMP's logs.
   * @default the preset's `logs.retentionDays`
   * @example
   * ```ts
   * { logRetentionDays: 30 }
   * ```
   */
  logRetentionDays?: number;
  /**
   * Edits child resources' args before they are created.
   * @example
   * ```ts
   * { transform: { release: (args) => { args.timeout = 900; } } }
   * ```
   */
  /**
   * Alert groups for apps with their own metric names and labels, beside the shipped ones.
   * @example
   * ```ts
   * { appRuleGroups: [appAlertGroup("cartrita", { statusLabel: "status_code" })] }
   * ```
   */
  appRuleGroups?: RuleGroup[];
  transform?: {
    release?: Transform<k8s.helm.v3.ReleaseArgs>;
    exporter?: Transform<k8s.apps.v1.DeploymentArgs>;
  };
}

export interface NormalizedMonitoringArgs {
  readonly platform: Platform;
  readonly preset: PresetName;
  /** The receivers, with the older `alertReceiver` folded in. */
  readonly receivers: AlertReceivers;
  readonly retentionHours: number;
  readonly storageGb: number;
  readonly alertsRouted: boolean;
  readonly managedPrometheus: boolean;
  readonly chartVersion: string;
  readonly logRetentionDays: number;
  /** The shipped alert groups and the apps' own. */
  readonly ruleGroups: readonly RuleGroup[];
}

/*
 * The newest 81.x (2026-02-13): the same Prometheus Operator (v0.88.1) and CRDs as 81.6.2, grafana subchart
 * 11.1.1 -> 11.1.5, and values.yaml changed only in image tags, so our values keep their keys. 82.x to 88.x (88.5.3 on
 * 2026-08-21, later ones reported) each need the new operator's CRDs applied by hand before the upgrade
 * (UPGRADE.md), 84.x brings Grafana 13 and 85.x distroless images: a planned upgrade, not a pin bump (docs/versions.md).
 */
export const DEFAULT_CHART_VERSION = "81.6.9";

export function normalizeMonitoringArgs(name: string, args: MonitoringStackArgs): NormalizedMonitoringArgs {
  const preset = PRESETS[args.preset ?? "prod"];
  const settings = {
    ...preset.monitoring,
    ...definedOnly({ retentionHours: args.retentionHours, storageGb: args.storageGb, alertsRouted: args.alertsRouted, managedPrometheus: args.managedPrometheus }),
  };
  const parsed = monitoringSection.safeParse(settings);
  if (!parsed.success) throw new ConfigError(`MonitoringStack "${name}"`, argProblems(parsed.error, settings, "monitoring"));
  const chartVersion = args.chartVersion ?? DEFAULT_CHART_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(chartVersion)) {
    throw new ConfigError(`MonitoringStack "${name}"`, [{ key: "chartVersion", got: chartVersion, expected: "an exact chart version such as 81.6.9 (pinned: a range would change the plan on its own)" }]);
  }
  if (args.grafanaHost !== undefined && args.platform === "ecs") {
    throw new ConfigError(`MonitoringStack "${name}"`, [{ key: "grafanaHost", got: args.grafanaHost, expected: "not set on ecs (Grafana runs in-cluster on eks and kubernetes only)" }]);
  }
  const receivers: AlertReceivers = {
    ...args.alerts,
    slackWebhookUrl: args.alerts?.slackWebhookUrl ?? (args.alertReceiver?.type === "slack" ? args.alertReceiver.url : undefined),
    webhookUrl: args.alerts?.webhookUrl ?? (args.alertReceiver?.type === "webhook" ? args.alertReceiver.url : undefined),
  };
  const presetName = args.preset ?? "prod";
  const someone = (receivers.emails?.length ?? 0) > 0 || receivers.slackWebhookUrl !== undefined || receivers.webhookUrl !== undefined || receivers.pagerDutyKey !== undefined;
  if (presetName === "prod" && parsed.data.alertsRouted && !someone) {
    throw new ConfigError(`MonitoringStack "${name}"`, [{ key: "alerts", got: undefined, expected: "at least one receiver in prod while alertsRouted is on (emails, slackWebhookUrl, webhookUrl or pagerDutyKey): an alert must reach someone" }]);
  }
  return { platform: args.platform, preset: presetName, receivers, ...parsed.data, chartVersion, logRetentionDays: args.logRetentionDays ?? preset.logs.retentionDays, ruleGroups: [...ALERT_GROUPS, ...(args.appRuleGroups ?? [])] };
}
