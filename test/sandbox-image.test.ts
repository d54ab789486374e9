import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CONTRACT, FARGATE, KUBERNETES, type Platform, TAG, TOKEN, buildImage, docker, dockerSkip, startPod } from "./sandbox-pod";

/*
 * The image built from sandbox/Dockerfile with a real Docker engine, started as its platforms
 * start it: two containers (sandbox/contract.json), read-only roots, no capabilities, no network,
 * and volumes created the way each platform creates them, root-owned (#16: the runtime used to
 * chmod /sandbox and died with EPERM on both).
 */

describe("the sandbox image", { skip: dockerSkip, timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(process.env.AGENTYARD_DOCKER_HOST, "CI must provide a Docker engine in AGENTYARD_DOCKER_HOST");
    await buildImage();
  });

  it("runs as a non-root user, declares its volumes, has a HEALTHCHECK and no secrets in its environment", async () => {
    const { stdout } = await docker("image", "inspect", TAG, "--format", "{{json .Config}}");
    const config = JSON.parse(stdout) as { User: string; Env: string[]; Healthcheck?: { Test: string[] }; Entrypoint: string[]; Volumes: Record<string, unknown> };
    assert.equal(config.User, String(CONTRACT.api.uid));
    assert.ok(config.Healthcheck?.Test.join(" ").includes("/health"));
    assert.deepEqual(config.Entrypoint, ["/usr/bin/tini", "--"]);
    assert.deepEqual(Object.keys(config.Volumes).sort(), [CONTRACT.ipcDir, CONTRACT.scratchDir].sort());
    for (const entry of config.Env) assert.doesNotMatch(entry, /TOKEN|PASSWORD|SECRET|KEY=/i, entry);
    const owners = await docker("run", "--rm", "--network", "none", "--entrypoint", "stat", TAG, "-c", "%n %u:%g %a", CONTRACT.ipcDir, CONTRACT.scratchDir);
    assert.equal(owners.stdout, `${CONTRACT.ipcDir} ${CONTRACT.executor.uid}:${CONTRACT.ipcGid} 2770\n${CONTRACT.scratchDir} ${CONTRACT.executor.uid}:${CONTRACT.executor.gid} 700\n`);
  });

  const platforms: Array<[Platform, string]> = [
    [KUBERNETES, "kubelet's root-owned emptyDirs (group fsGroup, setgid, 0777)"],
    [FARGATE, "Fargate's bind mounts filled from the image's VOLUME"],
  ];
  for (const [platform, volumes] of platforms) {
    it(`becomes ready and runs code on ${platform.name}, with ${volumes}, read-only, no capabilities, no network`, async () => {
      const pod = await startPod(platform);
      try {
        const answer = await pod.execute('import os, sys\nprint(os.getuid(), sys.version_info[0])\nopen("x", "w").write("ok")');
        assert.equal(answer.status, 200, await pod.logs());
        assert.deepEqual([answer.body.stdout, answer.body.exitCode], [`${CONTRACT.executor.uid} 3\n`, 0]);
        const readOnly = await docker("exec", pod.api, "sh", "-c", "touch /app/x 2>&1 || echo refused");
        assert.match(readOnly.stdout, /refused/);
        // The mount roots are as the platform made them: the runtime only created its own entries.
        const root = await docker("exec", pod.executor, "stat", "-c", "%u:%g %a", CONTRACT.scratchDir, CONTRACT.ipcDir);
        assert.equal(root.stdout, platform.volumes === "kubelet" ? `0:${CONTRACT.ipcGid} 2777\n0:${CONTRACT.ipcGid} 2777\n` : `${CONTRACT.executor.uid}:${CONTRACT.executor.gid} 700\n${CONTRACT.executor.uid}:${CONTRACT.ipcGid} 2770\n`);
      } finally {
        await pod.stop();
      }
    });
  }

  for (const [platform] of platforms) {
    it(`keeps a session across calls in the two containers on ${platform.name}: state, a file each way, nothing after close`, async () => {
      const pod = await startPod(platform);
      try {
        // In the client container, against the api's port, as a caller of the Service would.
        const seen = await pod.client<Record<string, unknown>>(`
          const h = { authorization: "Bearer ${TOKEN}" };
          const base = "http://127.0.0.1:${CONTRACT.api.port}/v1/sessions";
          const exec = async (id, code) => (await fetch(base + "/" + id + "/execute", { method: "POST", headers: h, body: JSON.stringify({ code }) })).json();
          const created = await fetch(base, { method: "POST", headers: h });
          const { id } = await created.json();
          const first = await exec(id, "import os\\nx = 20\\nprint(os.getuid())");
          const second = await exec(id, "print(x * 2 + 2)");
          const put = (await fetch(base + "/" + id + "/files/in.txt", { method: "PUT", headers: h, body: "from the client" })).status;
          const read = await exec(id, "print(open('in.txt').read().upper())\\nopen('out.bin', 'wb').write(bytes([0, 255]))");
          const out = Buffer.from(await (await fetch(base + "/" + id + "/files/out.bin", { headers: h })).arrayBuffer()).toString("hex");
          const closed = (await fetch(base + "/" + id, { method: "DELETE", headers: h })).status;
          const after = (await fetch(base + "/" + id + "/execute", { method: "POST", headers: h, body: JSON.stringify({ code: "print(x)" }) })).status;
          return { created: created.status, first: first.stdout, second: second.stdout, put, read: read.stdout, out, closed, after };`);
        assert.deepEqual(seen, { created: 201, first: `${CONTRACT.executor.uid}\n`, second: "42\n", put: 201, read: "FROM THE CLIENT\n", out: "00ff", closed: 204, after: 404 }, await pod.logs());
        const left = await docker("exec", pod.executor, "ls", "-A", `${CONTRACT.ipcDir}/sessions`);
        assert.equal(left.stdout, "", "no session socket is left");
      } finally {
        await pod.stop();
      }
    });
  }
});
