import { createHash, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse, createServer } from "node:http";
import { HttpError, readJson, send } from "./http-io";
import { Counter, Histogram } from "./metrics";
import { handleMcp } from "./mcp";
import { describeProblem, executeRequestSchema } from "./request";
import type { Sandbox } from "./sandbox";
import { FORWARDED_HEADER } from "./session-forward";
import { sessionRoutes } from "./session-routes";

function tokenCheck(expected: string | undefined): (req: IncomingMessage) => boolean {
  if (expected === undefined) return () => true;
  const want = createHash("sha256").update(expected).digest();
  return (req) => {
    const header = req.headers.authorization ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : "";
    // Hashes first: equal lengths for timingSafeEqual, and no length leak.
    return timingSafeEqual(createHash("sha256").update(given).digest(), want);
  };
}

/** The HTTP face of the sandbox: /v1/execute, /v1/sessions, /mcp, /health, /ready, /metrics. */
export function createSandboxServer(sandbox: Sandbox): Server {
  return createServer(sandboxHandler(sandbox));
}

const isSessionPath = (path: string) => path === "/v1/sessions" || path.startsWith("/v1/sessions/");

/** The request handler alone, for a server made elsewhere (a test that must know its port first). */
export function sandboxHandler(sandbox: Sandbox): RequestListener {
  const authorized = tokenCheck(sandbox.config.authToken);
  const requests = sandbox.metrics.add(new Counter("http_requests_total", "HTTP requests, by handler, method and status code."));
  const latency = sandbox.metrics.add(new Histogram("http_request_duration_seconds", "HTTP request latency, by handler.", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]));
  const schema = executeRequestSchema(sandbox.config.timeoutMs);
  const sessions = sessionRoutes(sandbox);
  // upload_file carries a whole file, base64-encoded, in its JSON.
  const mcpBodyLimit = Math.ceil((sandbox.config.sessionFileBytes * 4) / 3) + 64 * 1024;

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === "/health" && req.method === "GET") return send(res, 200, { status: "ok" });
    if (path === "/ready" && req.method === "GET") return send(res, sandbox.ready ? 200 : 503, { ready: sandbox.ready, isolation: sandbox.isolation ?? null });
    if (path === "/metrics" && req.method === "GET") return send(res, 200, sandbox.metrics.render());
    if (path !== "/v1/execute" && path !== "/mcp" && !isSessionPath(path)) throw new HttpError(404, `no route ${req.method} ${path}`);
    if (!authorized(req)) {
      sandbox.rejections.inc({ reason: "unauthorized" });
      return send(res, 401, { error: "a valid bearer token is required" }, { "www-authenticate": "Bearer" });
    }
    if (isSessionPath(path)) return sessions(req, res, path);
    if (path === "/mcp") {
      // Stateless transport: no session, so no server-initiated SSE stream to hold open on GET
      // (the MCP spec lets a server answer 405 there), and no session to DELETE.
      if (req.method !== "POST") throw new HttpError(405, "POST only: this MCP endpoint is stateless and offers no SSE stream");
      const caller = { authorization: req.headers.authorization, forwarded: req.headers[FORWARDED_HEADER] === "1" };
      return handleMcp(sandbox, req, res, await readJson(req, { limit: mcpBodyLimit }), caller);
    }
    if (req.method !== "POST") throw new HttpError(405, "POST only");
    const parsed = schema.safeParse(await readJson(req));
    if (!parsed.success) {
      sandbox.rejections.inc({ reason: "invalid" });
      throw new HttpError(400, describeProblem(parsed.error));
    }
    const { code, stdin, timeoutMs } = parsed.data;
    const answer = await sandbox.execute({ code, stdin, timeoutMs: timeoutMs ?? sandbox.config.timeoutMs });
    if (answer.kind === "refused") {
      const status = answer.reason === "capacity" ? 429 : 503;
      const error = { capacity: "at capacity", shutdown: "shutting down", unavailable: "executor unavailable" }[answer.reason];
      return send(res, status, { error }, { "retry-after": String(answer.retryAfterSeconds) });
    }
    const { stdout, stderr, exitCode, durationMs, timedOut, truncated } = answer.result;
    return send(res, 200, { stdout, stderr, exitCode, durationMs, timedOut, truncated });
  }

  return (req, res) => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    const handler = ["/health", "/ready", "/metrics", "/v1/execute", "/mcp"].includes(path) ? path : isSessionPath(path) ? "/v1/sessions" : "other";
    res.on("finish", () => {
      requests.inc({ handler, method: req.method ?? "", code: String(res.statusCode) });
      latency.observe((performance.now() - started) / 1000, { handler });
    });
    route(req, res, path).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) console.error(JSON.stringify({ level: "error", msg: "request failed", error: String(error) }));
      if (!res.headersSent) send(res, status, { error: error instanceof Error && status !== 500 ? error.message : "internal error" }, error instanceof HttpError ? error.headers : {});
      else res.destroy();
    });
  };
}
