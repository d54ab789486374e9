import type { RuntimeConfig } from "./config";
import { type ExecutionRequest, type ExecutionResult, ExecutorClient, ExecutorUnavailable, type Isolation } from "./executor-client";
import { Limiter } from "./limiter";
import { Counter, Gauge, Histogram, OUTCOMES, REJECTIONS, Registry } from "./metrics";
import { SessionDoor } from "./session-door";
import { SessionIds } from "./session-id";
import { SessionTable } from "./sessions";

export type ExecuteAnswer =
  | { readonly kind: "done"; readonly result: ExecutionResult }
  | { readonly kind: "refused"; readonly reason: "capacity" | "shutdown" | "unavailable"; readonly retryAfterSeconds: number };

const PING_MS = 2000;

/**
 * The api side of the service: admission, the executions in flight and their metrics. It creates
 * no process: executions are forked by the executor container, reached over its unix socket.
 */
export class Sandbox {
  readonly metrics = new Registry();
  readonly executions: Counter;
  readonly rejections: Counter;
  readonly duration: Histogram;
  readonly sessions: SessionTable;
  readonly sessionDoor: SessionDoor;
  private readonly limiter: Limiter;
  private readonly executor: ExecutorClient;
  private readonly pinger: NodeJS.Timeout;
  private readonly running = new Set<AbortController>();
  private meanSeconds = 0.05;
  private shuttingDown = false;
  private executorIsolation: Isolation | undefined;

  constructor(readonly config: RuntimeConfig) {
    this.limiter = new Limiter(config.maxConcurrent, config.queueLimit);
    this.executor = new ExecutorClient(config);
    this.pinger = setInterval(() => void this.checkExecutor(), PING_MS);
    this.pinger.unref();
    void this.checkExecutor();

    const m = this.metrics;
    this.executions = m.add(new Counter("sandbox_executions_total", "Executions finished, by outcome.", OUTCOMES.map((outcome) => ({ outcome }))));
    this.rejections = m.add(new Counter("sandbox_rejections_total", "Requests refused, by reason.", REJECTIONS.map((reason) => ({ reason }))));
    this.duration = m.add(new Histogram("sandbox_execution_duration_seconds", "Wall-clock time of executions.", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]));
    m.add(new Gauge("sandbox_active_executions", "Executions running now.", () => this.limiter.active));
    m.add(new Gauge("sandbox_max_concurrent_executions", "The concurrency cap (MAX_SANDBOXES).", () => config.maxConcurrent));
    m.add(new Gauge("sandbox_queue_depth", "Requests waiting for an execution slot.", () => this.limiter.queued));
    m.add(new Gauge("sandbox_queue_limit", "Requests that may wait before the service answers 429.", () => config.queueLimit));
    // The executor's zygote is the warm pool now: one warm, idle parent every execution forks from.
    m.add(new Gauge("sandbox_warm_pool_size", "Warm executors answering (the zygote every execution is forked from): 1 or 0.", () => (this.executorIsolation ? 1 : 0)));
    m.add(new Gauge("sandbox_isolation_namespaces", "1 when each execution has its own user, PID, mount, network and IPC namespaces; 0 in the fallback (THREAT-MODEL.md).", () => (this.executorIsolation === "namespaces" ? 1 : 0)));
    // The standard process series, which the HighMemoryUsage alert reads on every service.
    m.add(new Gauge("process_resident_memory_bytes", "Resident memory of the service process.", () => process.memoryUsage.rss()));
    m.add(new Gauge("process_cpu_seconds_total", "CPU time of the api process (executions run in the executor container).", () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    }, "counter"));
    m.add(new Gauge("process_start_time_seconds", "When the service process started, in Unix seconds.", () => Math.round(Date.now() / 1000 - process.uptime())));
    m.add(new Gauge("sandbox_warm_pool_target", "Warm executors wanted: 1.", () => 1));

    const ids = new SessionIds(config.authToken);
    this.sessions = new SessionTable({
      config,
      executor: this.executor,
      ids,
      metrics: m,
      rejections: this.rejections,
      admit: () => this.limiter.acquire(true),
      retryAfterSeconds: () => this.retryAfterSeconds(),
      record: (result) => this.record(result),
    });
    this.sessionDoor = new SessionDoor(config, ids, this.sessions, m);
  }

  /** Ready when not shutting down and the executor answers on its socket. */
  get ready(): boolean {
    return !this.shuttingDown && this.executorIsolation !== undefined;
  }

  get isolation(): Isolation | undefined {
    return this.executorIsolation;
  }

  get active(): number {
    return this.limiter.active;
  }

  /** Asks the executor now; resolves true when it answers. */
  async checkExecutor(): Promise<boolean> {
    try {
      const isolation = await this.executor.ping();
      if (isolation !== this.executorIsolation) console.log(JSON.stringify({ level: "info", msg: "executor ready", isolation }));
      this.executorIsolation = isolation;
      return true;
    } catch {
      this.executorIsolation = undefined;
      return false;
    }
  }

  async execute(request: ExecutionRequest): Promise<ExecuteAnswer> {
    const admission = await this.limiter.acquire();
    if ("refused" in admission) {
      const reason = admission.refused === "full" ? "capacity" : "shutdown";
      this.rejections.inc({ reason });
      return { kind: "refused", reason, retryAfterSeconds: this.retryAfterSeconds() };
    }
    const stop = new AbortController();
    this.running.add(stop);
    try {
      const result = await this.executor.run(request, stop.signal);
      this.record(result);
      return { kind: "done", result };
    } catch (error) {
      if (!(error instanceof ExecutorUnavailable)) throw error;
      this.rejections.inc({ reason: "unavailable" });
      void this.checkExecutor();
      return { kind: "refused", reason: "unavailable", retryAfterSeconds: 1 };
    } finally {
      this.running.delete(stop);
      admission.release();
    }
  }

  /** Counts a finished execution, one-shot or in a session. */
  private record(result: ExecutionResult): void {
    this.executions.inc({ outcome: result.outcome });
    const seconds = result.durationMs / 1000;
    this.duration.observe(seconds);
    this.meanSeconds = this.meanSeconds * 0.9 + seconds * 0.1;
  }

  private retryAfterSeconds(): number {
    const backlog = (this.limiter.queued + this.limiter.active) / this.config.maxConcurrent;
    return Math.max(1, Math.ceil(backlog * this.meanSeconds));
  }

  /**
   * Stops admitting executions and creating sessions, keeps serving calls to this replica's
   * sessions, and waits up to the grace period for running executions and open sessions; then
   * kills the executions still running (they are still answered) and closes every session.
   */
  async shutdown(graceMs = this.config.shutdownGraceMs): Promise<void> {
    this.shuttingDown = true;
    this.limiter.drain();
    this.sessions.stopCreating();
    clearInterval(this.pinger);
    const deadline = Date.now() + graceMs;
    while ((this.running.size > 0 || this.sessions.count > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const stop of this.running) stop.abort();
    await this.sessions.closeAll("shutdown");
    this.limiter.close();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
  }
}
