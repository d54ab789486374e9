import * as pulumi from "@pulumi/pulumi";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import { appLabels, restrictedContainerSecurity, restrictedPodSecurity } from "../../infra/kubernetes/hardening";
import { applyTransform } from "../../infra/transform";
import type { DataTier } from "../data-tier";
import type { MonitoringStackArgs } from "./args";
import { SCRAPE_LABEL } from "./labels";
import { resolveSecret } from "../agent-service/secrets";

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
  deployExporters(parent, name, args, namespace, inClusterSpecs(data), [data]);
}

/**
 * On `eks`: the same exporters in the monitoring namespace, against RDS and ElastiCache over TLS,
 * with the services' credentials (the app role and the AUTH token) read from Secrets Manager into
 * a Secret of their own at deploy time. TLS: `sslmode=require` (encrypted; the exporter image
 * carries no RDS CA bundle to verify against) and `rediss://` (ElastiCache's certificate is from a
 * public CA). The app role sees the statistics views PostgreSQL shows every role
 * (pg_stat_database, pg_settings); per-query text of other sessions needs pg_monitor.
 * https://github.com/prometheus-community/postgres_exporter#environment-variables
 * https://github.com/oliver006/redis_exporter#command-line-flags
 */
export function createAwsExporters(parent: pulumi.Resource, name: string, args: MonitoringStackArgs, data: DataTier, namespace: pulumi.Output<string>): void {
  const secrets = data.connection.secrets;
  const credentials = new core.Secret(
    `${name}-data-tier-exporters`,
    {
      metadata: { name: AWS_EXPORTER_SECRET, namespace },
      type: "Opaque",
      stringData: { DATABASE_PASSWORD: resolveSecret(parent, secrets.DATABASE_PASSWORD), REDIS_PASSWORD: resolveSecret(parent, secrets.REDIS_PASSWORD) },
    },
    { parent, provider: args.provider },
  );
  const fromSecret = (key: string) => ({ secretKeyRef: { name: AWS_EXPORTER_SECRET, key } });
  const specs: ExporterSpec[] = [
    {
      key: "postgres",
      port: 9187,
      env: [
        { name: "DATA_SOURCE_URI", value: pulumi.interpolate`${data.databaseHost}:${data.databasePort}/${data.databaseName}?sslmode=require` },
        { name: "DATA_SOURCE_USER", value: data.settings.appUser },
        { name: "DATA_SOURCE_PASS", valueFrom: fromSecret("DATABASE_PASSWORD") },
      ],
    },
    {
      key: "redis",
      port: 9121,
      env: [
        { name: "REDIS_ADDR", value: pulumi.interpolate`rediss://${data.cacheHost}:${data.cachePort}` },
        { name: "REDIS_PASSWORD", valueFrom: fromSecret("REDIS_PASSWORD") },
      ],
    },
  ];
  deployExporters(parent, name, args, namespace, specs, [credentials]);
}

const AWS_EXPORTER_SECRET = "data-tier-exporters";

function inClusterSpecs(data: DataTier): ExporterSpec[] {
  return [
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
}

function deployExporters(parent: pulumi.Resource, name: string, args: MonitoringStackArgs, namespace: pulumi.Output<string>, specs: ExporterSpec[], credentials: pulumi.Resource[]): void {
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
        // The credentials Secrets are named, not referenced: wait for what makes them.
        { parent, provider: args.provider, dependsOn: credentials },
      ),
    );
    new core.Service(
      `${name}-${spec.key}-exporter-service`,
      { metadata: { name: `${spec.key}-exporter`, namespace, labels }, spec: { selector, ports: [{ name: "http", port: spec.port, targetPort: "http" }] } },
      { parent, provider: args.provider },
    );
  }
}
