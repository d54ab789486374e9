import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

/*
 * The image built from sandbox/Dockerfile with a real Docker engine, run the way the
 * platforms run it: read-only root, no capabilities, no network, scratch on tmpfs.
 * AGENTYARD_DOCKER_HOST names the engine (.ci/run starts one); without it the test says why it
 * is skipped, except in CI, where a missing engine is a failure.
 */

const exec = promisify(execFile);
const host = process.env.AGENTYARD_DOCKER_HOST;
const CONTEXT = path.join(__dirname, "..", "sandbox");
const TAG = "agentyard-sandbox:test";
const skip = host === undefined && process.env.CI !== "true" ? "no Docker engine: set AGENTYARD_DOCKER_HOST (scripts/dockerd.sh start DIR)" : false;

const docker = (...args: string[]) => exec("docker", args, { env: { ...process.env, DOCKER_HOST: host }, maxBuffer: 64 * 1024 * 1024 });

describe("the sandbox image", { skip, timeout: 600_000 }, () => {
  let container = "";
  before(async () => {
    assert.ok(host, "CI must provide a Docker engine in AGENTYARD_DOCKER_HOST");
    await docker("build", "--network", "host", "-q", "-t", TAG, CONTEXT);
  });
  after(async () => {
    if (container) await docker("rm", "-f", container).catch(() => undefined);
  });

  it("runs as a non-root user, with a HEALTHCHECK and no secrets baked into its environment", async () => {
    const { stdout } = await docker("image", "inspect", TAG, "--format", "{{json .Config}}");
    const config = JSON.parse(stdout) as { User: string; Env: string[]; Healthcheck?: { Test: string[] }; Entrypoint: string[] };
    assert.equal(config.User, "10001:10001");
    assert.ok(config.Healthcheck?.Test.join(" ").includes("/health"));
    assert.deepEqual(config.Entrypoint, ["/usr/bin/tini", "--"]);
    for (const entry of config.Env) assert.doesNotMatch(entry, /TOKEN|PASSWORD|SECRET|KEY=/i, entry);
  });

  it("answers /health and runs code with --read-only --cap-drop ALL --network none", async () => {
    const { stdout } = await docker(
      "run", "-d", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--network", "none",
      "--tmpfs", "/sandbox:rw,nosuid,nodev,uid=10001,gid=10001,mode=0711,size=64m",
      "--health-interval", "1s", "--health-start-period", "1s", TAG,
    );
    container = stdout.trim();
    const deadline = Date.now() + 30_000;
    let health = "";
    while (Date.now() < deadline && health !== "healthy") {
      await new Promise((r) => setTimeout(r, 500));
      health = (await docker("inspect", "-f", "{{.State.Health.Status}}", container)).stdout.trim();
    }
    assert.equal(health, "healthy", (await docker("logs", container)).stderr);
    // --network none leaves only loopback, so the request is made from inside the container.
    const request = `fetch('http://127.0.0.1:8080/v1/execute', { method: 'POST', body: JSON.stringify({ code: 'import os, sys\\nprint(os.getuid(), sys.version_info[0])\\nopen("x", "w").write("ok")' }) }).then((r) => r.text()).then(console.log)`;
    const answer = JSON.parse((await docker("exec", container, "node", "-e", request)).stdout) as { stdout: string; exitCode: number };
    assert.deepEqual([answer.stdout, answer.exitCode], ["10001 3\n", 0]);
    const readOnly = await docker("exec", container, "sh", "-c", "touch /app/x 2>&1 || echo refused");
    assert.match(readOnly.stdout, /refused/);
  });
});
