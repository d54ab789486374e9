import * as pulumi from "@pulumi/pulumi";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as core from "@pulumi/kubernetes/core/v1";
import * as helm from "@pulumi/kubernetes/helm/v3";
import * as random from "@pulumi/random";
import { DASHBOARDS } from "../../infra/monitoring/dashboards";
import { rulesDocument } from "../../infra/monitoring/rules";
import { currentScope, stackRegion } from "../../infra/naming";
import { applyTransform } from "../../infra/transform";
import type { MonitoringStackArgs, NormalizedMonitoringArgs } from "./args";
import { RECEIVER_SECRET, alertmanagerConfig, receiverSecretData } from "./alert-receivers";
import { alertmanagerSnsRole } from "./alertmanager-role";
import { createAwsExporters, createExporters } from "./exporters";
import { SCRAPE_LABEL } from "./labels";
import { createOtelCollector } from "./otel-collector";

export const CHART_REPOSITORY = "https://prometheus-community.github.io/helm-charts";

export interface KubernetesMonitoring {
  readonly namespace: pulumi.Output<string>;
  readonly release: helm.Release;
  readonly grafanaUrl: pulumi.Output<string>;
  readonly grafanaAdminSecretName: pulumi.Output<string>;
  /** The OpenTelemetry collector's OTLP/HTTP endpoint. */
  readonly otlpEndpoint: pulumi.Output<string>;
  readonly warnings: string[];
}

/** The alert topic Alertmanager publishes to on `eks` (for e-mail), with the key it is encrypted under. */
export interface AlertTopic {
  readonly arn: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;
}

export function createKubernetesMonitoring(parent: pulumi.Resource, name: string, cfg: NormalizedMonitoringArgs, args: MonitoringStackArgs, topic?: AlertTopic): KubernetesMonitoring {
  const child = { parent, provider: args.provider };
  const scope = currentScope();
  const warnings: string[] = [];
  const namespace = args.namespace
    ? pulumi.output(args.namespace)
    : new core.Namespace(`${name}-namespace`, { metadata: { name: `${scope.project}-${scope.stack}-monitoring`.slice(0, 63), labels: { "app.kubernetes.io/part-of": "agentyard" } } }, child).metadata.name;

  const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent });
  const grafanaSecret = new core.Secret(
    `${name}-grafana-admin`,
    { metadata: { name: "grafana-admin", namespace }, type: "Opaque", stringData: { "admin-user": "admin", "admin-password": password.result } },
    child,
  );
  const secretData = receiverSecretData(cfg.receivers);
  const hasSecret = Object.keys(secretData).length > 0;
  if (hasSecret) {
    new core.Secret(`${name}-alert-receiver`, { metadata: { name: RECEIVER_SECRET, namespace }, type: "Opaque", stringData: secretData }, child);
  }
  // On eks, e-mail goes through the SNS topic: Alertmanager publishes with a role of its own (IRSA).
  const sns = topic && args.cluster && cfg.alertsRouted && (cfg.receivers.emails?.length ?? 0) > 0 ? alertmanagerSnsRole(parent, name, args.cluster, namespace, topic) : undefined;
  if (cfg.alertsRouted && !hasSecret && sns === undefined) {
    warnings.push("alertsRouted is on but no receiver reaches Alertmanager (monitoring.alerts): alerts show in Alertmanager only");
  }

  const values = {
    fullnameOverride: "kps",
    prometheus: {
      prometheusSpec: {
        retention: `${cfg.retentionHours}h`,
        // Leave headroom on the volume: Prometheus stops ingesting when the disk is full.
        retentionSize: `${Math.floor(cfg.storageGb * 0.85)}GB`,
        // prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName in the chart's values.yaml.
        storageSpec: { volumeClaimTemplate: { spec: { storageClassName: args.storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${cfg.storageGb}Gi` } } } } },
        // Select every rule and monitor in the cluster, not only those labelled with this release.
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } },
        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
      },
    },
    alertmanager: {
      config: alertmanagerConfig(cfg, cfg.receivers, sns ? { topicArn: topic?.arn ?? "", region: stackRegion() } : undefined),
      serviceAccount: sns ? { annotations: { "eks.amazonaws.com/role-arn": sns.arn } } : {},
      alertmanagerSpec: { secrets: hasSecret ? [RECEIVER_SECRET] : [], resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } } },
    },
    grafana: {
      admin: { existingSecret: grafanaSecret.metadata.name, userKey: "admin-user", passwordKey: "admin-password" },
      sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
      ingress: args.grafanaHost
        ? { enabled: true, ingressClassName: args.ingressClassName ?? "nginx", hosts: [args.grafanaHost], path: "/" }
        : { enabled: false },
      "grafana.ini": { "auth.anonymous": { enabled: false }, users: { allow_sign_up: false }, security: { cookie_secure: args.grafanaHost !== undefined, disable_gravatar: true } },
    },
  };
  const release = new helm.Release(
    ...applyTransform(
      args.transform?.release,
      `${name}-kube-prometheus-stack`,
      {
        name: "kps",
        chart: "kube-prometheus-stack",
        version: cfg.chartVersion,
        repositoryOpts: { repo: CHART_REPOSITORY },
        namespace,
        values,
        atomic: true,
        timeout: 900,
      },
      child,
    ),
  );

  const afterCrds = { parent, provider: args.provider, dependsOn: [release] };
  new apiextensions.CustomResource(
    `${name}-alert-rules`,
    { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "agentyard-alerts", namespace, labels: { "app.kubernetes.io/part-of": "agentyard" } }, spec: rulesDocument() },
    afterCrds,
  );
  new apiextensions.CustomResource(
    `${name}-service-monitor`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "agentyard-services", namespace },
      spec: {
        namespaceSelector: { any: true },
        selector: { matchLabels: { "app.kubernetes.io/part-of": "agentyard", ...SCRAPE_LABEL } },
        endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
      },
    },
    afterCrds,
  );
  for (const [uid, dashboard] of Object.entries(DASHBOARDS)) {
    new core.ConfigMap(
      `${name}-dashboard-${uid}`,
      { metadata: { name: uid, namespace, labels: { grafana_dashboard: "1" } }, data: { [`${uid}.json`]: JSON.stringify(dashboard) } },
      child,
    );
  }
  if (args.dataTier?.namespace) createExporters(parent, name, args, args.dataTier);
  else if (args.dataTier?.databaseIdentifier && cfg.platform === "eks") createAwsExporters(parent, name, args, args.dataTier, namespace);
  const otlpEndpoint = createOtelCollector(parent, name, cfg, args, namespace);

  return {
    namespace,
    release,
    grafanaUrl: args.grafanaHost ? pulumi.output(`https://${args.grafanaHost}`) : pulumi.interpolate`http://kps-grafana.${namespace}.svc.cluster.local`,
    grafanaAdminSecretName: grafanaSecret.metadata.name,
    otlpEndpoint,
    warnings,
  };
}
