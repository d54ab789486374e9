import type { ConfigProblem } from "./problems";
import { SESSION_HOME_MB } from "./sandbox-session-fields";
import type { EnvironmentSettings, Platform } from "./schema";

type SandboxSettings = EnvironmentSettings["sandbox"];

/** The api container's share of a replica: Node answering HTTP and the probes, never running code. */
export const SANDBOX_API_MEMORY_MB = 256;

/*
 * Whether a replica's executor container can hold its sessions.
 *
 * An execution gives its memory back when it ends; a session does not: between calls it keeps its
 * interpreter's heap (at most its RLIMIT_AS, sessions.memoryMb) and its files. Where the runtime
 * isolates with namespaces (eks, kubernetes) the session home is a private tmpfs of
 * SANDBOX_SCRATCH_SIZE (SESSION_HOME_MB), and tmpfs pages count in the memory cgroup of the
 * container that wrote them ("file: Amount of memory used to cache filesystem data, including
 * tmpfs and shared memory"; "A memory area is charged to the cgroup which instantiated it",
 * https://docs.kernel.org/admin-guide/cgroup-v2.html). On ecs the runtime falls back to a
 * directory on the task's disk (components/sandbox-host/ecs-task.ts), which is not memory.
 *
 * Executions are overcommitted on purpose (16 at 256 MiB in prod's 1792 MiB executor: their
 * limits are address space, rarely all used at once, and brief). Idle sessions are neither rare
 * nor brief, so the rule is stricter for them: every session at its limit, plus one execution at
 * its limit (what the executionMemoryMb check already promises executions), must fit the
 * executor's memory, the replica's less the api's. A session's own calls run in its interpreter,
 * so they are inside its term. Past the container's limit the kernel's OOM killer acts, and on
 * Kubernetes with cgroup v2 (EKS's AL2023 nodes) kubelet sets memory.oom.group on every container,
 * so it kills all the container's processes at once ("processes within the cgroup ... killed
 * simultaneously in the event of an OOM kill on any process in the cgroup", since 1.28,
 * https://github.com/kubernetes/kubernetes/pull/117793): every session of the replica, not only
 * the interpreter with oom_score_adj 1000. So the check refuses such a setting instead.
 */

/** What one session or execution may hold in the executor's memory at most, in MiB. */
export function heldMemoryMb(limitMb: number, platform: Platform): number {
  return limitMb + (platform === "ecs" ? 0 : SESSION_HOME_MB);
}

/** `key` turns a path under the sandbox settings (`sessions.max`) into the key the user wrote. */
export function sessionMemoryProblem(s: SandboxSettings, platform: Platform, key: (path: string) => string): ConfigProblem | undefined {
  const { max, memoryMb } = s.sessions;
  if (max === 0) return undefined;
  const executor = s.memoryMb - SANDBOX_API_MEMORY_MB;
  const session = heldMemoryMb(memoryMb, platform);
  const execution = heldMemoryMb(s.executionMemoryMb, platform);
  const needed = max * session + execution;
  if (needed <= executor) return undefined;
  const home = platform === "ecs" ? "" : ` + ${SESSION_HOME_MB} MiB home on tmpfs`;
  const fits = Math.max(0, Math.floor((executor - execution) / session));
  return {
    key: key("sessions.max"),
    got: max,
    expected:
      `at most ${fits} on ${platform}: ${max} sessions x ${session} MiB (sessions.memoryMb ${memoryMb}${home}) + one execution's ${execution} MiB = ${needed} MiB, ` +
      `more than the executor's ${executor} MiB (memoryMb ${s.memoryMb} less ${SANDBOX_API_MEMORY_MB} for the api); lower sessions.max or sessions.memoryMb, or raise memoryMb`,
  };
}

/** A session idles out before its TTL, never after: a longer idle timeout could never apply. */
export function sessionIdleProblem(s: SandboxSettings, key: (path: string) => string): ConfigProblem | undefined {
  const { idleTimeoutSeconds, ttlSeconds } = s.sessions;
  return idleTimeoutSeconds > ttlSeconds ? { key: key("sessions.idleTimeoutSeconds"), got: idleTimeoutSeconds, expected: `at most sessions.ttlSeconds (${ttlSeconds})` } : undefined;
}
