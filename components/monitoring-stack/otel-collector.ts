import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import type * as k8s from "@pulumi/kubernetes";
import { dump } from "js-yaml";
import { serviceAccountRole } from "../../infra/cluster/irsa";
import { appLabels, restrictedContainerSecurity, restrictedPodSecurity } from "../../infra/kubernetes/hardening";
import {
  COLLECTOR_HEALTH_PORT,
  COLLECTOR_METRICS_PORT,
  OTLP_GRPC_PORT,
  OTLP_HTTP_PORT,
  TRACE_AUTH_ENV,
  type TraceDestination,
  otelCollectorConfig,
} from "../../infra/monitoring/otel-collector";
import { stackRegion } from "../../infra/naming";
import type { MonitoringStackArgs, NormalizedMonitoringArgs } from "./args";
import { COLLECTOR_IMAGE } from "./ecs-collector";
import { SCRAPE_LABEL } from "./labels";

const NAME = "otel-collector";
const COLLECTOR_UID = 10001;

/** Where traces go: the configured OTLP endpoint, else X-Ray on eks, else nowhere (kubernetes). */
export function traceDestination(platform: NormalizedMonitoringArgs["platform"], traceExport: MonitoringStackArgs["traceExport"]): TraceDestination {
  if (traceExport) return { kind: "otlp", endpoint: traceExport.endpoint, authorized: traceExport.authorization !== undefined };
  return platform === "kubernetes" ? { kind: "none" } : { kind: "xray", region: stackRegion() };
}

/**
 * The OpenTelemetry collector in the cluster (ADOT's image, as on ECS): a Deployment and a
 * Service receiving OTLP on 4317 (gRPC) and 4318 (HTTP) from any namespace, traces to X-Ray
 * (eks, through IRSA) or the configured endpoint, metrics served on 8889 for Prometheus (the
 * Service carries the scrape label, its metrics port is named `http`). Returns the OTLP/HTTP endpoint.
 */
export function createOtelCollector(parent: pulumi.Resource, name: string, cfg: NormalizedMonitoringArgs, args: MonitoringStackArgs, namespace: pulumi.Output<string>): pulumi.Output<string> {
  const child = { parent, provider: args.provider };
  const traces = traceDestination(cfg.platform, args.traceExport);
  const config = otelCollectorConfig({ traces, metrics: { kind: "prometheus" } });
  const labels = { ...appLabels(NAME, "telemetry-collector", name), ...SCRAPE_LABEL };
  const selector = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": name };

  const yaml = dump(config, { lineWidth: -1, noRefs: true });
  const configMap = new core.ConfigMap(`${name}-otel-collector-config`, { metadata: { name: NAME, namespace, labels }, data: { "config.yaml": yaml } }, child);
  const env: k8s.types.input.core.v1.EnvVar[] = [{ name: "GOMEMLIMIT", value: "400MiB" }];
  if (args.traceExport?.authorization !== undefined) {
    const secret = new core.Secret(`${name}-otel-export`, { metadata: { name: "otel-export", namespace }, type: "Opaque", stringData: { authorization: pulumi.secret(args.traceExport.authorization) } }, child);
    env.push({ name: TRACE_AUTH_ENV, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "authorization" } } });
  }

  // X-Ray from eks: a role only this service account can assume, with X-Ray's write-only policy
  // (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_id-based-policy-examples.html).
  let roleArn: pulumi.Output<string> | undefined;
  if (traces.kind === "xray" && args.cluster) {
    const role = serviceAccountRole(parent, `${name}-otel-collector-role`, args.cluster.oidc, { namespace, name: NAME }, "monitoring", "otel-collector");
    new iam.RolePolicyAttachment(`${name}-otel-collector-xray`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess" }, { parent });
    roleArn = role.arn;
  }
  const account = new core.ServiceAccount(
    `${name}-otel-collector-sa`,
    { metadata: { name: NAME, namespace, labels, annotations: roleArn ? { "eks.amazonaws.com/role-arn": roleArn } : undefined }, automountServiceAccountToken: false },
    child,
  );

  const replicas = cfg.preset === "dev" ? 1 : 2;
  new apps.Deployment(
    `${name}-otel-collector`,
    {
      metadata: { name: NAME, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { "agentyard.dev/config-sha256": createHash("sha256").update(yaml).digest("hex") } },
          spec: {
            serviceAccountName: account.metadata.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(COLLECTOR_UID),
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
            containers: [
              {
                name: "collector",
                image: COLLECTOR_IMAGE,
                args: ["--config=/conf/config.yaml"],
                env,
                ports: [
                  { name: "otlp-grpc", containerPort: OTLP_GRPC_PORT },
                  { name: "otlp-http", containerPort: OTLP_HTTP_PORT },
                  { name: "http", containerPort: COLLECTOR_METRICS_PORT },
                  { name: "health", containerPort: COLLECTOR_HEALTH_PORT },
                ],
                readinessProbe: { httpGet: { path: "/", port: "health" }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: "/", port: "health" }, initialDelaySeconds: 15, periodSeconds: 30 },
                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [{ name: "config", mountPath: "/conf", readOnly: true }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: configMap.metadata.name } }],
          },
        },
      },
    },
    child,
  );
  const service = new core.Service(
    `${name}-otel-collector-service`,
    {
      metadata: { name: NAME, namespace, labels },
      spec: {
        selector,
        ports: [
          { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: "otlp-grpc", appProtocol: "grpc" },
          { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: "otlp-http" },
          { name: "http", port: COLLECTOR_METRICS_PORT, targetPort: "http" },
        ],
      },
    },
    child,
  );
  return pulumi.interpolate`http://${service.metadata.name}.${namespace}.svc.cluster.local:${OTLP_HTTP_PORT}`;
}
