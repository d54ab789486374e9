import type { Dashboard, DataQuery, Panel } from "@grafana/schema";

/*
 * The dashboards, typed against Grafana's own schema (@grafana/schema) so that a wrong field is a
 * compile error, and provisioned as ConfigMaps (kube-prometheus-stack's sidecar) or files.
 */

/** A Prometheus target: Grafana's DataQuery plus the fields the Prometheus datasource reads. */
export type PromQuery = DataQuery & { expr: string; legendFormat?: string };

const PROMETHEUS = { type: "prometheus", uid: "prometheus" } as const;

function timeseries(id: number, title: string, x: number, y: number, unit: string, queries: Array<[expr: string, legend: string]>): Panel {
  return {
    id,
    type: "timeseries",
    title,
    datasource: PROMETHEUS,
    gridPos: { x, y, w: 12, h: 8 },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
    targets: queries.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: PROMETHEUS, expr, legendFormat }) satisfies PromQuery),
  };
}

function dashboard(uid: string, title: string, panels: Panel[]): Dashboard {
  return {
    uid,
    title,
    tags: ["agentyard"],
    timezone: "browser",
    editable: false,
    graphTooltip: 1,
    refresh: "30s",
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    panels,
  };
}

export const DASHBOARDS: Readonly<Record<string, Dashboard>> = {
  "agentyard-agents": dashboard("agentyard-agents", "agentyard / agent services", [
    timeseries(1, "Request rate", 0, 0, "reqps", [['sum by (job) (rate(http_requests_total{job!~".*sandbox.*"}[5m]))', "{{job}}"]]),
    timeseries(2, "p95 latency", 12, 0, "s", [['histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{job!~".*sandbox.*"}[5m])))', "{{job}}"]]),
    timeseries(3, "Error rate (5xx share)", 0, 8, "percentunit", [
      ['sum by (job) (rate(http_requests_total{job!~".*sandbox.*",code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total{job!~".*sandbox.*"}[5m]))', "{{job}}"],
    ]),
    timeseries(4, "Agent executions by status", 12, 8, "ops", [["sum by (status) (rate(agent_executions_total[5m]))", "{{status}}"]]),
  ]),
  "agentyard-sandbox": dashboard("agentyard-sandbox", "agentyard / sandbox", [
    timeseries(1, "Executions per second by outcome", 0, 0, "ops", [["sum by (outcome) (rate(sandbox_executions_total[5m]))", "{{outcome}}"]]),
    timeseries(2, "Execution duration p50 and p99", 12, 0, "s", [
      ["histogram_quantile(0.5, sum by (le) (rate(sandbox_execution_duration_seconds_bucket[5m])))", "p50"],
      ["histogram_quantile(0.99, sum by (le) (rate(sandbox_execution_duration_seconds_bucket[5m])))", "p99"],
    ]),
    timeseries(3, "Saturation (active / slots)", 0, 8, "percentunit", [["sum(sandbox_active_executions) / sum(sandbox_max_concurrent_executions)", "saturation"]]),
    timeseries(4, "Queue depth and warm pool", 12, 8, "short", [
      ["sum(sandbox_queue_depth)", "queued"],
      ["sum(sandbox_warm_pool_size)", "warm supervisors"],
    ]),
    timeseries(5, "Rejections by reason", 0, 16, "reqps", [["sum by (reason) (rate(sandbox_rejections_total[5m]))", "{{reason}}"]]),
    // Sessions (sandbox/SESSIONS.md): the cap is per replica, so the fullest replica is shown beside the totals.
    timeseries(6, "Sessions: active vs cap", 12, 16, "short", [
      ["sum(sandbox_sessions_active)", "active (all replicas)"],
      ["sum(sandbox_sessions_max)", "cap (all replicas)"],
      ["max(sandbox_sessions_active)", "active on the fullest replica"],
      ["max(sandbox_sessions_max)", "cap per replica"],
    ]),
    timeseries(7, "Sessions created and ended by reason", 0, 24, "ops", [
      ["sum(rate(sandbox_sessions_created_total[5m]))", "created"],
      ["sum by (reason) (rate(sandbox_sessions_ended_total[5m]))", "ended: {{reason}}"],
    ]),
    timeseries(8, "Session calls forwarded between replicas", 12, 24, "ops", [["sum by (result) (rate(sandbox_session_forwards_total[5m]))", "{{result}}"]]),
  ]),
  "agentyard-data": dashboard("agentyard-data", "agentyard / data tier", [
    timeseries(1, "PostgreSQL connections", 0, 0, "short", [
      ["sum(pg_stat_database_numbackends)", "in use"],
      ["max(pg_settings_max_connections)", "max_connections"],
    ]),
    timeseries(2, "CPU", 12, 0, "percentunit", [
      // In-cluster stores (cAdvisor); RDS and ElastiCache CPU are in CloudWatch.
      ['sum by (container) (rate(container_cpu_usage_seconds_total{container=~"postgres|redis"}[5m]))', "{{container}}"],
    ]),
    timeseries(3, "Replication lag", 0, 8, "s", [["max by (instance) (pg_replication_lag_seconds)", "{{instance}}"]]),
    timeseries(4, "Cache hit rate", 12, 8, "percentunit", [
      ["sum(rate(redis_keyspace_hits_total[5m])) / (sum(rate(redis_keyspace_hits_total[5m])) + sum(rate(redis_keyspace_misses_total[5m])))", "redis"],
      ["sum(rate(pg_stat_database_blks_hit[5m])) / (sum(rate(pg_stat_database_blks_hit[5m])) + sum(rate(pg_stat_database_blks_read[5m])))", "postgres buffers"],
    ]),
  ]),
};

/** Every PromQL expression of a dashboard's panels. */
export function panelQueries(d: Dashboard): string[] {
  return (d.panels ?? [])
    .flatMap((p) => ("targets" in p ? (p.targets ?? []) : []))
    .map((t) => t.expr)
    .filter((expr): expr is string => typeof expr === "string");
}
