export type Admission = { readonly release: () => void } | { readonly refused: "full" | "closed" };

/**
 * At most `slots` executions at once and `queueLimit` waiting; past that, callers are refused at
 * once (429) instead of piling up until the service falls over.
 */
export class Limiter {
  private running = 0;
  private closed = false;
  private readonly waiting: Array<(granted: boolean) => void> = [];

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

  async acquire(): Promise<Admission> {
    if (this.closed) return { refused: "closed" };
    if (this.running < this.slots) {
      this.running++;
      return { release: this.releaser() };
    }
    if (this.waiting.length >= this.queueLimit) return { refused: "full" };
    const granted = await new Promise<boolean>((resolve) => this.waiting.push(resolve));
    return granted ? { release: this.releaser() } : { refused: "closed" };
  }

  /** Shutdown: no new admissions, and those waiting are turned away. */
  close(): void {
    this.closed = true;
    for (const resolve of this.waiting.splice(0)) resolve(false);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next caller, so `running` never overshoots.
      if (next) next(true);
      else this.running--;
    };
  }
}
