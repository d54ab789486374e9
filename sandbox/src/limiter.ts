export type Admission = { readonly release: () => void } | { readonly refused: "full" | "closed" };

/**
 * At most `slots` executions at once and `queueLimit` waiting; past that, callers are refused at
 * once (429) instead of piling up until the service falls over.
 */
export class Limiter {
  private running = 0;
  private closed = false;
  private draining = false;
  private readonly waiting: Array<{ readonly grant: (granted: boolean) => void; readonly duringDrain: boolean }> = [];

  constructor(
    readonly slots: number,
    readonly queueLimit: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** `duringDrain`: a call to a session, still served while the replica drains (SESSIONS.md). */
  async acquire(duringDrain = false): Promise<Admission> {
    if (this.closed || (this.draining && !duringDrain)) return { refused: "closed" };
    if (this.running < this.slots) {
      this.running++;
      return { release: this.releaser() };
    }
    if (this.waiting.length >= this.queueLimit) return { refused: "full" };
    const granted = await new Promise<boolean>((grant) => this.waiting.push({ grant, duringDrain }));
    return granted ? { release: this.releaser() } : { refused: "closed" };
  }

  /** Shutdown begins: only calls to sessions are admitted; other waiting callers are turned away. */
  drain(): void {
    this.draining = true;
    const kept = this.waiting.filter((w) => w.duringDrain);
    for (const w of this.waiting) if (!w.duringDrain) w.grant(false);
    this.waiting.splice(0, this.waiting.length, ...kept);
  }

  /** Shutdown: no new admissions, and those waiting are turned away. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.grant(false);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next caller, so `running` never overshoots.
      if (next) next.grant(true);
      else this.running--;
    };
  }
}
