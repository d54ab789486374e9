import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ApiProcess, startApiProcess, startExecutor } from "./sandbox-harness";

/* The service as a process, as Kubernetes and ECS run it: SIGTERM, then a grace period. */

async function startProcess(env: Record<string, string>): Promise<ApiProcess & { stopExecutor: () => Promise<void> }> {
  const executor = await startExecutor(61010);
  const api = await startApiProcess(executor.socket, env);
  return { ...api, stopExecutor: () => executor.stop() };
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
      await p.stopExecutor();
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
      await p.stopExecutor();
    }
  });
});
