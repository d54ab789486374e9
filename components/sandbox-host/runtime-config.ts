import * as path from "node:path";
import { PACKAGE_ROOT } from "../../infra/package-root";
import type { SandboxSettings } from "./args";

export const SANDBOX_PORT = 8080;
/** Pods with this label may call the sandbox (AgentService sets it). */
export const SANDBOX_CLIENT_LABEL = { "agentyard.dev/sandbox-client": "true" } as const;
/** The runtime's build context: its Dockerfile and sources (shipped in the package). */
export const SANDBOX_CONTEXT = path.join(PACKAGE_ROOT, "sandbox");

/** The runtime's settings (sandbox/src/config.ts reads them) from the sandbox section. */
export function runtimeConfig(s: SandboxSettings): Record<string, string> {
  return {
    PORT: String(SANDBOX_PORT),
    MAX_SANDBOXES: String(s.maxConcurrent),
    SANDBOX_QUEUE_LIMIT: String(s.maxConcurrent * 2),
    SANDBOX_TIMEOUT: String(Math.ceil(s.timeoutMs / 1000)),
    SANDBOX_MEMORY_LIMIT: `${s.executionMemoryMb}m`,
    SANDBOX_CPU_LIMIT: String(s.executionCpuSeconds),
    SANDBOX_WARM_POOL: String(s.warmPool),
    SANDBOX_SCRATCH_DIR: "/sandbox",
    // Running executions get the rest of the termination grace period to finish.
    SANDBOX_SHUTDOWN_GRACE_MS: String(Math.min(s.timeoutMs, 25_000)),
  };
}
