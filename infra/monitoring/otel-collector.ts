/*
 * The OpenTelemetry collector's configuration, as data. One function for both places it runs: a
 * Deployment in the cluster (eks, kubernetes) and the ADOT collector service on ECS. Components
 * used are all in the AWS Distro for OpenTelemetry collector (ADOT) build:
 * https://github.com/aws-observability/aws-otel-collector/blob/main/docs/components.md
 * (otlp and prometheus receivers; memory_limiter and batch processors; awsxray, otlphttp,
 * prometheus, prometheusremotewrite and debug exporters; health_check and sigv4auth extensions).
 */

/** OTLP's registered ports: gRPC 4317, HTTP 4318 (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc-default-port). */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const COLLECTOR_HEALTH_PORT = 13133;
/** Where the in-cluster collector serves the metrics it received over OTLP, for Prometheus to scrape. */
export const COLLECTOR_METRICS_PORT = 8889;
/** The environment variable the collector reads the trace endpoint's Authorization header from (never in the config). */
export const TRACE_AUTH_ENV = "OTLP_TRACES_AUTHORIZATION";

export type TraceDestination =
  /** AWS X-Ray through the awsxray exporter (the role needs xray:PutTraceSegments). */
  | { readonly kind: "xray"; readonly region: string }
  /** Any OTLP/HTTP endpoint; the Authorization header comes from the environment when `authorized`. */
  | { readonly kind: "otlp"; readonly endpoint: string; readonly authorized: boolean }
  /** Received and dropped after a count in the collector's log (no destination configured). */
  | { readonly kind: "none" };

export type MetricDestination =
  /** Served on COLLECTOR_METRICS_PORT for Prometheus (kube-prometheus-stack) to scrape. */
  | { readonly kind: "prometheus" }
  /** Remote-written to Amazon Managed Prometheus with SigV4. */
  | { readonly kind: "amp"; readonly remoteWriteUrl: string; readonly region: string };

export interface ScrapeJob {
  readonly job: string;
  readonly dnsName: string;
  readonly port: number;
}

export interface CollectorOptions {
  readonly traces: TraceDestination;
  readonly metrics: MetricDestination;
  /** Services scraped by the collector itself (ECS, found through Cloud Map DNS). */
  readonly scrape?: readonly ScrapeJob[];
}

type Section = Record<string, unknown>;

export function otelCollectorConfig(options: CollectorOptions): {
  extensions: Section;
  receivers: Section;
  processors: Section;
  exporters: Section;
  service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
} {
  const extensions: Section = { health_check: { endpoint: `0.0.0.0:${COLLECTOR_HEALTH_PORT}` } };
  const receivers: Section = {
    otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
  };
  const scrape = options.scrape ?? [];
  if (scrape.length > 0) {
    receivers.prometheus = {
      config: {
        global: { scrape_interval: "30s", scrape_timeout: "10s" },
        scrape_configs: scrape.map((t) => ({ job_name: t.job, metrics_path: "/metrics", dns_sd_configs: [{ names: [t.dnsName], type: "A", port: t.port, refresh_interval: "30s" }] })),
      },
    };
  }
  // memory_limiter first in every pipeline, batch last: the collector's own recommendation
  // (https://github.com/open-telemetry/opentelemetry-collector/tree/main/processor#recommended-processors).
  const processors: Section = { memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 25 }, batch: { timeout: "5s", send_batch_size: 512 } };
  const exporters: Section = {};

  let traceExporter: string;
  switch (options.traces.kind) {
    case "xray":
      traceExporter = "awsxray";
      exporters.awsxray = { region: options.traces.region };
      break;
    case "otlp":
      traceExporter = "otlphttp/traces";
      exporters[traceExporter] = { endpoint: options.traces.endpoint, ...(options.traces.authorized ? { headers: { Authorization: `\${env:${TRACE_AUTH_ENV}}` } } : {}) };
      break;
    case "none":
      traceExporter = "debug";
      exporters.debug = { verbosity: "basic" };
      break;
  }

  let metricExporter: string;
  if (options.metrics.kind === "prometheus") {
    metricExporter = "prometheus";
    exporters.prometheus = { endpoint: `0.0.0.0:${COLLECTOR_METRICS_PORT}`, resource_to_telemetry_conversion: { enabled: true } };
  } else {
    metricExporter = "prometheusremotewrite";
    extensions.sigv4auth = { region: options.metrics.region, service: "aps" };
    exporters.prometheusremotewrite = { endpoint: options.metrics.remoteWriteUrl, auth: { authenticator: "sigv4auth" } };
  }

  const chain = ["memory_limiter", "batch"];
  return {
    extensions,
    receivers,
    processors,
    exporters,
    service: {
      extensions: Object.keys(extensions),
      pipelines: {
        traces: { receivers: ["otlp"], processors: chain, exporters: [traceExporter] },
        metrics: { receivers: scrape.length > 0 ? ["otlp", "prometheus"] : ["otlp"], processors: chain, exporters: [metricExporter] },
      },
    },
  };
}
