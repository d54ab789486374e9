import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { SANDBOX_CONTEXT } from "./runtime-config";

/*
 * What the runtime promises its platforms (SANDBOX-INTERFACE.md): one image run as two
 * containers, `api` (token, HTTP, probes) and `executor` (runs code, holds nothing secret), that
 * talk over a unix socket in a shared volume. The runtime writes sandbox/contract.json; the
 * renderings read it at plan time, so a change of uid, path or command on the runtime's side
 * reaches Kubernetes and ECS without a copy kept by hand.
 */

const REPO_ROOT = path.join(SANDBOX_CONTEXT, "..");
/** Where the runtime publishes its contract. */
export const CONTRACT_FILE = path.join(SANDBOX_CONTEXT, "contract.json");
/** The executor's seccomp profile as the interface names it, until contract.json says otherwise. */
export const DEFAULT_SECCOMP_PROFILE = "sandbox/seccomp/executor.json";

const id = z.number().int().min(1).max(2 ** 31 - 2);
const absolute = z.string().regex(/^\/[\w./-]+$/, "an absolute path");
const contractSchema = z.object({
  api: z.object({ uid: id, gid: id, command: z.array(z.string().min(1)).min(1).nullable(), port: z.number().int().min(1).max(65535), health: absolute, ready: absolute }),
  executor: z.object({ uid: id, gid: id, command: z.array(z.string().min(1)).min(1) }),
  ipcGid: id,
  ipcDir: absolute,
  scratchDir: absolute,
  seccompProfile: z.string().min(1).nullable(),
});

export type SandboxContract = z.infer<typeof contractSchema>;

export class SandboxContractError extends Error {}

/** The runtime's contract, checked: two distinct non-root users, one shared group, absolute paths. */
export function readSandboxContract(file = CONTRACT_FILE): SandboxContract {
  if (!existsSync(file)) throw new SandboxContractError(`${path.relative(REPO_ROOT, file)}: not found; the sandbox runtime publishes its two-container contract there (SANDBOX-INTERFACE.md)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new SandboxContractError(`${path.relative(REPO_ROOT, file)}: not JSON (${(e as Error).message})`);
  }
  const parsed = contractSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new SandboxContractError(`${path.relative(REPO_ROOT, file)}: ${problems.join("; ")}`);
  }
  const c = parsed.data;
  if (c.api.uid === c.executor.uid) throw new SandboxContractError(`${path.relative(REPO_ROOT, file)}: api and executor share uid ${c.api.uid}; the executor must not be able to signal or read the api`);
  return c;
}

/**
 * The executor's seccomp profile (JSON text), read at plan time so the nodes get exactly what the
 * runtime ships; `undefined` when the runtime asks for none (RuntimeDefault).
 */
export function readSeccompProfile(contract: SandboxContract): { file: string; json: string } | undefined {
  if (contract.seccompProfile === null) return undefined;
  const file = path.resolve(REPO_ROOT, contract.seccompProfile);
  if (!existsSync(file)) {
    throw new SandboxContractError(`${contract.seccompProfile}: not found; the executor's Localhost seccomp profile is installed on the nodes from this file (sandbox/contract.json names it)`);
  }
  const json = readFileSync(file, "utf8");
  try {
    const profile = JSON.parse(json) as { defaultAction?: unknown };
    if (typeof profile.defaultAction !== "string") throw new Error("no defaultAction");
  } catch (e) {
    throw new SandboxContractError(`${contract.seccompProfile}: not a seccomp profile (${(e as Error).message})`);
  }
  return { file: path.basename(file), json };
}
