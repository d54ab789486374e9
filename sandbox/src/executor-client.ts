import { connect } from "node:net";
import type { RuntimeConfig } from "./config";

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

/** How the executor isolates executions on this platform (sandbox/THREAT-MODEL.md). */
export type Isolation = "namespaces" | "pidns" | "none";

export class ExecutorUnavailable extends Error {}

/** Above the executor's own timeout: it answers a timed-out execution itself, this is the backstop. */
const BACKSTOP_MS = 10_000;
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/**
 * One request and one JSON line back over the executor's unix socket. Node never forks: a
 * connection is all an execution costs the event loop. Closing the connection (the backstop, a
 * shutdown) makes the executor kill the execution.
 */
function exchange<T>(socketPath: string, message: unknown, timeoutMs: number, stop?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(new ExecutorUnavailable("the executor did not answer in time")), timeoutMs);
    socket.on("error", (error) => finish(new ExecutorUnavailable(`executor: ${error.message}`)));
    socket.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) return finish(new ExecutorUnavailable("executor: answer too large"));
      chunks.push(chunk);
    });
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (!text.endsWith("\n")) return finish(new ExecutorUnavailable("executor: the connection closed without an answer"));
      try {
        finish(undefined, JSON.parse(text) as T);
      } catch {
        finish(new ExecutorUnavailable("executor: unreadable answer"));
      }
    });
    socket.write(`${JSON.stringify(message)}\n`);
    // Half-closing tells the executor to kill the execution; its answer still comes back.
    stop?.addEventListener("abort", () => socket.end(), { once: true });
  });
}

export class ExecutorClient {
  constructor(private readonly config: RuntimeConfig) {}

  /** Runs one execution; aborting `stop` kills it, and the answer still comes. */
  run(request: ExecutionRequest, stop?: AbortSignal): Promise<ExecutionResult> {
    const c = this.config;
    return exchange<ExecutionResult>(
      c.executorSocket,
      {
        code: request.code,
        stdin: request.stdin ?? "",
        timeoutMs: request.timeoutMs,
        memoryBytes: c.memoryLimitBytes,
        cpuSeconds: c.cpuSeconds,
        maxProcesses: c.maxProcesses,
        maxFileBytes: c.maxFileBytes,
        outputLimitBytes: c.outputLimitBytes,
      },
      request.timeoutMs + BACKSTOP_MS,
      stop,
    );
  }

  /** Whether the executor answers, and with which isolation. */
  async ping(): Promise<Isolation> {
    const answer = await exchange<{ ok: boolean; isolation: Isolation }>(this.config.executorSocket, { op: "ping" }, 2000);
    return answer.isolation;
  }
}
