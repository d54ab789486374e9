import type { RuntimeConfig } from "./config";
import type { ExecutionRequest } from "./executor-client";
import { Counter, type Registry } from "./metrics";
import { type Answer, type SessionExecBody, type StoredFile, done, failed, unknownSession } from "./session-answer";
import { OwnerGone, OwnerSlow, forward } from "./session-forward";
import type { SessionIds } from "./session-id";
import type { SessionTable } from "./sessions";

/** Where a request for a session goes: this replica's table, the owning replica, or nowhere (404). */
export type Location = { readonly kind: "local"; readonly executorId: string } | { readonly kind: "remote"; readonly owner: string } | { readonly kind: "missing"; readonly error: string };

/** Who asked: what a forwarded request carries on. */
export interface Caller {
  readonly authorization: string | undefined;
  /** The request was forwarded to here already: it is never forwarded again. */
  readonly forwarded: boolean;
}

const MAX_FORWARDED_ANSWER_BYTES = 64 * 1024 * 1024;
export const GONE = "no such session: its replica is gone (scaled in or replaced); create a new one";
export const SLOW = "the replica that holds the session did not answer in time; it is still there: retry";

/**
 * The front door for a public session id, on any replica: checks the id's MAC, serves a session
 * of this replica from its table, and sends a call for another replica's session to its owner.
 * The HTTP routes stream a forwarded request (session-routes.ts); the MCP tools call the owner's
 * HTTP routes through `calls` below.
 */
export class SessionDoor {
  readonly forwards: Counter;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly ids: SessionIds,
    readonly table: SessionTable,
    metrics: Registry,
  ) {
    this.forwards = metrics.add(new Counter("sandbox_session_forwards_total", "Session calls forwarded to the replica that owns the session, by result.", [{ result: "ok" }, { result: "gone" }]));
  }

  /** Forwarding to another replica: above the longest call, which the owner answers itself. */
  get forwardTimeoutMs(): number {
    return this.config.timeoutMs + 15_000;
  }

  locate(publicId: string, caller: Caller): Location {
    const ref = this.ids.parse(publicId);
    if (!ref) return { kind: "missing", error: unknownSession().error };
    if (ref.owner === this.config.advertiseAddress) return { kind: "local", executorId: ref.executorId };
    // Without a token the id would not have verified: the key is this process's own.
    if (caller.forwarded || ref.owner === undefined) return { kind: "missing", error: unknownSession().error };
    return { kind: "remote", owner: ref.owner };
  }

  /** The session calls the MCP tools make, wherever the session lives. */
  calls(caller: Caller): SessionCalls {
    return new DoorCalls(this, caller);
  }
}

export interface SessionCalls {
  execute(id: string, request: ExecutionRequest): Promise<Answer<SessionExecBody>>;
  upload(id: string, path: string, content: Buffer): Promise<Answer<StoredFile>>;
  download(id: string, path: string): Promise<Answer<{ path: string; size: number; content: Buffer }>>;
  listFiles(id: string): Promise<Answer<{ files: StoredFile[] }>>;
  close(id: string): Promise<Answer<null>>;
}

export function execBody(result: SessionExecBody): SessionExecBody {
  const { stdout, stderr, exitCode, durationMs, timedOut, truncated, sessionAlive } = result;
  return { stdout, stderr, exitCode, durationMs, timedOut, truncated, sessionAlive };
}

class DoorCalls implements SessionCalls {
  constructor(
    private readonly door: SessionDoor,
    private readonly caller: Caller,
  ) {}

  async execute(id: string, request: ExecutionRequest): Promise<Answer<SessionExecBody>> {
    return this.route(
      id,
      async (executorId) => {
        const answer = await this.door.table.exec(executorId, request);
        return answer.kind === "done" ? done(execBody(answer.value)) : answer;
      },
      async (owner) => json<SessionExecBody>(await this.remote(owner, "POST", `/v1/sessions/${id}/execute`, Buffer.from(JSON.stringify(request)), "application/json")),
    );
  }

  upload(id: string, path: string, content: Buffer): Promise<Answer<StoredFile>> {
    return this.route(
      id,
      (executorId) => this.door.table.upload(executorId, path, content),
      async (owner) => json<StoredFile>(await this.remote(owner, "PUT", `/v1/sessions/${id}/files/${path}`, content, "application/octet-stream")),
    );
  }

  download(id: string, path: string): Promise<Answer<{ path: string; size: number; content: Buffer }>> {
    return this.route(
      id,
      (executorId) => this.door.table.download(executorId, path),
      async (owner) => {
        const answer = await this.remote(owner, "GET", `/v1/sessions/${id}/files/${path}`);
        return answer.status === 200 ? done({ path, size: answer.body.length, content: answer.body }) : json(answer);
      },
    );
  }

  listFiles(id: string): Promise<Answer<{ files: StoredFile[] }>> {
    return this.route(
      id,
      (executorId) => this.door.table.listFiles(executorId),
      async (owner) => json<{ files: StoredFile[] }>(await this.remote(owner, "GET", `/v1/sessions/${id}/files`)),
    );
  }

  close(id: string): Promise<Answer<null>> {
    return this.route(
      id,
      (executorId) => this.door.table.close(executorId),
      async (owner) => {
        const answer = await this.remote(owner, "DELETE", `/v1/sessions/${id}`);
        return answer.status === 204 ? done(null) : json(answer);
      },
    );
  }

  private async route<T>(id: string, local: (executorId: string) => Promise<Answer<T>>, remote: (owner: string) => Promise<Answer<T>>): Promise<Answer<T>> {
    const where = this.door.locate(id, this.caller);
    if (where.kind === "missing") return failed(404, where.error);
    if (where.kind === "local") return local(where.executorId);
    try {
      const answer = await remote(where.owner);
      this.door.forwards.inc({ result: "ok" });
      return answer;
    } catch (error) {
      if (error instanceof OwnerSlow) return failed(504, SLOW);
      if (!(error instanceof OwnerGone)) throw error;
      this.door.forwards.inc({ result: "gone" });
      return failed(404, GONE);
    }
  }

  /** One request to the owner's HTTP routes, its answer read whole (bounded). */
  private async remote(owner: string, method: string, path: string, body?: Buffer, contentType?: string): Promise<{ status: number; retryAfter: string | undefined; body: Buffer }> {
    const res = await forward({ owner, method, path, authorization: this.caller.authorization, contentType, contentLength: undefined, body, timeoutMs: this.door.forwardTimeoutMs });
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_FORWARDED_ANSWER_BYTES) throw new OwnerGone("the owner's answer is too large");
        chunks.push(chunk);
      }
    } catch (error) {
      throw error instanceof OwnerGone || error instanceof OwnerSlow ? error : new OwnerGone(`the owner's answer broke off: ${String(error)}`);
    }
    const retryAfter = res.headers["retry-after"];
    return { status: res.statusCode ?? 502, retryAfter: typeof retryAfter === "string" ? retryAfter : undefined, body: Buffer.concat(chunks, size) };
  }
}

/** The owner's JSON answer as an Answer: 2xx is the value, anything else its error. */
function json<T>(answer: { status: number; retryAfter: string | undefined; body: Buffer }): Answer<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (answer.status >= 200 && answer.status < 300) return done(parsed as T);
  const error = (parsed as { error?: unknown } | undefined)?.error;
  const retryAfter = Number(answer.retryAfter);
  return failed(answer.status, typeof error === "string" ? error : `the owning replica answered ${answer.status}`, Number.isFinite(retryAfter) && answer.retryAfter !== undefined ? retryAfter : undefined);
}
