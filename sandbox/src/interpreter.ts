import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import type { RuntimeConfig } from "./config";
import { PYTHON_BOOTSTRAP } from "./python-bootstrap";
import type { ScratchSpace } from "./scratch";

export type Outcome = "success" | "error" | "timeout" | "output_limit" | "killed";

export interface ExecutionResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly truncated: boolean;
  readonly outcome: Outcome;
}

export interface ExecutionRequest {
  readonly code: string;
  readonly stdin?: string;
  readonly timeoutMs: number;
}

/**
 * One started interpreter, waiting for its code. Used once: after `run` it is dead and its
 * scratch directory gone, whatever the code did.
 */
export class Interpreter {
  private readonly child: ChildProcess;
  private readonly control: Writable;
  private used = false;
  private exited = false;
  readonly exitedEarly: Promise<void>;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly scratch: ScratchSpace,
    readonly dir = scratch.create(),
  ) {
    const c = config;
    this.child = spawn(c.python, ["-I", "-c", PYTHON_BOOTSTRAP, String(c.memoryLimitBytes), String(c.cpuSeconds), String(c.maxProcesses), String(c.maxFileBytes)], {
      cwd: dir,
      // Nothing inherited: no credentials, tokens or service settings reach the code.
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: dir, TMPDIR: dir, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      // Its own process group (setsid), so a timeout kills every process the code started.
      detached: true,
      uid: c.runAs?.uid,
      gid: c.runAs?.gid,
    });
    this.control = this.child.stdio[3] as Writable;
    // A closed pipe on a killed child is expected; the exit handler tells the story.
    for (const stream of [this.child.stdin, this.control]) stream?.on("error", () => undefined);
    this.exitedEarly = new Promise((resolve) => this.child.once("exit", () => {
      this.exited = true;
      resolve();
    }));
    this.child.once("error", () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Still waiting for code (not crashed while idle in the pool). */
  get alive(): boolean {
    return !this.exited && !this.used && this.child.pid !== undefined;
  }

  run(request: ExecutionRequest): Promise<ExecutionResult> {
    if (this.used) throw new Error("an interpreter runs one execution only");
    this.used = true;
    const started = performance.now();
    const limit = this.config.outputLimitBytes;
    const out = new Capture(limit);
    const err = new Capture(limit);
    let timedOut = false;
    let overflowed = false;
    const child = this.child;

    return new Promise((resolve) => {
      const stop = () => this.killGroup();
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, request.timeoutMs);
      const onData = (capture: Capture) => (chunk: Buffer) => {
        if (!capture.add(chunk) && !overflowed) {
          overflowed = true;
          stop();
        }
      };
      child.stdout?.on("data", onData(out));
      child.stderr?.on("data", onData(err));
      child.once("exit", () => {
        // The execution ends with its first process: what it left behind in its group is killed,
        // and pipes still held open by an escaped descendant are not waited for.
        this.killGroup();
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, 200).unref();
      });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        // The leader is gone; anything it left in its group goes with it.
        this.killGroup();
        this.scratch.remove(this.dir);
        const truncated = out.truncated || err.truncated;
        const outcome: Outcome = timedOut ? "timeout" : overflowed ? "output_limit" : signal ? "killed" : code === 0 ? "success" : "error";
        resolve({
          stdout: out.text(),
          stderr: err.text(),
          exitCode: code,
          signal,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          timedOut,
          truncated,
          outcome,
        });
      });
      this.control.end(request.code);
      if (request.stdin) child.stdin?.end(request.stdin);
      else child.stdin?.end();
    });
  }

  /** Kills the whole process group (an idle interpreter being discarded, or a finished one's leftovers). */
  killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // ESRCH: the group is already empty.
    }
  }

  discard(): void {
    this.used = true;
    this.killGroup();
    this.child.once("close", () => this.scratch.remove(this.dir));
    if (this.exited) this.scratch.remove(this.dir);
  }
}

/** Keeps the first `limit` bytes of a stream and says whether more came. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  /** False once the limit is passed. */
  add(chunk: Buffer): boolean {
    const room = this.limit - this.size;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size = this.limit;
      this.truncated = true;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  text(): string {
    return Buffer.concat(this.chunks, this.size).toString("utf8");
  }
}
