import { dump } from "js-yaml";

/*
 * The alert rules, written once. They render to a Prometheus rules file (promtool, Amazon Managed
 * Prometheus) and to PrometheusRule objects (kube-prometheus-stack). Every metric they name is
 * exposed by the sandbox runtime, by the AgentService metrics contract (METRICS.md), or by the
 * exporters the MonitoringStack deploys (postgres_exporter, redis_exporter, kubelet).
 */

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: "critical" | "warning";
  readonly summary: string;
  readonly description: string;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export const ALERT_GROUPS: readonly RuleGroup[] = [
  {
    name: "agentyard.services",
    rules: [
      {
        alert: "HighErrorRate",
        expr: 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) > 0.1',
        for: "5m",
        severity: "critical",
        summary: "High error rate on {{ $labels.job }}",
        description: "{{ $value | humanize }} server errors per second over 5 minutes.",
      },
      {
        alert: "HighResponseTime",
        // Sandbox executions are as long as the code: they have their own duration metric.
        expr: 'histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{handler!~"/v1/execute|/mcp"}[5m]))) > 2',
        for: "5m",
        severity: "warning",
        summary: "p95 latency over 2 s on {{ $labels.job }}",
        description: "95th percentile response time is {{ $value | humanizeDuration }}.",
      },
      {
        alert: "HighMemoryUsage",
        expr: "process_resident_memory_bytes > 1073741824",
        for: "10m",
        severity: "warning",
        summary: "{{ $labels.job }} uses over 1 GiB",
        description: "{{ $labels.instance }} has {{ $value | humanize1024 }}B resident.",
      },
      {
        alert: "AgentExecutionFailures",
        expr: 'sum by (job) (rate(agent_executions_total{status="error"}[5m])) > 0.05',
        for: "5m",
        severity: "critical",
        summary: "Agent executions failing on {{ $labels.job }}",
        description: "{{ $value | humanize }} failed agent executions per second.",
      },
      {
        alert: "TargetDown",
        expr: "up == 0",
        for: "5m",
        severity: "critical",
        summary: "{{ $labels.job }} target down",
        description: "{{ $labels.instance }} has not answered scrapes for 5 minutes.",
      },
    ],
  },
  {
    name: "agentyard.sandbox",
    rules: [
      {
        alert: "SandboxSaturated",
        expr: "sum by (job) (sandbox_active_executions) / sum by (job) (sandbox_max_concurrent_executions) > 0.8",
        for: "5m",
        severity: "warning",
        summary: "Sandbox over 80 % of its execution slots",
        description: "{{ $value | humanizePercentage }} of the execution slots are busy: scale out or raise MAX_SANDBOXES.",
      },
      {
        alert: "SandboxRejectingRequests",
        expr: 'sum by (job) (rate(sandbox_rejections_total{reason="capacity"}[5m])) > 0',
        for: "5m",
        severity: "warning",
        summary: "Sandbox answering 429",
        description: "{{ $value | humanize }} requests per second refused for capacity.",
      },
      {
        alert: "SandboxExecutionTimeouts",
        expr: 'sum by (job) (rate(sandbox_executions_total{outcome="timeout"}[10m])) / sum by (job) (rate(sandbox_executions_total[10m])) > 0.1',
        for: "10m",
        severity: "warning",
        summary: "Over 10 % of sandbox executions time out",
        description: "{{ $value | humanizePercentage }} of executions hit SANDBOX_TIMEOUT.",
      },
      {
        alert: "SandboxExecutionFailures",
        // Code that raises is the agent's business; a process killed by a limit is ours to size.
        expr: 'sum by (job) (rate(sandbox_executions_total{outcome=~"killed|output_limit"}[10m])) / sum by (job) (rate(sandbox_executions_total[10m])) > 0.2',
        for: "10m",
        severity: "warning",
        summary: "Over 20 % of sandbox executions killed by a limit",
        description: "{{ $value | humanizePercentage }} of executions were killed (CPU, memory, output).",
      },
    ],
  },
  {
    name: "agentyard.data",
    rules: [
      {
        alert: "DatabaseConnectionHigh",
        // A share of max_connections (which differs by preset) rather than the seeds' fixed 80.
        expr: "sum by (job) (pg_stat_database_numbackends) / max by (job) (pg_settings_max_connections) > 0.8",
        for: "5m",
        severity: "warning",
        summary: "PostgreSQL over 80 % of max_connections",
        description: "{{ $value | humanizePercentage }} of connections in use.",
      },
      {
        alert: "RedisMemoryHigh",
        expr: "redis_memory_used_bytes / redis_memory_max_bytes > 0.9 and redis_memory_max_bytes > 0",
        for: "10m",
        severity: "warning",
        summary: "Redis over 90 % of maxmemory",
        description: "{{ $value | humanizePercentage }} of maxmemory used: evictions follow.",
      },
      {
        alert: "DatabaseStorageLow",
        // In-cluster PostgreSQL's volume; RDS free storage is a CloudWatch alarm on AWS.
        expr: 'kubelet_volume_stats_available_bytes{persistentvolumeclaim=~"data-postgres-.*"} / kubelet_volume_stats_capacity_bytes{persistentvolumeclaim=~"data-postgres-.*"} < 0.1',
        for: "10m",
        severity: "critical",
        summary: "PostgreSQL volume under 10 % free",
        description: "{{ $value | humanizePercentage }} of {{ $labels.persistentvolumeclaim }} is free.",
      },
    ],
  },
];

/**
 * The rules as Prometheus's `groups:` document. `annotations: false` leaves the annotations out,
 * for promtool unit tests of the firing logic (promtool compares rendered annotations verbatim).
 */
export function rulesDocument(groups: readonly RuleGroup[] = ALERT_GROUPS, options: { annotations?: boolean } = {}) {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expr: r.expr,
        for: r.for,
        labels: { severity: r.severity },
        ...(options.annotations === false ? {} : { annotations: { summary: r.summary, description: r.description } }),
      })),
    })),
  };
}

export function renderRulesYaml(groups: readonly RuleGroup[] = ALERT_GROUPS, options: { annotations?: boolean } = {}): string {
  return dump(rulesDocument(groups, options), { lineWidth: -1, noRefs: true, sortKeys: false });
}
