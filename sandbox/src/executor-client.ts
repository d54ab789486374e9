import { connect } from "node:net";
import * as path from "node:path";
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

export class ExecutorUnavailable extends Error {
  /** The socket error's code (ENOENT, ECONNREFUSED...) when the connection itself failed. */
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }

  /** Nothing listens at the socket: for a session's socket, the session is over. */
  get nobodyListens(): boolean {
    return this.code === "ENOENT" || this.code === "ECONNREFUSED";
  }
}

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
    socket.on("error", (error: NodeJS.ErrnoException) => finish(new ExecutorUnavailable(`executor: ${error.message}`, error.code)));
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

/** The settings a session is made with (sandbox/SESSIONS.md, `session_create`). */
export interface SessionSpec {
  readonly ttlMs: number;
  readonly idleMs: number;
}

export type FileError = "invalid_path" | "not_found" | "not_a_file" | "too_large" | "no_space" | "invalid_request";
export type FileAnswer<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly code: FileError; readonly error: string };
export interface SessionExecutionResult extends ExecutionResult {
  readonly sessionAlive: boolean;
}
export interface SessionFile {
  readonly path: string;
  readonly size: number;
}

/** Above a session call's own time: the interpreter gets 1 s to come back from SIGINT, then this. */
const SESSION_BACKSTOP_MS = BACKSTOP_MS + 1000;
/** Uploads, downloads, listings and closes: file work and a kill, never the code's time. */
const SESSION_OP_MS = 30_000;

export class ExecutorClient {
  constructor(private readonly config: RuntimeConfig) {}

  /** Where the zygote binds a session's socket: `<dir of the main socket>/sessions/<id>.sock`. */
  sessionSocket(id: string): string {
    return path.join(path.dirname(this.config.executorSocket), "sessions", `${id}.sock`);
  }

  /**
   * One request on session `id`'s socket, naming the session (`session`): where code can move
   * socket files (executions without a mount namespace), a call that reaches another session's
   * supervisor is refused there, not run (SESSIONS.md, THREAT-MODEL.md S1).
   */
  private sessionCall<T>(id: string, message: Readonly<Record<string, unknown>>, timeoutMs: number, stop?: AbortSignal): Promise<T> {
    return exchange<T>(this.sessionSocket(id), { ...message, session: id }, timeoutMs, stop);
  }

  /** Asks a fresh supervisor on the main socket to become session `id` (32 lowercase hex). */
  createSession(id: string, spec: SessionSpec): Promise<{ ok: true; id: string; isolation: Isolation } | { ok: false; error: string }> {
    const c = this.config;
    return exchange(
      c.executorSocket,
      {
        op: "session_create",
        id,
        memoryBytes: c.sessionMemoryBytes,
        cpuSeconds: c.sessionCpuSeconds,
        maxProcesses: c.maxProcesses,
        maxFileBytes: c.sessionFileBytes,
        outputLimitBytes: c.outputLimitBytes,
        ttlMs: spec.ttlMs,
        idleMs: spec.idleMs,
      },
      SESSION_OP_MS,
    );
  }

  /** Runs code in the session's interpreter; aborting `stop` half-closes the connection. */
  sessionExec(id: string, request: ExecutionRequest, stop?: AbortSignal): Promise<SessionExecutionResult> {
    return this.sessionCall(id, { op: "exec", code: request.code, stdin: request.stdin ?? "", timeoutMs: request.timeoutMs }, request.timeoutMs + SESSION_BACKSTOP_MS, stop);
  }

  upload(id: string, file: string, content: Buffer): Promise<FileAnswer<{ path: string; size: number }>> {
    return this.sessionCall(id, { op: "upload", path: file, contentBase64: content.toString("base64") }, SESSION_OP_MS);
  }

  download(id: string, file: string): Promise<FileAnswer<{ path: string; size: number; contentBase64: string }>> {
    return this.sessionCall(id, { op: "download", path: file }, SESSION_OP_MS);
  }

  listFiles(id: string): Promise<{ ok: true; files: SessionFile[] } | { ok: false; error: string }> {
    return this.sessionCall(id, { op: "list_files" }, SESSION_OP_MS);
  }

  /** Ends the session: the executor kills everything of it and removes its files. */
  closeSession(id: string): Promise<{ ok: boolean }> {
    return this.sessionCall(id, { op: "close" }, SESSION_OP_MS);
  }

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
