import * as pulumi from "@pulumi/pulumi";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import { appLabels, restrictedContainerSecurity, restrictedPodSecurity } from "../../infra/kubernetes/hardening";
import { applyTransform } from "../../infra/transform";
import type { DataTier } from "../data-tier";
import type { MonitoringStackArgs } from "./args";
import { SCRAPE_LABEL } from "./labels";

export const EXPORTER_IMAGES = {
  postgres: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
  redis: "oliver006/redis_exporter:v1.74.0",
} as const;

interface ExporterSpec {
  readonly key: "postgres" | "redis";
  readonly port: number;
  readonly env: Array<{ name: string; value?: pulumi.Input<string>; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
}

/**
 * postgres_exporter and redis_exporter next to the in-cluster stores, in the data namespace
 * (where their credentials are), scraped through the agentyard ServiceMonitor.
 */
export function createExporters(parent: pulumi.Resource, name: string, args: MonitoringStackArgs, data: DataTier): void {
  const namespace = data.namespace as pulumi.Output<string>;
  const specs: ExporterSpec[] = [
    {
      key: "postgres",
      port: 9187,
      env: [
        { name: "DATA_SOURCE_URI", value: pulumi.interpolate`${data.databaseHost}:${data.databasePort}/${data.databaseName}?sslmode=disable` },
        { name: "DATA_SOURCE_USER", valueFrom: { secretKeyRef: { name: "postgres-credentials", key: "POSTGRES_USER" } } },
        { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: "postgres-credentials", key: "POSTGRES_PASSWORD" } } },
      ],
    },
    {
      key: "redis",
      port: 9121,
      env: [
        { name: "REDIS_ADDR", value: pulumi.interpolate`redis://${data.cacheHost}:${data.cachePort}` },
        { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-credentials", key: "REDIS_PASSWORD" } } },
      ],
    },
  ];
  for (const spec of specs) {
    const labels = { ...appLabels(`${spec.key}-exporter`, "metrics-exporter", name), ...SCRAPE_LABEL };
    const selector = { "app.kubernetes.io/name": `${spec.key}-exporter`, "app.kubernetes.io/instance": name };
    new apps.Deployment(
      ...applyTransform(
        args.transform?.exporter,
        `${name}-${spec.key}-exporter`,
        {
          metadata: { name: `${spec.key}-exporter`, namespace, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: {
              metadata: { labels },
              spec: {
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurity(65534),
                containers: [
                  {
                    name: "exporter",
                    image: EXPORTER_IMAGES[spec.key],
                    ports: [{ name: "http", containerPort: spec.port }],
                    env: spec.env,
                    readinessProbe: { httpGet: { path: "/metrics", port: "http" }, periodSeconds: 15, timeoutSeconds: 5 },
                    livenessProbe: { httpGet: { path: "/metrics", port: "http" }, initialDelaySeconds: 15, periodSeconds: 30, timeoutSeconds: 5 },
                    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                    securityContext: restrictedContainerSecurity(),
                  },
                ],
              },
            },
          },
        },
        // The credentials Secrets are the data tier's, named by it: wait for the tier to exist.
        { parent, provider: args.provider, dependsOn: [data] },
      ),
    );
    new core.Service(
      `${name}-${spec.key}-exporter-service`,
      { metadata: { name: `${spec.key}-exporter`, namespace, labels }, spec: { selector, ports: [{ name: "http", port: spec.port, targetPort: "http" }] } },
      { parent, provider: args.provider },
    );
  }
}
