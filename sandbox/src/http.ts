import { createHash, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { Counter, Histogram } from "./metrics";
import { handleMcp } from "./mcp";
import { describeProblem, executeRequestSchema } from "./request";
import type { Sandbox } from "./sandbox";

const MAX_BODY_BYTES = 2 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const unreadBody = !res.req.complete && (Number(res.req.headers["content-length"] ?? 0) > 0 || res.req.headers["transfer-encoding"] !== undefined);
  if (unreadBody && status >= 400) {
    // A refused request whose body was not read (unauthorised, too large): answer and close,
    // without reading the body. Node would read and discard all of it, or reset the connection
    // before the client reads the answer; instead: FIN, stop reading (the client's writes stall
    // on a full window and it reads the answer), and drop the connection 2 s later.
    headers = { ...headers, connection: "close" };
    const socket = res.req.socket;
    socket.destroySoon = () => {
      socket.end();
      socket.pause();
      setTimeout(() => socket.destroy(), 2000).unref();
    };
  }
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; version=0.0.4; charset=utf-8" : "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `body: expected at most ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body: expected at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) throw new HttpError(400, "body: expected a JSON object, got nothing");
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body: expected JSON");
  }
}

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

/** The HTTP face of the sandbox: /v1/execute, /mcp, /health, /ready, /metrics. */
export function createSandboxServer(sandbox: Sandbox): Server {
  const authorized = tokenCheck(sandbox.config.authToken);
  const requests = sandbox.metrics.add(new Counter("http_requests_total", "HTTP requests, by handler, method and status code."));
  const latency = sandbox.metrics.add(new Histogram("http_request_duration_seconds", "HTTP request latency, by handler.", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]));
  const schema = executeRequestSchema(sandbox.config.timeoutMs);

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === "/health" && req.method === "GET") return send(res, 200, { status: "ok" });
    if (path === "/ready" && req.method === "GET") return send(res, sandbox.ready ? 200 : 503, { ready: sandbox.ready, isolation: sandbox.isolation ?? null });
    if (path === "/metrics" && req.method === "GET") return send(res, 200, sandbox.metrics.render());
    if (path !== "/v1/execute" && path !== "/mcp") throw new HttpError(404, `no route ${req.method} ${path}`);
    if (!authorized(req)) {
      sandbox.rejections.inc({ reason: "unauthorized" });
      return send(res, 401, { error: "a valid bearer token is required" }, { "www-authenticate": "Bearer" });
    }
    if (path === "/mcp") {
      // Stateless transport: no session, so no server-initiated SSE stream to hold open on GET
      // (the MCP spec lets a server answer 405 there), and no session to DELETE.
      if (req.method !== "POST") throw new HttpError(405, "POST only: this MCP endpoint is stateless and offers no SSE stream");
      return handleMcp(sandbox, req, res, await readJson(req));
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

  return createServer((req, res) => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    const handler = ["/health", "/ready", "/metrics", "/v1/execute", "/mcp"].includes(path) ? path : "other";
    res.on("finish", () => {
      requests.inc({ handler, method: req.method ?? "", code: String(res.statusCode) });
      latency.observe((performance.now() - started) / 1000, { handler });
    });
    route(req, res, path).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) console.error(JSON.stringify({ level: "error", msg: "request failed", error: String(error) }));
      if (!res.headersSent) send(res, status, { error: error instanceof Error && status !== 500 ? error.message : "internal error" });
      else res.destroy();
    });
  });
}
