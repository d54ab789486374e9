import type { RuntimeConfig } from "./config";
import type { ExecutionRequest, ExecutionResult, Interpreter } from "./interpreter";
import { Limiter } from "./limiter";
import { Counter, Gauge, Histogram, OUTCOMES, REJECTIONS, Registry } from "./metrics";
import { WarmPool } from "./pool";
import { reap } from "./reaper";
import { ScratchSpace } from "./scratch";

export type ExecuteAnswer =
  | { readonly kind: "done"; readonly result: ExecutionResult }
  | { readonly kind: "refused"; readonly reason: "capacity" | "shutdown"; readonly retryAfterSeconds: number };

/** The execution service: admission, the warm pool, the executions in flight, and their metrics. */
export class Sandbox {
  readonly metrics = new Registry();
  readonly executions: Counter;
  readonly rejections: Counter;
  readonly duration: Histogram;
  private readonly limiter: Limiter;
  private readonly pool: WarmPool;
  private readonly running = new Set<Interpreter>();
  private readonly reaperUid: number | undefined;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private meanSeconds = 0.05;
  private shuttingDown = false;

  constructor(readonly config: RuntimeConfig) {
    const scratch = new ScratchSpace(config.scratchDir, config.runAs);
    this.limiter = new Limiter(config.maxConcurrent, config.queueLimit);
    this.pool = new WarmPool(config, scratch);
    const uid = config.runAs?.uid ?? process.getuid?.();
    // Never sweep root's processes: only a dedicated, non-root execution user.
    this.reaperUid = uid !== undefined && uid !== 0 ? uid : undefined;
    if (this.reaperUid !== undefined) {
      this.sweeper = setInterval(() => this.sweep(), 2000);
      this.sweeper.unref();
    }

    const m = this.metrics;
    this.executions = m.add(new Counter("sandbox_executions_total", "Executions finished, by outcome.", OUTCOMES.map((outcome) => ({ outcome }))));
    this.rejections = m.add(new Counter("sandbox_rejections_total", "Requests refused, by reason.", REJECTIONS.map((reason) => ({ reason }))));
    this.duration = m.add(new Histogram("sandbox_execution_duration_seconds", "Wall-clock time of executions.", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]));
    m.add(new Gauge("sandbox_active_executions", "Executions running now.", () => this.limiter.active));
    m.add(new Gauge("sandbox_max_concurrent_executions", "The concurrency cap (MAX_SANDBOXES).", () => config.maxConcurrent));
    m.add(new Gauge("sandbox_queue_depth", "Requests waiting for an execution slot.", () => this.limiter.queued));
    m.add(new Gauge("sandbox_queue_limit", "Requests that may wait before the service answers 429.", () => config.queueLimit));
    m.add(new Gauge("sandbox_warm_pool_size", "Interpreters started and waiting for code.", () => this.pool.size));
    // The standard process series, which the HighMemoryUsage alert reads on every service.
    m.add(new Gauge("process_resident_memory_bytes", "Resident memory of the service process.", () => process.memoryUsage.rss()));
    m.add(new Gauge("process_cpu_seconds_total", "CPU time of the service process (its executions are not counted).", () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    }, "counter"));
    m.add(new Gauge("process_start_time_seconds", "When the service process started, in Unix seconds.", () => Math.round(Date.now() / 1000 - process.uptime())));
    m.add(new Gauge("sandbox_warm_pool_target", "Interpreters the warm pool keeps ready (SANDBOX_WARM_POOL).", () => config.warmPool));
  }

  get ready(): boolean {
    return !this.shuttingDown && (this.config.warmPool === 0 || this.pool.size > 0);
  }

  get active(): number {
    return this.limiter.active;
  }

  async execute(request: ExecutionRequest): Promise<ExecuteAnswer> {
    const admission = await this.limiter.acquire();
    if ("refused" in admission) {
      const reason = admission.refused === "full" ? "capacity" : "shutdown";
      this.rejections.inc({ reason });
      const backlog = (this.limiter.queued + this.limiter.active) / this.config.maxConcurrent;
      return { kind: "refused", reason, retryAfterSeconds: Math.max(1, Math.ceil(backlog * this.meanSeconds)) };
    }
    const interpreter = this.pool.take();
    this.running.add(interpreter);
    try {
      const result = await interpreter.run(request);
      this.executions.inc({ outcome: result.outcome });
      const seconds = result.durationMs / 1000;
      this.duration.observe(seconds);
      this.meanSeconds = this.meanSeconds * 0.9 + seconds * 0.1;
      if (result.outcome !== "success" && result.outcome !== "error") this.sweep();
      return { kind: "done", result };
    } finally {
      this.running.delete(interpreter);
      admission.release();
      this.pool.refill();
    }
  }

  /** Stops admitting, waits up to the grace period for running executions, then kills the rest. */
  async shutdown(graceMs = this.config.shutdownGraceMs): Promise<void> {
    this.shuttingDown = true;
    this.limiter.close();
    this.pool.stop();
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const interpreter of this.running) interpreter.killGroup();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweep();
  }

  /** Kills escaped descendants; returns their pids. */
  sweep(): number[] {
    if (this.reaperUid === undefined) return [];
    const keep = new Set<number>(this.pool.pids());
    for (const interpreter of this.running) if (interpreter.pid !== undefined) keep.add(interpreter.pid);
    return reap(this.reaperUid, keep);
  }
}
