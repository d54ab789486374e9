import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { HttpError, readBody, readJson, send, sendBytes, sendEmpty } from "./http-io";
import { describeProblem, executeRequestSchema } from "./request";
import type { Sandbox } from "./sandbox";
import type { Answer } from "./session-answer";
import { type Caller, GONE, SLOW, execBody } from "./session-door";
import { FORWARDED_HEADER, OwnerGone, OwnerSlow, forward } from "./session-forward";
import { pathProblem } from "./session-path";

/*
 * The session routes (sandbox/SESSIONS.md, "HTTP API"), behind the bearer token. A route naming
 * a session another replica owns is streamed to that replica unread (session-door.ts decides).
 */

/** What `POST /v1/sessions` and the MCP tool `create_session` take. */
export function createSessionShape(maxTtlSeconds: number, maxIdleSeconds: number) {
  const seconds = (field: string, max: number, setting: string) =>
    z
      .number()
      .int(`${field}: expected an integer`)
      .min(1, `${field}: expected at least 1`)
      .max(max, `${field}: expected at most ${max} (${setting})`)
      .optional();
  return { ttlSeconds: seconds("ttlSeconds", maxTtlSeconds, "SANDBOX_SESSION_TTL"), idleTimeoutSeconds: seconds("idleTimeoutSeconds", maxIdleSeconds, "SANDBOX_SESSION_IDLE_TIMEOUT") };
}

type Route = "session" | "execute" | "files" | "file";
const METHODS: Record<Route, readonly string[]> = { session: ["GET", "DELETE"], execute: ["POST"], files: ["GET"], file: ["PUT", "GET"] };

function routeOf(rest: readonly string[]): Route | undefined {
  if (rest.length === 0) return "session";
  if (rest.length === 1 && rest[0] === "execute") return "execute";
  if (rest[0] === "files") return rest.length === 1 ? "files" : "file";
  return undefined;
}

function answer<T>(res: ServerResponse, result: Answer<T>, status: number, write: (value: T) => void = (value) => send(res, status, value)): void {
  if (result.kind === "done") return write(result.value);
  send(res, result.status, { error: result.error }, result.retryAfterSeconds === undefined ? {} : { "retry-after": String(result.retryAfterSeconds) });
}

export function sessionRoutes(sandbox: Sandbox): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const { config, sessions: table, sessionDoor: door } = sandbox;
  const createSchema = z.strictObject(createSessionShape(config.sessionTtlMs / 1000, config.sessionIdleMs / 1000));
  const executeSchema = executeRequestSchema(config.timeoutMs);
  const parse = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> => {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    sandbox.rejections.inc({ reason: "invalid" });
    throw new HttpError(400, describeProblem(parsed.error));
  };

  /** Streams the request to the replica that owns the session and its answer back. */
  async function sendOn(req: IncomingMessage, res: ServerResponse, owner: string): Promise<void> {
    let upstream: IncomingMessage;
    try {
      upstream = await forward({
        owner,
        method: req.method ?? "GET",
        path: req.url ?? "/",
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        contentLength: req.headers["content-length"],
        body: req.method === "PUT" || req.method === "POST" ? req : undefined,
        timeoutMs: door.forwardTimeoutMs,
      });
    } catch (error) {
      if (error instanceof OwnerSlow) throw new HttpError(504, SLOW);
      if (!(error instanceof OwnerGone)) throw error;
      door.forwards.inc({ result: "gone" });
      throw new HttpError(404, GONE);
    }
    door.forwards.inc({ result: "ok" });
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "content-length", "retry-after"]) {
      const value = upstream.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    res.writeHead(upstream.statusCode ?? 502, headers);
    upstream.on("error", () => res.destroy());
    // The caller hung up: so does the connection to the owner.
    res.on("close", () => upstream.destroy());
    upstream.pipe(res);
    await new Promise((resolve) => res.on("close", resolve));
  }

  return async (req, res, path) => {
    const [id, ...rest] = path.split("/").slice(3);
    if (id === undefined || id === "") {
      if (req.method === "POST") {
        const { ttlSeconds, idleTimeoutSeconds } = parse(createSchema, await readJson(req, { optional: true }));
        return answer(res, await table.create(ttlSeconds, idleTimeoutSeconds), 201);
      }
      if (req.method === "GET") return send(res, 200, { sessions: table.list() });
      throw new HttpError(405, "POST or GET only", { allow: "POST, GET" });
    }
    const route = routeOf(rest);
    if (route === undefined) throw new HttpError(404, `no route ${req.method} ${path}`);
    if (!METHODS[route].includes(req.method ?? "")) throw new HttpError(405, `${METHODS[route].join(" or ")} only`, { allow: METHODS[route].join(", ") });
    let file = "";
    if (route === "file") {
      try {
        file = rest.slice(1).map(decodeURIComponent).join("/");
      } catch {
        throw new HttpError(400, "path: expected a URL-encoded file path");
      }
      const problem = pathProblem(file);
      if (problem) throw new HttpError(400, problem);
    }
    const caller: Caller = { authorization: req.headers.authorization, forwarded: req.headers[FORWARDED_HEADER] === "1" };
    const where = door.locate(id, caller);
    if (where.kind === "missing") throw new HttpError(404, where.error);
    if (where.kind === "remote") return sendOn(req, res, where.owner);
    const executorId = where.executorId;
    // An unknown session is 404 before its body is read.
    const known = table.describe(executorId);
    if (known.kind === "failed") return answer(res, known, 404);
    if (route === "session" && req.method === "GET") return answer(res, known, 200);
    if (route === "session") return answer(res, await table.close(executorId), 204, () => sendEmpty(res, 204));
    if (route === "execute") {
      const { code, stdin, timeoutMs } = parse(executeSchema, await readJson(req));
      const result = await table.exec(executorId, { code, stdin, timeoutMs: timeoutMs ?? config.timeoutMs });
      return answer(res, result, 200, (value) => send(res, 200, execBody(value)));
    }
    if (route === "files") return answer(res, await table.listFiles(executorId), 200);
    if (req.method === "PUT") return answer(res, await table.upload(executorId, file, await readBody(req, config.sessionFileBytes, "file")), 201);
    return answer(res, await table.download(executorId, file), 200, (value) => sendBytes(res, value.content));
  };
}
