import { type IncomingMessage, type OutgoingHttpHeaders, request } from "node:http";
import type { Readable } from "node:stream";

/*
 * A request for a session another replica owns, sent on to that replica once (SESSIONS.md,
 * "Reaching a session again"): same method, path, body and Authorization, marked with
 * `x-agentyard-forwarded: 1` so the owner never sends it on again.
 */

export const FORWARDED_HEADER = "x-agentyard-forwarded";
/** A replica that is gone does not always refuse (a terminated task's address drops packets): 3 s to connect. */
const CONNECT_TIMEOUT_MS = 3000;

/** The owner could not be reached, or broke the connection: its replica is gone, and the session with it. */
export class OwnerGone extends Error {}

/**
 * The owner took the request but did not answer in time: it is there, busy (a call can wait in
 * its session's queue behind others), so the session is not declared gone: 504.
 */
export class OwnerSlow extends Error {}

export interface Forward {
  /** The owner's `host:port`. */
  readonly owner: string;
  readonly method: string;
  /** Path and query, as received. */
  readonly path: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly contentLength: string | undefined;
  readonly body: Readable | Buffer | undefined;
  /** Above the call's own time: the owner answers a call that ran out of time itself. */
  readonly timeoutMs: number;
}

/** Sends the request to its owner; resolves with the owner's answer, or rejects with OwnerGone. */
export function forward(f: Forward): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(`http://${f.owner}`);
    const headers: OutgoingHttpHeaders = { [FORWARDED_HEADER]: "1" };
    if (f.authorization !== undefined) headers.authorization = f.authorization;
    if (f.contentType !== undefined) headers["content-type"] = f.contentType;
    if (f.contentLength !== undefined) headers["content-length"] = f.contentLength;
    else if (Buffer.isBuffer(f.body)) headers["content-length"] = String(f.body.length);
    // A connection of its own: a pooled one the owner closed meanwhile would fail like a dead owner.
    const upstream = request({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port) || 80, method: f.method, path: f.path, headers, agent: false });
    let answered = false;
    const timer = setTimeout(() => upstream.destroy(new OwnerSlow(`no answer within ${f.timeoutMs} ms`)), f.timeoutMs);
    upstream.on("socket", (socket) => {
      const connecting = setTimeout(() => upstream.destroy(new OwnerGone(`no connection within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      socket.once("connect", () => clearTimeout(connecting));
      socket.once("close", () => {
        clearTimeout(connecting);
        clearTimeout(timer);
      });
    });
    upstream.on("response", (res) => {
      answered = true;
      resolve(res);
    });
    upstream.on("error", (error) => {
      clearTimeout(timer);
      if (!answered) reject(error instanceof OwnerGone || error instanceof OwnerSlow ? error : new OwnerGone(error.message));
    });
    if (Buffer.isBuffer(f.body)) upstream.end(f.body);
    else if (f.body) f.body.pipe(upstream);
    else upstream.end();
  });
}
