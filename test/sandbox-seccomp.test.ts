import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { REMOVED, SECCOMP_PROFILE, SECCOMP_SOURCE, executorProfile } from "../scripts/sandbox-seccomp";

/* The executor's Localhost seccomp profile (sandbox/contract.json names it). */

interface Rule {
  names: string[];
  action: string;
  includes?: { caps?: string[] };
}

const profile = JSON.parse(readFileSync(SECCOMP_PROFILE, "utf8")) as { defaultAction: string; syscalls: Rule[] };
const allowedToAll = new Set(profile.syscalls.filter((r) => r.action === "SCMP_ACT_ALLOW" && !r.includes?.caps?.length).flatMap((r) => r.names));

describe("the executor's seccomp profile", () => {
  it("refuses what it does not list, and allows the namespaces and mounts an execution's isolation needs", () => {
    assert.equal(profile.defaultAction, "SCMP_ACT_ERRNO");
    for (const call of ["unshare", "mount", "umount2", "clone", "capset", "prctl"]) assert.ok(allowedToAll.has(call), call);
  });

  it("takes out what the executor never uses: setns, pivot_root and the kernel keyring", () => {
    for (const call of REMOVED) assert.ok(!allowedToAll.has(call), call);
  });

  it("is the packaged runtime default with exactly those changes (scripts/sandbox-seccomp.ts)", { skip: !existsSync(SECCOMP_SOURCE) && process.env.CI !== "true" && `no ${SECCOMP_SOURCE} (Debian golang-github-containers-common)` }, () => {
    assert.equal(readFileSync(SECCOMP_PROFILE, "utf8"), executorProfile(readFileSync(SECCOMP_SOURCE, "utf8")));
  });
});
