import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../../infra/config/schema";
import { type MonitoringStackArgs, normalizeMonitoringArgs } from "./args";
import { createAwsAlerting, createManagedPrometheus } from "./aws";
import { createKubernetesMonitoring } from "./kubernetes";

export type { MonitoringStackArgs } from "./args";
export { SCRAPE_LABEL } from "./labels";

/**
 * Prometheus, Alertmanager and Grafana with agentyard's alert rules and dashboards. On `eks` and
 * `kubernetes`: kube-prometheus-stack (pinned), PrometheusRule, dashboards as ConfigMaps, a
 * ServiceMonitor for every labelled service, exporters for the in-cluster data tier. On `ecs`:
 * Amazon Managed Service for Prometheus with the same rules. On AWS, an SNS topic and CloudWatch
 * alarms for what only CloudWatch sees (RDS storage, connections, CPU; cache memory).
 */
export class MonitoringStack extends pulumi.ComponentResource {
  readonly platform: Platform;
  /** Grafana's URL (in-cluster unless `grafanaHost`); undefined on `ecs`. */
  readonly grafanaUrl: pulumi.Output<string> | undefined;
  /** Kubernetes Secret holding Grafana's admin password (never exported as a value). */
  readonly grafanaAdminSecretName: pulumi.Output<string> | undefined;
  readonly namespace: pulumi.Output<string> | undefined;
  /** The SNS topic alerts go to (AWS platforms). */
  readonly alertTopicArn: pulumi.Output<string> | undefined;
  /** Where ECS collectors remote-write (Amazon Managed Service for Prometheus). */
  readonly remoteWriteUrl: pulumi.Output<string> | undefined;
  readonly warnings: readonly string[];

  constructor(name: string, args: MonitoringStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const cfg = normalizeMonitoringArgs(name, args);
    super("agentyard:components:MonitoringStack", name, {}, opts);
    this.platform = cfg.platform;
    const warnings: string[] = [];

    // Alarms with nowhere to go cost money and page no one: on AWS they come with routing.
    const alerting = cfg.platform !== "kubernetes" && cfg.alertsRouted ? createAwsAlerting(this, name, cfg, args.dataTier) : undefined;
    this.alertTopicArn = alerting?.topic.arn;
    if (cfg.platform === "ecs") {
      this.remoteWriteUrl = cfg.managedPrometheus ? createManagedPrometheus(this, name, cfg, alerting?.topic).remoteWriteUrl : undefined;
      this.grafanaUrl = undefined;
      this.grafanaAdminSecretName = undefined;
      this.namespace = undefined;
    } else {
      const k8s = createKubernetesMonitoring(this, name, cfg, args);
      warnings.push(...k8s.warnings);
      this.remoteWriteUrl = undefined;
      this.grafanaUrl = k8s.grafanaUrl;
      this.grafanaAdminSecretName = k8s.grafanaAdminSecretName;
      this.namespace = k8s.namespace;
    }
    this.warnings = warnings;
    for (const warning of warnings) pulumi.log.warn(`MonitoringStack "${name}": ${warning}`, this);
    this.registerOutputs({ grafanaUrl: this.grafanaUrl, alertTopicArn: this.alertTopicArn, remoteWriteUrl: this.remoteWriteUrl, warnings });
  }
}
