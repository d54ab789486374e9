import type { RuleGroup } from "./rules";

/**
 * The names an app gives its metrics and labels. The shipped rules assume agentyard's metrics
 * contract (`http_requests_total{code}`...); an app with its own names (seed 003 labels
 * `status_code`, seed 004 counts `pmcp_requests_total`) gets its own group from these.
 */
export interface AppMetrics {
  /** The request counter. @default "http_requests_total" */
  readonly requestsTotal: string;
  /** Its label holding the HTTP status. @default "code" */
  readonly statusLabel: string;
  /** The request-duration histogram (without `_bucket`). @default "http_request_duration_seconds" */
  readonly requestDuration: string;
  /** Resident memory in bytes. @default "process_resident_memory_bytes" */
  readonly residentMemory: string;
  /** The agent-execution counter, its status label and the value that means failure; none to skip the alert. */
  readonly executions: { readonly total: string; readonly statusLabel: string; readonly errorValue: string } | undefined;
  /** A gauge of the app's open database connections and the count to alert over; none to skip. */
  readonly dbConnections: { readonly gauge: string; readonly max: number } | undefined;
}

export const DEFAULT_APP_METRICS: AppMetrics = {
  requestsTotal: "http_requests_total",
  statusLabel: "code",
  requestDuration: "http_request_duration_seconds",
  residentMemory: "process_resident_memory_bytes",
  executions: { total: "agent_executions_total", statusLabel: "status", errorValue: "error" },
  dbConnections: undefined,
};

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The service alerts (the seeds' HighErrorRate, HighResponseTime, HighMemoryUsage,
 * AgentExecutionFailures, DatabaseConnectionHigh) for one app's scrape job, on its own names.
 */
export function appAlertGroup(job: string, metrics: Partial<AppMetrics> = {}): RuleGroup {
  const m = { ...DEFAULT_APP_METRICS, ...metrics };
  const names = [m.requestsTotal, m.requestDuration, m.residentMemory, m.executions?.total, m.dbConnections?.gauge].filter((n) => n !== undefined);
  for (const name of names) if (!METRIC.test(name)) throw new Error(`appAlertGroup "${job}": ${name} is not a Prometheus metric name`);
  for (const label of [m.statusLabel, m.executions?.statusLabel].filter((l) => l !== undefined)) if (!LABEL.test(label)) throw new Error(`appAlertGroup "${job}": ${label} is not a Prometheus label name`);
  const sel = `job="${job}"`;
  const rules: RuleGroup["rules"][number][] = [
    {
      alert: "HighErrorRate",
      expr: `sum by (job) (rate(${m.requestsTotal}{${sel},${m.statusLabel}=~"5.."}[5m])) > 0.1`,
      for: "5m",
      severity: "critical",
      summary: "High error rate on {{ $labels.job }}",
      description: "{{ $value | humanize }} server errors per second over 5 minutes.",
    },
    {
      alert: "HighResponseTime",
      expr: `histogram_quantile(0.95, sum by (job, le) (rate(${m.requestDuration}_bucket{${sel}}[5m]))) > 2`,
      for: "5m",
      severity: "warning",
      summary: "p95 latency over 2 s on {{ $labels.job }}",
      description: "95th percentile response time is {{ $value | humanizeDuration }}.",
    },
    {
      alert: "HighMemoryUsage",
      expr: `${m.residentMemory}{${sel}} > 1073741824`,
      for: "10m",
      severity: "warning",
      summary: "{{ $labels.job }} uses over 1 GiB",
      description: "{{ $labels.instance }} has {{ $value | humanize1024 }}B resident.",
    },
  ];
  if (m.executions) {
    rules.push({
      alert: "AgentExecutionFailures",
      expr: `sum by (job) (rate(${m.executions.total}{${sel},${m.executions.statusLabel}="${m.executions.errorValue}"}[5m])) > 0.05`,
      for: "5m",
      severity: "critical",
      summary: "Agent executions failing on {{ $labels.job }}",
      description: "{{ $value | humanize }} failed agent executions per second.",
    });
  }
  if (m.dbConnections) {
    rules.push({
      alert: "DatabaseConnectionHigh",
      expr: `sum by (job) (${m.dbConnections.gauge}{${sel}}) > ${m.dbConnections.max}`,
      for: "5m",
      severity: "warning",
      summary: "{{ $labels.job }} holds many database connections",
      description: "{{ $value }} active connections.",
    });
  }
  return { name: `app.${job}`, rules };
}
