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
      // Sessions (sandbox/SESSIONS.md, "Metrics"); what to do: docs/runbooks/sandbox-sessions.md.
      {
        alert: "SandboxSessionsNearCap",
        // Per replica: a session lives on the replica that made it, and a full replica answers 429
        // to the creates the load balancer sends it, however empty the others are. A cap of 0
        // (sessions off) is left out of the division.
        expr: "max by (job, instance) (sandbox_sessions_active / (sandbox_sessions_max > 0)) > 0.8",
        for: "10m",
        severity: "warning",
        summary: "Sandbox replica {{ $labels.instance }} over 80 % of its session cap",
        description:
          "{{ $value | humanizePercentage }} of SANDBOX_MAX_SESSIONS in use for 10 minutes. Idle sessions use no CPU, so the CPU autoscaler adds no replica for them: raise sandbox.minReplicas, or sandbox.sessions.max if the executor's memory allows (docs/runbooks/sandbox-sessions.md).",
      },
      {
        alert: "SandboxSessionCapacityRejections",
        expr: 'sum by (job) (rate(sandbox_rejections_total{reason="session_capacity"}[5m])) > 0',
        for: "5m",
        severity: "warning",
        summary: "Sandbox refusing new sessions (429, session cap)",
        description: "{{ $value | humanize }} session creates per second refused at SANDBOX_MAX_SESSIONS (docs/runbooks/sandbox-sessions.md).",
      },
      {
        alert: "SandboxSessionsCrashing",
        // A share of the sessions that ended, and at least 3 crashes, so one crash among few sessions does not page.
        expr: 'sum by (job) (rate(sandbox_sessions_ended_total{reason="crashed"}[15m])) / sum by (job) (rate(sandbox_sessions_ended_total[15m])) > 0.2 and sum by (job) (increase(sandbox_sessions_ended_total{reason="crashed"}[15m])) >= 3',
        for: "10m",
        severity: "warning",
        summary: "Over 20 % of sandbox sessions end by crashing",
        description:
          "{{ $value | humanizePercentage }} of the sessions that ended lost their interpreter (killed by the OOM killer, past their CPU budget, or by a signal): check sandbox.sessions.memoryMb and cpuSeconds against what agents run (docs/runbooks/sandbox-sessions.md).",
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
