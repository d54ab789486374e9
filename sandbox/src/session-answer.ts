import type { FileError } from "./executor-client";

/** What a session call comes to, on this replica or on its owner: a value, or an HTTP status and why. */
export interface Failure {
  readonly kind: "failed";
  readonly status: number;
  readonly error: string;
  readonly retryAfterSeconds?: number;
}
export type Answer<T> = { readonly kind: "done"; readonly value: T } | Failure;

export const done = <T>(value: T): Answer<T> => ({ kind: "done", value });
export const failed = (status: number, error: string, retryAfterSeconds?: number): Failure => ({ kind: "failed", status, error, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
export const unknownSession = (): Failure => failed(404, "no such session: it was closed, expired or never existed here; create a new one");

/** The executor's file error codes (SESSIONS.md) as HTTP statuses. */
const FILE_STATUS: Record<FileError, number> = { invalid_path: 400, invalid_request: 400, not_found: 404, not_a_file: 409, too_large: 413, no_space: 507 };

export function fileFailure(code: FileError, error: string): Failure {
  return failed(FILE_STATUS[code] ?? 500, error);
}

/** What `POST /v1/sessions/{id}/execute` answers: `/v1/execute`'s fields plus `sessionAlive`. */
export interface SessionExecBody {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly truncated: boolean;
  readonly sessionAlive: boolean;
}

/** What `GET /v1/sessions/{id}` answers. */
export interface SessionView {
  readonly id: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly expiresAt: string;
  readonly idleExpiresAt: string;
  readonly busy: boolean;
}

/** What `POST /v1/sessions` answers. */
export interface CreatedSession {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly ttlSeconds: number;
  readonly idleTimeoutSeconds: number;
}

export interface StoredFile {
  readonly path: string;
  readonly size: number;
}
