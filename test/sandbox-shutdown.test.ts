import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PYTHON } from "./sandbox-harness";

/* The service as a process, as Kubernetes and ECS run it: SIGTERM, then a grace period. */

const MAIN = path.join(__dirname, "..", "sandbox", "src", "main.ts");

async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null>; scratch: string }> {
  const scratch = mkdtempSync(path.join(tmpdir(), "agentyard-sandbox-"));
  chmodSync(scratch, 0o711);
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", SANDBOX_PYTHON: PYTHON, SANDBOX_SCRATCH_DIR: path.join(scratch, "runs"), ...(process.getuid?.() === 0 ? { SANDBOX_RUN_AS_UID: "61010", SANDBOX_RUN_AS_GID: "61010" } : {}), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"msg":"sandbox listening","port":(\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error(`exited before listening: ${seen}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, exited, scratch };
}

const run = (url: string, code: string) =>
  fetch(`${url}/v1/execute`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { stdout: string; exitCode: number | null } }));

describe("graceful shutdown on SIGTERM", () => {
  it("stops accepting, lets running executions finish within the grace period and exits 0", async () => {
    const p = await startProcess({ SANDBOX_SHUTDOWN_GRACE_MS: "10000" });
    try {
      const running = run(p.url, "import time\ntime.sleep(1)\nprint('finished')");
      await new Promise((r) => setTimeout(r, 300));
      p.child.kill("SIGTERM");
      const answer = await running;
      assert.equal(answer.status, 200);
      assert.deepEqual([answer.body.stdout, answer.body.exitCode], ["finished\n", 0]);
      assert.equal(await p.exited, 0);
      await assert.rejects(fetch(`${p.url}/health`), "no longer listening");
    } finally {
      p.child.kill("SIGKILL");
      rmSync(p.scratch, { recursive: true, force: true });
    }
  });

  it("kills what is still running when the grace period ends, and still answers it", async () => {
    const p = await startProcess({ SANDBOX_SHUTDOWN_GRACE_MS: "500", SANDBOX_TIMEOUT: "60" });
    try {
      const running = run(p.url, "import time\ntime.sleep(30)");
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      p.child.kill("SIGTERM");
      const answer = await running;
      assert.equal(answer.status, 200);
      assert.equal(answer.body.exitCode, null, "killed");
      assert.equal(await p.exited, 0);
      assert.ok(Date.now() - started < 5000);
    } finally {
      p.child.kill("SIGKILL");
      rmSync(p.scratch, { recursive: true, force: true });
    }
  });
});
