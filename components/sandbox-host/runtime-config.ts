import * as path from "node:path";
import { PACKAGE_ROOT } from "../../infra/package-root";
import { SANDBOX_API_MEMORY_MB } from "../../infra/config/sandbox-memory";
import { SESSION_HOME_MB } from "../../infra/config/sandbox-session-fields";
import type { SandboxSettings } from "./args";

export const SANDBOX_PORT = 8080;
/** Pods with this label may call the sandbox (AgentService sets it). */
export const SANDBOX_CLIENT_LABEL = { "agentyard.dev/sandbox-client": "true" } as const;
/** The runtime's build context: its Dockerfile and sources (shipped in the package). */
export const SANDBOX_CONTEXT = path.join(PACKAGE_ROOT, "sandbox");

/** The api container's share of a replica: Node answering HTTP and the probes, never running code. */
export const API_MEMORY_MB = SANDBOX_API_MEMORY_MB;
/** The unix socket the executor listens on, inside the shared ipc volume. */
export const EXECUTOR_SOCKET_NAME = "executor.sock";

/** The runtime's settings (sandbox/src/config.ts reads them) from the sandbox section. */
export function runtimeConfig(s: SandboxSettings, paths: { ipcDir: string; scratchDir: string }): Record<string, string> {
  return {
    PORT: String(SANDBOX_PORT),
    MAX_SANDBOXES: String(s.maxConcurrent),
    SANDBOX_QUEUE_LIMIT: String(s.maxConcurrent * 2),
    SANDBOX_TIMEOUT: String(Math.ceil(s.timeoutMs / 1000)),
    SANDBOX_MEMORY_LIMIT: `${s.executionMemoryMb}m`,
    SANDBOX_CPU_LIMIT: String(s.executionCpuSeconds),
    SANDBOX_WARM_POOL: String(s.warmPool),
    // Each supervisor's private tmpfs, an execution's scratch or a session's home: said here
    // because the session memory check (infra/config/sandbox-memory.ts) counts it.
    SANDBOX_SCRATCH_SIZE: `${SESSION_HOME_MB}m`,
    ...sessionConfig(s),
    SANDBOX_SCRATCH_DIR: paths.scratchDir,
    SANDBOX_EXECUTOR_SOCKET: `${paths.ipcDir}/${EXECUTOR_SOCKET_NAME}`,
    // Running executions get the rest of the termination grace period to finish.
    SANDBOX_SHUTDOWN_GRACE_MS: String(Math.min(s.timeoutMs, 25_000)),
    // Under gVisor the executor cannot tell the api from its own executions by SO_PEERCRED
    // (sandbox/THREAT-MODEL.md, "gVisor"): it keeps executions from unix sockets instead.
    ...(s.gvisor ? { SANDBOX_GVISOR: "1" } : {}),
  };
}

/** The session settings of sandbox/SESSIONS.md, read by the api (and SANDBOX_MAX_SESSIONS by the executor too). */
export function sessionConfig(s: SandboxSettings): Record<string, string> {
  const sessions = s.sessions;
  return {
    SANDBOX_MAX_SESSIONS: String(sessions.max),
    SANDBOX_SESSION_TTL: String(sessions.ttlSeconds),
    SANDBOX_SESSION_IDLE_TIMEOUT: String(sessions.idleTimeoutSeconds),
    SANDBOX_SESSION_MEMORY_LIMIT: `${sessions.memoryMb}m`,
    SANDBOX_SESSION_CPU_LIMIT: String(sessions.cpuSeconds),
    SANDBOX_SESSION_FILE_LIMIT: `${sessions.fileLimitMb}m`,
  };
}

export interface ContainerShare {
  readonly cpuMillicores: number;
  readonly memoryMb: number;
}

/**
 * How a replica's CPU and memory are split between the two containers. Each gets its own limit,
 * so executions that exhaust the executor's memory or CPU leave the api (and its probes) its own:
 * a fork bomb is OOM-killed or throttled in the executor's cgroup, not in the one that answers.
 */
export function resourceSplit(s: SandboxSettings): { api: ContainerShare; executor: ContainerShare } {
  const apiCpu = Math.max(100, Math.round(s.cpu / 4));
  return {
    api: { cpuMillicores: apiCpu, memoryMb: API_MEMORY_MB },
    executor: { cpuMillicores: Math.max(100, s.cpu - apiCpu), memoryMb: s.memoryMb - API_MEMORY_MB },
  };
}

/**
 * Scratch for one replica, where the runtime has no private tmpfs (fallback mode): 64 MiB per
 * concurrent execution and per session (a session's files stay there between calls), at least
 * 256 MiB. kubelet evicts the whole pod, sessions and all, past the emptyDir's sizeLimit.
 */
export function scratchSizeMb(s: SandboxSettings): number {
  return Math.max(256, (s.maxConcurrent + s.sessions.max) * SESSION_HOME_MB);
}
