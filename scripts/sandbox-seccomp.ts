/*
 * Writes sandbox/seccomp/executor.json, the Localhost seccomp profile of the sandbox's executor
 * container (sandbox/contract.json names it), from a runtime's default profile:
 * /usr/share/containers/seccomp.json of Debian's golang-github-containers-common (the default of
 * CRI-O, whose RuntimeDefault it is, and Podman). That default already allows unshare, mount and
 * clone with namespace flags (the kernel still asks for CAP_SYS_ADMIN, which an execution holds
 * only in its own user namespace); Docker's and containerd's defaults allow them only to
 * CAP_SYS_ADMIN, which is why the executor needs this profile on Kubernetes. Taken out, because
 * the executor never uses them and Docker's default refuses them too: setns and pivot_root
 * (entering or swapping namespaces and roots), and the kernel keyring (keyctl, add_key,
 * request_key). `npm run -s seccomp:sandbox [SOURCE]`; test/sandbox-seccomp.test.ts checks the
 * committed file is this script's output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export const SECCOMP_SOURCE = "/usr/share/containers/seccomp.json";
export const SECCOMP_PROFILE = path.join(__dirname, "..", "sandbox", "seccomp", "executor.json");
export const REMOVED = ["setns", "pivot_root", "keyctl", "add_key", "request_key"];

interface Rule {
  names: string[];
  action: string;
  includes?: { caps?: string[] };
  [key: string]: unknown;
}

export function executorProfile(source: string): string {
  const profile = JSON.parse(source) as { syscalls: Rule[]; [key: string]: unknown };
  profile.syscalls = profile.syscalls
    .map((rule) => (rule.action === "SCMP_ACT_ALLOW" && !rule.includes?.caps?.length ? { ...rule, names: rule.names.filter((n) => !REMOVED.includes(n)) } : rule))
    .filter((rule) => rule.names.length > 0);
  return `${JSON.stringify(profile, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SECCOMP_PROFILE, executorProfile(readFileSync(process.argv[2] ?? SECCOMP_SOURCE, "utf8")));
}
