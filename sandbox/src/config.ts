/*
 * The runtime's settings, from the environment. The seeds' names are kept (SANDBOX_TIMEOUT in
 * seconds, MAX_SANDBOXES, SANDBOX_MEMORY_LIMIT as 256m or 1g); one difference: SANDBOX_CPU_LIMIT
 * is CPU seconds per execution (an rlimit), not a percentage of a core.
 */

export interface RuntimeConfig {
  readonly port: number;
  readonly host: string;
  /** The executor's unix socket (in the volume both containers share). */
  readonly executorSocket: string;
  /** Wall-clock limit per execution, and the most a request may ask for. */
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  /** Requests that may wait for a slot; beyond them the answer is 429. */
  readonly queueLimit: number;
  readonly memoryLimitBytes: number;
  readonly cpuSeconds: number;
  /** RLIMIT_NPROC: counts every process and thread of the execution user. */
  readonly maxProcesses: number;
  readonly maxFileBytes: number;
  /** Bytes kept of stdout and of stderr each; an execution that writes more is stopped. */
  readonly outputLimitBytes: number;
  /** Size of each execution's private tmpfs (scratch directory, /tmp and /dev/shm together); the executor reads the same variable. */
  readonly scratchBytes: number;
  /** Open HTTP connections at most (server.maxConnections); beyond, new ones are dropped. */
  readonly maxConnections: number;
  readonly authToken: string | undefined;
  readonly shutdownGraceMs: number;
  /** Sessions held at once on this replica (sandbox/SESSIONS.md); 0 turns sessions off. */
  readonly maxSessions: number;
  /** A session's lifetime, and the most a caller may ask for. */
  readonly sessionTtlMs: number;
  /** How long a session may go without a call, and the most a caller may ask for. */
  readonly sessionIdleMs: number;
  /** RLIMIT_AS of a session's interpreter. */
  readonly sessionMemoryBytes: number;
  /** A session's whole CPU budget (RLIMIT_CPU of its interpreter). */
  readonly sessionCpuSeconds: number;
  /** The largest file a session takes (upload) or gives (download). */
  readonly sessionFileBytes: number;
  /** `host:port` other replicas reach this one at; undefined: no forwarding to here (see advertise.ts). */
  readonly advertiseAddress: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

export class RuntimeConfigError extends Error {}

function integer(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RuntimeConfigError(`${key}: got ${JSON.stringify(raw)}, expected an integer from ${min} to ${max}`);
  }
  return value;
}

const SIZE = /^(\d+)([kmg]?)b?$/i;
const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Docker-style sizes, as the seeds write them: `256m`, `1g`, or bytes. */
export function parseSize(key: string, raw: string): number {
  const match = SIZE.exec(raw.trim());
  const value = match ? Number(match[1]) * (UNITS[match[2].toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(value) || value < 16 * 1024 ** 2) {
    throw new RuntimeConfigError(`${key}: got ${JSON.stringify(raw)}, expected a size of at least 16m such as 256m or 1g`);
  }
  return value;
}

/** 8 MiB: the api holds an upload whole, then base64-encoded (11 MiB more) for the executor's JSON line. */
const MAX_SESSION_FILE_BYTES = 8 * 1024 ** 2;

/** A session file's size, from 1k to 8m (above): each upload or download in flight costs the api about 3 times that. */
function fileSize(env: Env, key: string, fallback: string): number {
  const raw = env[key] || fallback;
  const match = SIZE.exec(raw.trim());
  const value = match ? Number(match[1]) * (UNITS[match[2].toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(value) || value < 1024 || value > MAX_SESSION_FILE_BYTES) {
    throw new RuntimeConfigError(`${key}: got ${JSON.stringify(raw)}, expected a size from 1k to 8m such as 512k or 8m`);
  }
  return value;
}

const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/;

/** Whether `raw` is `host:port` (an IPv6 host in brackets): a URL authority other replicas can dial. */
export function isAddress(raw: string): boolean {
  const match = ADDRESS.exec(raw);
  const port = match ? Number(match[1]) : 0;
  return port >= 1 && port <= 65535;
}

export function parseAddress(key: string, raw: string): string {
  if (!isAddress(raw)) throw new RuntimeConfigError(`${key}: got ${JSON.stringify(raw)}, expected host:port such as 10.0.3.17:8080`);
  return raw;
}

export function loadConfig(env: Env, readFile: (path: string) => string): RuntimeConfig {
  const maxConcurrent = integer(env, "MAX_SANDBOXES", 4, 1, 1024);
  const tokenFile = env.SANDBOX_AUTH_TOKEN_FILE;
  const authToken = tokenFile ? readFile(tokenFile).trim() : env.SANDBOX_AUTH_TOKEN || undefined;
  if (authToken !== undefined && authToken.length < 16) throw new RuntimeConfigError("SANDBOX_AUTH_TOKEN: expected at least 16 characters");
  const memoryLimitBytes = parseSize("SANDBOX_MEMORY_LIMIT", env.SANDBOX_MEMORY_LIMIT || "256m");
  return {
    port: integer(env, "PORT", 8080, 0, 65535),
    host: env.HOST || "0.0.0.0",
    executorSocket: env.SANDBOX_EXECUTOR_SOCKET || "/run/agentyard/executor.sock",
    timeoutMs: integer(env, "SANDBOX_TIMEOUT", 30, 1, 3600) * 1000,
    maxConcurrent,
    queueLimit: integer(env, "SANDBOX_QUEUE_LIMIT", maxConcurrent * 2, 0, 100000),
    memoryLimitBytes,
    cpuSeconds: integer(env, "SANDBOX_CPU_LIMIT", 10, 1, 3600),
    maxProcesses: integer(env, "SANDBOX_MAX_PROCESSES", 64, 8, 65536),
    maxFileBytes: parseSize("SANDBOX_MAX_FILE_SIZE", env.SANDBOX_MAX_FILE_SIZE || "64m"),
    outputLimitBytes: integer(env, "SANDBOX_OUTPUT_LIMIT", 1024 * 1024, 1024, 64 * 1024 * 1024),
    scratchBytes: parseSize("SANDBOX_SCRATCH_SIZE", env.SANDBOX_SCRATCH_SIZE || "64m"),
    maxConnections: integer(env, "SANDBOX_MAX_CONNECTIONS", 256, 8, 65536),
    authToken,
    shutdownGraceMs: integer(env, "SANDBOX_SHUTDOWN_GRACE_MS", 25000, 0, 600000),
    maxSessions: integer(env, "SANDBOX_MAX_SESSIONS", 16, 0, 1024),
    sessionTtlMs: integer(env, "SANDBOX_SESSION_TTL", 3600, 1, 7 * 86400) * 1000,
    sessionIdleMs: integer(env, "SANDBOX_SESSION_IDLE_TIMEOUT", 600, 1, 7 * 86400) * 1000,
    sessionMemoryBytes: env.SANDBOX_SESSION_MEMORY_LIMIT ? parseSize("SANDBOX_SESSION_MEMORY_LIMIT", env.SANDBOX_SESSION_MEMORY_LIMIT) : memoryLimitBytes,
    sessionCpuSeconds: integer(env, "SANDBOX_SESSION_CPU_LIMIT", 300, 1, 86400),
    sessionFileBytes: fileSize(env, "SANDBOX_SESSION_FILE_LIMIT", "8m"),
    advertiseAddress: env.SANDBOX_ADVERTISE_ADDRESS ? parseAddress("SANDBOX_ADVERTISE_ADDRESS", env.SANDBOX_ADVERTISE_ADDRESS) : undefined,
  };
}
