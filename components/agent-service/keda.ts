import * as pulumi from "@pulumi/pulumi";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as helm from "@pulumi/kubernetes/helm/v3";
import { currentScope } from "../../infra/naming";
import type { AppAutoscaling } from "./app-args";

/**
 * KEDA, pinned (a range would change what `pulumi up` installs without a diff). Chart 2.21.1 is
 * app v2.21.1 (https://github.com/kedacore/charts/discussions/937), the newest release found on
 * 2026-12-02. No values are set, so no value key can go stale: the chart's defaults
 * (`crds.install: true`) install its CRDs and operator into the release namespace. The newest copy
 * of kedacore/charts readable here is main at 1444d00 (2026-08-13, chart 2.20.2): our ScaledObject
 * validates against its keda.sh/v1alpha1 ScaledObject schema (keda/templates/crds/), checked by hand
 * (docs/versions.md); 2.21's own CRD could not be read.
 */
export const KEDA_CHART = { chart: "keda", version: "2.21.1", repo: "https://kedacore.github.io/charts", namespace: "keda" } as const;

/**
 * kube-prometheus-stack's Prometheus as MonitoringStack installs it: `fullnameOverride: kps` makes
 * the Service `kps-prometheus` (port 9090) in the stack's monitoring namespace.
 */
export function defaultPrometheusUrl(): string {
  const scope = currentScope();
  return `http://kps-prometheus.${`${scope.project}-${scope.stack}-monitoring`.slice(0, 63)}.svc:9090`;
}

// One KEDA per cluster: the first AgentService that scales on Prometheus installs it, the others wait for it.
const installed = new WeakMap<object, helm.Release>();
const ambient = {};

function kedaFor(parent: pulumi.Resource, name: string, provider: pulumi.ProviderResource | undefined): helm.Release {
  const key = provider ?? ambient;
  let release = installed.get(key);
  if (!release) {
    release = new helm.Release(
      `${name}-keda`,
      { name: "keda", chart: KEDA_CHART.chart, version: KEDA_CHART.version, repositoryOpts: { repo: KEDA_CHART.repo }, namespace: KEDA_CHART.namespace, createNamespace: true, atomic: true },
      { parent, provider },
    );
    installed.set(key, release);
  }
  return release;
}

export interface ScaledObjectSpec {
  readonly namespace: pulumi.Input<string>;
  readonly deploymentName: pulumi.Input<string>;
  readonly appName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuTargetPercent: number;
  readonly memoryTargetPercent: number;
  readonly autoscaling: AppAutoscaling;
}

/**
 * A KEDA ScaledObject in place of our HPA (KEDA makes and owns the HPA: two would fight over the
 * replicas). Triggers: CPU and memory as before, the app's Prometheus query, and requests per
 * replica as the rate of the request counter. The prometheus trigger's threshold is a target
 * value per replica (https://keda.sh/docs/latest/scalers/prometheus/); cpu and memory triggers take
 * `metricType: Utilization` (https://keda.sh/docs/latest/scalers/cpu/).
 */
export function createScaledObject(parent: pulumi.Resource, name: string, spec: ScaledObjectSpec, provider: pulumi.ProviderResource | undefined): apiextensions.CustomResource {
  const keda = kedaFor(parent, name, provider);
  const serverAddress = spec.autoscaling.prometheusUrl ?? defaultPrometheusUrl();
  const triggers: Array<Record<string, unknown>> = [
    { type: "cpu", metricType: "Utilization", metadata: { value: String(spec.cpuTargetPercent) } },
    { type: "memory", metricType: "Utilization", metadata: { value: String(spec.memoryTargetPercent) } },
  ];
  if (spec.autoscaling.prometheus) {
    triggers.push({ type: "prometheus", name: "app-metric", metadata: { serverAddress, query: spec.autoscaling.prometheus.query, threshold: String(spec.autoscaling.prometheus.threshold) } });
  }
  if (spec.autoscaling.requestsPerTarget) {
    const metric = spec.autoscaling.requestsMetric ?? "http_requests_total";
    const query = pulumi.interpolate`sum(rate(${metric}{namespace="${spec.namespace}",service="${spec.appName}"}[2m])) * 60`;
    triggers.push({ type: "prometheus", name: "requests-per-replica", metadata: { serverAddress, query, threshold: String(spec.autoscaling.requestsPerTarget) } });
  }
  return new apiextensions.CustomResource(
    `${name}-scaled-object`,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: spec.appName, namespace: spec.namespace },
      spec: {
        scaleTargetRef: { name: spec.deploymentName },
        minReplicaCount: spec.minReplicas,
        maxReplicaCount: spec.maxReplicas,
        // Up fast, down slowly, as the HPA it replaces.
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 60 }] },
              scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Percent", value: 20, periodSeconds: 60 }] },
            },
          },
        },
        triggers,
      },
    },
    { parent, provider, dependsOn: [keda] },
  );
}
