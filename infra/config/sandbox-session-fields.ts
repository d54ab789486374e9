import { z } from "zod";
import { integer } from "./fields";

/*
 * The `sandbox.sessions` section and `sandbox.warmPool`: what sandbox/SESSIONS.md lets the
 * platform set. Sessions are interpreters an agent conversation keeps between calls; each holds
 * its variables and files until it is closed, idles out or reaches its TTL.
 */

/**
 * Supervisors the executor isolates ahead of demand (namespaces and a private tmpfs ready), per
 * replica: `SANDBOX_WARM_POOL`. It once counted interpreters started ahead, where 0 meant none;
 * the zygote now always keeps at least one supervisor ready, so 0 is refused rather than quietly
 * read as 1: a stack that asked for "no warm pool" learns that there is no such thing any more.
 */
export function warmPoolField() {
  const expected = "an integer from 1 to 64 (supervisors the executor isolates ahead of demand; 0 no longer turns the warm pool off, the executor always keeps one: set 1)";
  return z.number({ error: expected }).int({ error: expected }).min(1, { error: expected }).max(64, { error: expected });
}

/** The session home's size (`SANDBOX_SCRATCH_SIZE`, the runtime's default): a file larger than it can never be written. */
export const SESSION_HOME_MB = 64;

export const sessionsSection = z.strictObject({
  /** Sessions one replica holds at once (`SANDBOX_MAX_SESSIONS`); more are answered 429. 0 turns sessions off. */
  max: integer(0, 256),
  /** The longest a session lives, and the most a caller may ask (`SANDBOX_SESSION_TTL`). */
  ttlSeconds: integer(60, 86400),
  /** A session with no call for this long is closed, and the most a caller may ask (`SANDBOX_SESSION_IDLE_TIMEOUT`); at most ttlSeconds. */
  idleTimeoutSeconds: integer(30, 86400),
  /** Address-space limit of a session's interpreter (`SANDBOX_SESSION_MEMORY_LIMIT`); held between calls, so sessions.max of them must fit the executor (config check). */
  memoryMb: integer(32, 16384),
  /** CPU seconds a session may use in all its calls together (`SANDBOX_SESSION_CPU_LIMIT`); past it the session ends. */
  cpuSeconds: integer(1, 86400),
  /** The largest file uploaded to or downloaded from a session (`SANDBOX_SESSION_FILE_LIMIT`); at most the session home's 64 MiB. */
  fileLimitMb: integer(1, SESSION_HOME_MB),
});

export type SessionSettings = z.infer<typeof sessionsSection>;
