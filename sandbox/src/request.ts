import { z } from "zod";

/** What `POST /v1/execute` and the MCP tool take. */
export const MAX_CODE_BYTES = 256 * 1024;
export const MAX_STDIN_BYTES = 1024 * 1024;

export function executeRequestShape(maxTimeoutMs: number) {
  return {
    code: z
      .string()
      .min(1, "code: expected Python source, got an empty string")
      .max(MAX_CODE_BYTES, `code: expected at most ${MAX_CODE_BYTES} characters`)
      // Python refuses source with NUL bytes ("source code string cannot contain null bytes").
      .refine((code) => !code.includes("\u0000"), "code: expected Python source without NUL bytes"),
    timeoutMs: z
      .number()
      .int("timeoutMs: expected an integer")
      .min(1, "timeoutMs: expected at least 1")
      .max(maxTimeoutMs, `timeoutMs: expected at most ${maxTimeoutMs} (SANDBOX_TIMEOUT)`)
      .optional(),
    stdin: z.string().max(MAX_STDIN_BYTES, `stdin: expected at most ${MAX_STDIN_BYTES} characters`).optional(),
  };
}

export function executeRequestSchema(maxTimeoutMs: number) {
  return z.strictObject(executeRequestShape(maxTimeoutMs));
}

/** The first problem, as one line a caller can act on. */
export function describeProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid request";
  if (issue.code === "unrecognized_keys") return `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: expected code, timeoutMs, stdin`;
  const field = issue.path.join(".") || "body";
  return issue.message.startsWith(`${field}:`) ? issue.message : `${field}: ${issue.message}`;
}
