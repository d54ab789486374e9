import type { RuntimeConfig } from "./config";
import { Interpreter } from "./interpreter";
import type { ScratchSpace } from "./scratch";

/**
 * Interpreters started ahead of demand. Each is taken once and replaced, so an execution pays
 * no interpreter start-up while the pool has one ready; with none ready it starts one itself.
 */
export class WarmPool {
  private readonly ready: Interpreter[] = [];
  private starting = 0;
  private stopped = false;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly scratch: ScratchSpace,
  ) {
    this.fill();
  }

  get size(): number {
    return this.ready.length;
  }

  /**
   * A ready interpreter, or a fresh one when the pool is empty. The pool is not refilled here:
   * starting a process blocks Node for milliseconds, so `refill` runs after the answer is sent.
   */
  take(): Interpreter {
    let interpreter: Interpreter | undefined;
    while ((interpreter = this.ready.shift()) !== undefined && !interpreter.alive) interpreter.discard();
    return interpreter ?? new Interpreter(this.config, this.scratch);
  }

  refill(): void {
    this.fill();
  }

  /** Pids of idle interpreters, which the reaper must leave alone. */
  pids(): number[] {
    return this.ready.map((i) => i.pid).filter((pid): pid is number => pid !== undefined);
  }

  stop(): void {
    this.stopped = true;
    for (const interpreter of this.ready.splice(0)) interpreter.discard();
  }

  private fill(): void {
    if (this.stopped) return;
    // Started off the request path, one tick later, so taking from the pool stays cheap.
    while (this.ready.length + this.starting < this.config.warmPool) {
      this.starting++;
      setImmediate(() => {
        this.starting--;
        if (this.stopped) return;
        const interpreter = new Interpreter(this.config, this.scratch);
        this.ready.push(interpreter);
        // An idle interpreter that dies (killed from outside) is dropped and replaced.
        void interpreter.exitedEarly.then(() => {
          const at = this.ready.indexOf(interpreter);
          if (at >= 0) {
            this.ready.splice(at, 1);
            interpreter.discard();
            this.fill();
          }
        });
      });
    }
  }
}
