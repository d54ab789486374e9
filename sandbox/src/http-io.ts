import type { IncomingMessage, ServerResponse } from "node:http";

/* Reading requests and writing answers, shared by the routes (http.ts, session-routes.ts). */

const MAX_JSON_BYTES = 2 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Whether the request carries a body that has not been read. */
function unreadBody(req: IncomingMessage): boolean {
  return !req.complete && (Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined);
}

/** Writes a head for `status`; for a refusal whose body was not read, makes the connection close (see below). */
function head(res: ServerResponse, status: number, headers: Record<string, string | number>): void {
  if (unreadBody(res.req) && status >= 400) {
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
  res.writeHead(status, headers);
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  head(res, status, { "content-type": typeof body === "string" ? "text/plain; version=0.0.4; charset=utf-8" : "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendBytes(res: ServerResponse, bytes: Buffer): void {
  head(res, 200, { "content-type": "application/octet-stream", "content-length": bytes.length });
  res.end(bytes);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  head(res, status, {});
  res.end();
}

/**
 * The raw body, at most `limit` bytes: a larger declared length is refused before reading, a
 * longer stream as soon as it passes the limit, so no more than `limit` bytes are ever held.
 */
export async function readBody(req: IncomingMessage, limit: number, what = "body"): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `${what}: expected at most ${limit} bytes`);
  if (Number(req.headers["content-length"] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** A JSON body of at most `limit` bytes; `optional`: no body reads as `{}`. */
export async function readJson(req: IncomingMessage, { optional = false, limit = MAX_JSON_BYTES }: { optional?: boolean; limit?: number } = {}): Promise<unknown> {
  const body = await readBody(req, Math.max(limit, MAX_JSON_BYTES));
  if (body.length === 0) {
    if (optional) return {};
    throw new HttpError(400, "body: expected a JSON object, got nothing");
  }
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "body: expected JSON");
  }
}
