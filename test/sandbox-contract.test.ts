import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { dockerBuild } from "./docker-build";
import { type Docker, type RunningPod, startPod } from "./docker-pod";
import { type ResourceGraph, planStack } from "./harness";
import { DOCKER_POD_IP, type PodContract, ecsContract, kubernetesContract } from "./sandbox-contract";

/*
 * The sandbox image started the way each platform starts it, from the stack's own plan: the
 * `local` stack's Deployment as kubelet runs it, the `prod-ecs` task definition as Fargate runs it.
 * Volumes are made root-owned as the platform makes them (kubelet: group fsGroup and setgid;
 * Fargate: root 0755 unless the image declares VOLUME there), and nothing else is granted. The
 * pair must become ready and run one execution. AGENTYARD_DOCKER_HOST names the engine (.ci/run
 * starts one); without it the Docker part says why it is skipped, except in CI, where it fails.
 */

const exec = promisify(execFile);
const host = process.env.AGENTYARD_DOCKER_HOST;
const CONTEXT = path.join(__dirname, "..", "sandbox");
const TAG = "agentyard-sandbox:contract";
const skip = host === undefined && process.env.CI !== "true" ? "no Docker engine: set AGENTYARD_DOCKER_HOST (scripts/dockerd.sh start DIR)" : false;
const docker: Docker = (...args) => exec("docker", args, { env: { ...process.env, DOCKER_HOST: host }, maxBuffer: 64 * 1024 * 1024 });

/** What the plan hides: the token Pulumi's RandomPassword would make. */
const TOKEN = randomBytes(24).toString("hex");

let planned: Promise<{ kubernetes: PodContract; ecs: PodContract }> | undefined;
const contracts = () => (planned ??= readContracts());

async function readContracts(): Promise<{ kubernetes: PodContract; ecs: PodContract }> {
  const local: ResourceGraph = await planStack("local");
  const k8s = kubernetesContract(local, local.get("kubernetes:apps/v1:Deployment", "sandbox-deployment"), { "sandbox-auth": { token: TOKEN }, "sandbox-secrets": {} });
  const prodEcs = await planStack("prod-ecs");
  const tokenArn = String(prodEcs.get("aws:secretsmanager/secret:Secret", "sandbox-auth-token-secret").outputs?.arn);
  const ecs = ecsContract(prodEcs.get("aws:ecs/taskDefinition:TaskDefinition", "sandbox-task"), { [tokenArn]: TOKEN });
  return { kubernetes: k8s, ecs };
}

describe("the sandbox's runtime contract, read from each platform's plan", () => {
  let pods: { kubernetes: PodContract; ecs: PodContract };
  before(async () => {
    pods = await contracts();
  });

  for (const platform of ["kubernetes", "ecs"] as const) {
    it(`${platform}: an api and an executor, non-root, distinct users, read-only roots, no capabilities, the token only to the api`, () => {
      const pod = pods[platform];
      const byName = Object.fromEntries(pod.containers.map((c) => [c.name, c]));
      const { api, executor } = byName;
      assert.ok(api && executor, `containers: ${pod.containers.map((c) => c.name).join(", ")}`);
      assert.notEqual(api.uid, executor.uid);
      for (const c of [api, executor]) {
        assert.ok(c.uid > 0 && c.gid > 0, `${c.name} runs as ${c.uid}:${c.gid}`);
        assert.equal(c.readOnlyRoot, true);
        assert.deepEqual(c.capDrop, ["ALL"]);
      }
      const tokenIn = (c: typeof api) => Object.values(c.env).includes(TOKEN) || c.mounts.some((m) => pod.volumes.find((v) => v.name === m.volume)?.origin.kind === "kubelet" && JSON.stringify(pod.volumes.find((v) => v.name === m.volume)).includes(TOKEN));
      assert.equal(tokenIn(api), true);
      assert.equal(tokenIn(executor), false, "no token in the executor's env or volumes");
      // Every shared volume is root-owned: neither container can chmod it, only make subdirectories.
      for (const v of pod.volumes) if (v.origin.kind === "kubelet") assert.equal(v.origin.uid, 0);
    });
  }

  it("kubernetes: the api's address for session forwarding, as kubelet expands it from the pod's IP; none for the executor", () => {
    const byName = Object.fromEntries(pods.kubernetes.containers.map((c) => [c.name, c]));
    assert.equal(byName.api.env.SANDBOX_ADVERTISE_ADDRESS, `${DOCKER_POD_IP}:8080`);
    assert.equal(byName.executor.env.SANDBOX_ADVERTISE_ADDRESS, undefined);
    assert.equal(byName.executor.env.SANDBOX_MAX_SESSIONS, byName.api.env.SANDBOX_MAX_SESSIONS, "the cap, read by both");
  });
});

describe("the sandbox image started as each platform starts it", { skip, timeout: 900_000 }, () => {
  before(async () => {
    assert.ok(host, "CI must provide a Docker engine in AGENTYARD_DOCKER_HOST");
    await dockerBuild("--network", "host", "-q", "-t", TAG, CONTEXT);
  });

  for (const platform of ["kubernetes", "ecs"] as const) {
    describe(platform, () => {
      let pod: RunningPod | undefined;
      let contract: PodContract;
      before(async () => {
        contract = (await contracts())[platform];
        pod = await startPod(docker, TAG, contract);
      });
      after(async () => {
        await pod?.remove();
      });

      it("becomes ready: the api's readiness check passes once the executor answers", async () => {
        const running = pod as RunningPod;
        const api = contract.containers.find((c) => c.name === "api");
        assert.ok(api?.ready, "the api has a readiness check");
        const ready = `fetch('http://127.0.0.1:8080/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
        const healthCheck = "command" in api.ready ? api.ready.command : undefined;
        const deadline = Date.now() + 60_000;
        let passed = false;
        while (!passed && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 500));
          passed = await running.call(ready).then(() => true, () => false);
          // On ECS the container health check, run as ECS runs it (inside the api container), must pass too.
          if (passed && healthCheck) passed = await running.exec("api", healthCheck).then(() => true, () => false);
        }
        assert.ok(passed, `not ready within 60 s:\n${await running.describe()}`);
      });

      it("runs one execution with the token, answered by the executor", async () => {
        const running = pod as RunningPod;
        const request = `fetch('http://127.0.0.1:8080/v1/execute', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ${TOKEN}' }, body: JSON.stringify({ code: 'print(6 * 7)' }) }).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))`;
        const answer = JSON.parse(await running.call(request).catch(async (e: Error) => assert.fail(`${e.message}\n${await running.describe()}`))) as { status: number; body: string };
        assert.equal(answer.status, 200, `${answer.body}\n${await running.describe()}`);
        const body = JSON.parse(answer.body) as { stdout: string; exitCode: number };
        assert.deepEqual([body.stdout, body.exitCode], ["42\n", 0]);
      });
    });
  }
});
