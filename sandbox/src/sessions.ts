import { existsSync } from "node:fs";
import type { RuntimeConfig } from "./config";
import { type ExecutionRequest, type ExecutionResult, type ExecutorClient, ExecutorUnavailable, type SessionExecutionResult } from "./executor-client";
import type { Admission } from "./limiter";
import { Counter, Gauge, type Registry } from "./metrics";
import { type Answer, type CreatedSession, type SessionView, type StoredFile, done, failed, fileFailure, unknownSession } from "./session-answer";
import { SessionIds } from "./session-id";

export const END_REASONS = ["closed", "expired_ttl", "expired_idle", "crashed", "shutdown"] as const;
export type EndReason = (typeof END_REASONS)[number];

const REAP_EVERY_MS = 1000;
/** Calls one session may have running or waiting; past them, 429 (each holds an HTTP connection). */
const MAX_PENDING_CALLS = 16;

export interface SessionTableDeps {
  readonly config: RuntimeConfig;
  readonly executor: ExecutorClient;
  readonly ids: SessionIds;
  readonly metrics: Registry;
  readonly rejections: Counter;
  /** An execution slot (the MAX_SANDBOXES limiter), still granted while the replica drains. */
  admit(): Promise<Admission>;
  /** Seconds a caller refused a slot should wait. */
  retryAfterSeconds(): number;
  /** Counts an execution in sandbox_executions_total and its duration. */
  record(result: ExecutionResult): void;
}

class Session {
  readonly createdAt = Date.now();
  lastUsedAt = this.createdAt;
  /** Calls running or waiting their turn. */
  pending = 0;
  /** Settles when the last call queued so far has finished: calls run one at a time, in order. */
  tail: Promise<void> = Promise.resolve();
  running: AbortController | undefined;
  ended: Promise<void> | undefined;

  constructor(
    readonly executorId: string,
    readonly publicId: string,
    readonly ttlMs: number,
    readonly idleMs: number,
  ) {}

  get expiresAt(): number {
    return this.createdAt + this.ttlMs;
  }

  get idleExpiresAt(): number {
    return this.lastUsedAt + this.idleMs;
  }

  /** Why the session is over at `now`, if it is. */
  expiry(now: number): EndReason | undefined {
    if (now >= this.expiresAt) return "expired_ttl";
    if (this.pending === 0 && now >= this.idleExpiresAt) return "expired_idle";
    return undefined;
  }

  view(): SessionView {
    const iso = (ms: number) => new Date(ms).toISOString();
    return { id: this.publicId, createdAt: iso(this.createdAt), lastUsedAt: iso(this.lastUsedAt), expiresAt: iso(this.expiresAt), idleExpiresAt: iso(this.idleExpiresAt), busy: this.pending > 0 };
  }
}

/**
 * This replica's sessions (sandbox/SESSIONS.md): each is a supervisor and an interpreter in the
 * executor container, reached on its own socket. The table admits sessions up to
 * SANDBOX_MAX_SESSIONS, queues each session's calls (one at a time, in order, each taking an
 * execution slot), reaps sessions past their TTL or idle timeout, and ends a session whose
 * interpreter died.
 */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private readonly endings = new Set<Promise<void>>();
  private creating = 0;
  private stopped = false;
  private readonly reaper: NodeJS.Timeout;
  private readonly created: Counter;
  private readonly ended: Counter;

  constructor(private readonly deps: SessionTableDeps) {
    const { config, metrics } = deps;
    metrics.add(new Gauge("sandbox_sessions_active", "Sessions open on this replica.", () => this.sessions.size));
    metrics.add(new Gauge("sandbox_sessions_max", "The session cap (SANDBOX_MAX_SESSIONS).", () => config.maxSessions));
    this.created = metrics.add(new Counter("sandbox_sessions_created_total", "Sessions created.", [{}]));
    this.ended = metrics.add(new Counter("sandbox_sessions_ended_total", "Sessions ended, by reason.", END_REASONS.map((reason) => ({ reason }))));
    this.reaper = setInterval(() => this.reap(), REAP_EVERY_MS);
    this.reaper.unref();
  }

  /** Sessions open, and those being closed (their interpreters still run). */
  get count(): number {
    return this.sessions.size + this.endings.size;
  }

  list(): SessionView[] {
    return [...this.sessions.values()].filter((s) => s.expiry(Date.now()) === undefined).map((s) => s.view());
  }

  describe(executorId: string): Answer<SessionView> {
    const session = this.live(executorId);
    return session ? done(session.view()) : unknownSession();
  }

  async create(ttlSeconds: number | undefined, idleTimeoutSeconds: number | undefined): Promise<Answer<CreatedSession>> {
    const { config, rejections } = this.deps;
    if (config.maxSessions === 0) return failed(404, "sessions are turned off on this service (SANDBOX_MAX_SESSIONS=0)");
    if (this.stopped) {
      rejections.inc({ reason: "shutdown" });
      return failed(503, "shutting down: create the session again and another replica takes it", 1);
    }
    if (this.count + this.creating >= config.maxSessions) {
      rejections.inc({ reason: "session_capacity" });
      return failed(429, `at the session limit (${config.maxSessions}): close a session or retry later`, this.secondsUntilOneEnds());
    }
    this.creating++;
    try {
      const ttlMs = (ttlSeconds ?? config.sessionTtlMs / 1000) * 1000;
      const idleMs = (idleTimeoutSeconds ?? config.sessionIdleMs / 1000) * 1000;
      const executorId = SessionIds.newExecutorId();
      const answer = await this.withSlot(() => this.deps.executor.createSession(executorId, { ttlMs, idleMs }));
      if (answer.kind === "failed") return answer;
      if (!answer.value.ok) {
        // At its own cap the executor still holds sessions this api does not know (it restarted):
        // they end at their backstop, so this is a full replica, not a broken one.
        if (answer.value.error.includes("SANDBOX_MAX_SESSIONS")) {
          rejections.inc({ reason: "session_capacity" });
          return failed(429, answer.value.error, 30);
        }
        return failed(503, `the executor could not make the session: ${answer.value.error}`, 1);
      }
      const session = new Session(executorId, this.deps.ids.mint({ executorId, owner: config.advertiseAddress }), ttlMs, idleMs);
      this.sessions.set(executorId, session);
      this.created.inc();
      if (this.stopped) {
        // SIGTERM came while the executor made it: nobody will call it here.
        await this.end(session, "shutdown");
        return failed(503, "shutting down: create the session again and another replica takes it", 1);
      }
      const view = session.view();
      return done({ id: view.id, createdAt: view.createdAt, expiresAt: view.expiresAt, ttlSeconds: ttlMs / 1000, idleTimeoutSeconds: idleMs / 1000 });
    } finally {
      this.creating--;
    }
  }

  exec(executorId: string, request: ExecutionRequest): Promise<Answer<SessionExecutionResult>> {
    return this.call(executorId, async (session, stop) => {
      const result = await this.deps.executor.sessionExec(executorId, request, stop);
      // {"ok":false,"error"}: the executor refused the request itself; the session is untouched.
      if (typeof result.sessionAlive !== "boolean") return failed(502, `executor: ${(result as { error?: string }).error ?? "unreadable answer"}`);
      this.deps.record(result);
      // The interpreter is gone (killed at the CPU budget, os._exit, a signal): so is the session.
      if (!result.sessionAlive) void this.end(session, "crashed");
      return done(result);
    });
  }

  upload(executorId: string, path: string, content: Buffer): Promise<Answer<StoredFile>> {
    return this.call(executorId, async () => {
      const answer = await this.deps.executor.upload(executorId, path, content);
      return answer.ok ? done({ path: answer.path, size: answer.size }) : fileFailure(answer.code, answer.error);
    });
  }

  download(executorId: string, path: string): Promise<Answer<{ path: string; size: number; content: Buffer }>> {
    return this.call(executorId, async () => {
      const answer = await this.deps.executor.download(executorId, path);
      return answer.ok ? done({ path: answer.path, size: answer.size, content: Buffer.from(answer.contentBase64, "base64") }) : fileFailure(answer.code, answer.error);
    });
  }

  listFiles(executorId: string): Promise<Answer<{ files: StoredFile[] }>> {
    return this.call(executorId, async () => {
      const answer = await this.deps.executor.listFiles(executorId);
      // {"ok":false,"error"}: the executor refused the request (one that reached another session's supervisor).
      return answer.ok ? done({ files: answer.files }) : failed(502, `executor: ${answer.error}`);
    });
  }

  /** Closes a session at its caller's request; answers once the executor has removed everything of it. */
  async close(executorId: string): Promise<Answer<null>> {
    const session = this.live(executorId);
    if (!session) return unknownSession();
    await this.end(session, "closed");
    return done(null);
  }

  /** Shutdown: no new sessions from now on. */
  stopCreating(): void {
    this.stopped = true;
  }

  /** Shutdown, at the end of the grace period: every session closed, running calls interrupted. */
  async closeAll(reason: EndReason): Promise<void> {
    this.stopped = true;
    clearInterval(this.reaper);
    for (const session of [...this.sessions.values()]) void this.end(session, reason);
    while (this.endings.size > 0) await Promise.all([...this.endings]);
  }

  /** The session, if it is open and not past its TTL or idle timeout (one past them is closed). */
  private live(executorId: string): Session | undefined {
    const session = this.sessions.get(executorId);
    if (!session) return undefined;
    const expired = session.expiry(Date.now());
    if (expired === undefined) return session;
    if (session.pending === 0) void this.end(session, expired);
    return undefined;
  }

  /** Runs `work` when the session's earlier calls are done, with an execution slot. */
  private async call<T>(executorId: string, work: (session: Session, stop: AbortSignal) => Promise<Answer<T>>): Promise<Answer<T>> {
    const session = this.live(executorId);
    if (!session) return unknownSession();
    if (session.pending >= MAX_PENDING_CALLS) {
      this.deps.rejections.inc({ reason: "capacity" });
      return failed(429, "too many calls waiting for this session", this.deps.retryAfterSeconds());
    }
    session.pending++;
    session.lastUsedAt = Date.now();
    const turn = session.tail;
    let finished = () => {};
    session.tail = new Promise<void>((resolve) => (finished = resolve));
    try {
      await turn;
      if (session.ended) return unknownSession();
      return await this.withSlot(async () => {
        // Closed while this call waited for a slot: the executor must not run it.
        if (session.ended) return unknownSession();
        const stop = new AbortController();
        session.running = stop;
        try {
          return await work(session, stop.signal);
        } finally {
          session.running = undefined;
        }
      }, session).then((answer) => (answer.kind === "done" ? answer.value : answer));
    } finally {
      session.pending--;
      session.lastUsedAt = Date.now();
      finished();
    }
  }

  /**
   * Runs `work` holding an execution slot. An executor that does not answer is 503; for a
   * session, a socket nobody listens on (or that is gone) means the session is over: 404.
   */
  private async withSlot<T>(work: () => Promise<T>, session?: Session): Promise<Answer<T>> {
    const admission = await this.deps.admit();
    if ("refused" in admission) {
      const reason = admission.refused === "full" ? "capacity" : "shutdown";
      this.deps.rejections.inc({ reason });
      return failed(reason === "capacity" ? 429 : 503, reason === "capacity" ? "at capacity" : "shutting down", this.deps.retryAfterSeconds());
    }
    try {
      return done(await work());
    } catch (error) {
      if (!(error instanceof ExecutorUnavailable)) throw error;
      if (session && (error.nobodyListens || !existsSync(this.deps.executor.sessionSocket(session.executorId)))) {
        void this.end(session, "crashed");
        return unknownSession();
      }
      this.deps.rejections.inc({ reason: "unavailable" });
      return failed(503, "executor unavailable", 1);
    } finally {
      admission.release();
    }
  }

  /** Ends a session once: no new calls, the running one interrupted, then the executor closes it. */
  private end(session: Session, reason: EndReason): Promise<void> {
    if (session.ended) return session.ended;
    this.sessions.delete(session.executorId);
    this.ended.inc({ reason });
    session.running?.abort();
    const ending = (async () => {
      await session.tail;
      // A crashed session's supervisor is gone or going; there is nobody to ask.
      if (reason !== "crashed") await this.deps.executor.closeSession(session.executorId).catch(() => undefined);
      console.log(JSON.stringify({ level: "info", msg: "session ended", reason, ageMs: Date.now() - session.createdAt }));
    })();
    session.ended = ending;
    this.endings.add(ending);
    void ending.finally(() => this.endings.delete(ending));
    return ending;
  }

  private reap(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      const expired = session.pending === 0 ? session.expiry(now) : undefined;
      if (expired) void this.end(session, expired);
    }
  }

  /** Retry-After at the session cap: until the first session's TTL or idle timeout, at least 1 s. */
  private secondsUntilOneEnds(): number {
    const now = Date.now();
    const soonest = Math.min(...[...this.sessions.values()].map((s) => Math.min(s.expiresAt, s.idleExpiresAt)));
    return Number.isFinite(soonest) ? Math.max(1, Math.ceil((soonest - now) / 1000)) : 1;
  }
}
