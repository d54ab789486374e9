import { readFileSync, readdirSync } from "node:fs";

/**
 * Kills processes of the execution user that belong to no live execution: descendants that left
 * their process group (setsid) to outlive the timeout. `keep` names the groups still in use.
 */
export function reap(uid: number, keep: ReadonlySet<number>): number[] {
  const self = new Set([1, process.pid, process.ppid]);
  const killed: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || self.has(pid)) continue;
    let status: string;
    let stat: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone already
    }
    const realUid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (realUid !== uid) continue;
    // After the ")" of the command name: state, ppid, pgrp, session.
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    if (keep.has(pgrp) || session === ownSession()) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}

let session: number | undefined;
function ownSession(): number {
  if (session === undefined) {
    const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
    session = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
  }
  return session;
}
