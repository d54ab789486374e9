import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../../infra/config/schema";
import { stackRegion } from "../../infra/naming";
import { type MonitoringStackArgs, normalizeMonitoringArgs } from "./args";
import { createAwsAlerting, createManagedPrometheus } from "./aws";
import { ECS_COLLECTOR_NAME, type ScrapeTarget, createEcsCollector } from "./ecs-collector";
import { OTLP_HTTP_PORT } from "../../infra/monitoring/otel-collector";
import { createEksContainerLogs } from "../../infra/cluster/eks-logging";
import { createEcsExporters } from "./ecs-exporters";
import { createKubernetesMonitoring } from "./kubernetes";

export type { MonitoringStackArgs } from "./args";
export { SCRAPE_LABEL } from "./labels";
export type { ScrapeTarget } from "./ecs-collector";

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
  /**
   * The OpenTelemetry collector's OTLP/HTTP endpoint (port 4318; gRPC on 4317) for services'
   * OTEL_EXPORTER_OTLP_ENDPOINT: in-cluster on `eks` and `kubernetes`, the ECS collector's Cloud Map
   * name on `ecs` with managed Prometheus; undefined where no collector runs (dev-ecs).
   */
  readonly otlpEndpoint: pulumi.Output<string> | undefined;
  /** Where ECS collectors remote-write (Amazon Managed Service for Prometheus). */
  readonly remoteWriteUrl: pulumi.Output<string> | undefined;
  readonly warnings: readonly string[];
  private readonly managed: { workspaceArn: pulumi.Output<string>; remoteWriteUrl: pulumi.Output<string> } | undefined;
  private readonly monitoringName: string;
  private readonly ecsArgs: Pick<MonitoringStackArgs, "ecsCluster" | "traceExport" | "dataTier"> & { logRetentionDays: number };
  private collecting = false;

  constructor(name: string, args: MonitoringStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const cfg = normalizeMonitoringArgs(name, args);
    super("agentyard:components:MonitoringStack", name, {}, opts);
    this.platform = cfg.platform;
    const warnings: string[] = [];

    // Alarms with nowhere to go cost money and page no one: on AWS they come with routing.
    const alerting = cfg.platform !== "kubernetes" && cfg.alertsRouted ? createAwsAlerting(this, name, cfg, args.dataTier, cfg.receivers) : undefined;
    this.alertTopicArn = alerting?.topic.arn;
    if (cfg.platform === "ecs") {
      this.managed = cfg.managedPrometheus ? createManagedPrometheus(this, name, cfg, alerting) : undefined;
      this.remoteWriteUrl = this.managed?.remoteWriteUrl;
      this.otlpEndpoint = this.managed && args.ecsCluster ? pulumi.interpolate`http://${ECS_COLLECTOR_NAME}.${args.ecsCluster.namespaceName}:${OTLP_HTTP_PORT}` : undefined;
      this.grafanaUrl = undefined;
      this.grafanaAdminSecretName = undefined;
      this.namespace = undefined;
    } else {
      // Pod logs to CloudWatch Logs on eks (on kubernetes the cluster's own logging applies: README).
      if (cfg.platform === "eks" && args.cluster) createEksContainerLogs(this, name, args.cluster, cfg.logRetentionDays);
      const k8s = createKubernetesMonitoring(this, name, cfg, args, alerting ? { arn: alerting.topic.arn, keyArn: alerting.keyArn } : undefined);
      warnings.push(...k8s.warnings);
      this.remoteWriteUrl = undefined;
      this.managed = undefined;
      this.grafanaUrl = k8s.grafanaUrl;
      this.grafanaAdminSecretName = k8s.grafanaAdminSecretName;
      this.otlpEndpoint = k8s.otlpEndpoint;
      this.namespace = k8s.namespace;
    }
    this.warnings = warnings;
    this.monitoringName = name;
    this.ecsArgs = { ecsCluster: args.ecsCluster, traceExport: args.traceExport, dataTier: args.dataTier, logRetentionDays: cfg.logRetentionDays };
    for (const warning of warnings) pulumi.log.warn(`MonitoringStack "${name}": ${warning}`, this);
    this.registerOutputs({ grafanaUrl: this.grafanaUrl, alertTopicArn: this.alertTopicArn, remoteWriteUrl: this.remoteWriteUrl, otlpEndpoint: this.otlpEndpoint, warnings });
  }

  /**
   * On `ecs` with managed Prometheus: runs the metrics collector that scrapes these services
   * (found through Cloud Map) into the workspace. Elsewhere nothing to do: the ServiceMonitor
   * finds labelled services by itself, and without managed Prometheus there is no workspace.
   * @example
   * ```ts
   * monitoring.collect([{ job: "sandbox", dnsName: "sandbox.prod.internal", port: 8080, securityGroupId: sandbox.securityGroupId }]);
   * ```
   */
  collect(targets: readonly ScrapeTarget[]): void {
    if (!this.managed || this.platform !== "ecs" || targets.length === 0) return;
    if (this.collecting) throw new Error(`MonitoringStack "${this.monitoringName}": collect is called once, with every target`);
    if (!this.ecsArgs.ecsCluster) throw new Error(`MonitoringStack "${this.monitoringName}": on ecs, collect needs ecsCluster`);
    this.collecting = true;
    const data = this.ecsArgs.dataTier;
    // The data tier's exporters are scraped as every service is (RDS and ElastiCache only: AWS stores).
    const exporters = data?.databaseIdentifier
      ? createEcsExporters(this, this.monitoringName, { cluster: this.ecsArgs.ecsCluster, data, region: stackRegion(), logRetentionDays: this.ecsArgs.logRetentionDays })
      : [];
    createEcsCollector(
      this,
      this.monitoringName,
      {
        cluster: this.ecsArgs.ecsCluster,
        workspaceArn: this.managed.workspaceArn,
        remoteWriteUrl: this.managed.remoteWriteUrl,
        region: stackRegion(),
        logRetentionDays: this.ecsArgs.logRetentionDays,
        traceExport: this.ecsArgs.traceExport,
      },
      [...targets, ...exporters],
    );
  }
}
