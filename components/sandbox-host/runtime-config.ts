import * as path from "node:path";
import { PACKAGE_ROOT } from "../../infra/package-root";
import type { SandboxSettings } from "./args";

export const SANDBOX_PORT = 8080;
/** Pods with this label may call the sandbox (AgentService sets it). */
export const SANDBOX_CLIENT_LABEL = { "agentyard.dev/sandbox-client": "true" } as const;
/** The runtime's build context: its Dockerfile and sources (shipped in the package). */
export const SANDBOX_CONTEXT = path.join(PACKAGE_ROOT, "sandbox");

/** The api container's share of a replica: Node answering HTTP and the probes, never running code. */
export const API_MEMORY_MB = 256;
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
    SANDBOX_SCRATCH_DIR: paths.scratchDir,
    SANDBOX_EXECUTOR_SOCKET: `${paths.ipcDir}/${EXECUTOR_SOCKET_NAME}`,
    // Running executions get the rest of the termination grace period to finish.
    SANDBOX_SHUTDOWN_GRACE_MS: String(Math.min(s.timeoutMs, 25_000)),
    // Under gVisor the executor cannot tell the api from its own executions by SO_PEERCRED
    // (sandbox/THREAT-MODEL.md, "gVisor"): it keeps executions from unix sockets instead.
    ...(s.gvisor ? { SANDBOX_GVISOR: "1" } : {}),
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

/** Scratch for the executions of one replica: 64 MiB per concurrent execution, at least 256 MiB. */
export function scratchSizeMb(s: SandboxSettings): number {
  return Math.max(256, s.maxConcurrent * 64);
}
