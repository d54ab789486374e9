import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { dockerBuild } from "./docker-build";

/*
 * The sandbox image started on a private Docker engine the way SandboxHost runs it
 * (sandbox/contract.json): an `api` and an `executor` container sharing the ipc volume and the
 * network namespace (never the PID namespace), read-only roots, every capability dropped, no new
 * privileges, non-root, no network, pid and memory limits. Hostile test code only ever runs in
 * the executor container. A third container, the test's client, shares the network namespace
 * and sends the requests (with --network none, nothing outside can reach the port).
 */

const exec = promisify(execFile);
export const DOCKER_HOST = process.env.AGENTYARD_DOCKER_HOST;
export const CONTEXT = path.join(__dirname, "..", "sandbox");
// AGENTYARD_SANDBOX_TAG: a tag of one's own, where several people's tests share one engine.
export const TAG = process.env.AGENTYARD_SANDBOX_TAG ?? "agentyard-sandbox:test";
export const CONTRACT = JSON.parse(readFileSync(path.join(CONTEXT, "contract.json"), "utf8")) as {
  api: { uid: number; gid: number; port: number };
  executor: { uid: number; gid: number; command: string[] };
  ipcGid: number;
  ipcDir: string;
  scratchDir: string;
  seccompProfile: string;
};
export const SECCOMP_PROFILE = path.join(__dirname, "..", CONTRACT.seccompProfile);
export const TOKEN = "token-of-the-api-0123456789abcdef";
/** Without an engine the Docker tests say why they are skipped, except in CI, where that is a failure. */
export const dockerSkip = DOCKER_HOST === undefined && process.env.CI !== "true" ? "no Docker engine: set AGENTYARD_DOCKER_HOST (scripts/dockerd.sh start DIR)" : false;

export const docker = (...args: string[]) => exec("docker", args, { env: { ...process.env, DOCKER_HOST }, maxBuffer: 64 * 1024 * 1024 });

let built: Promise<unknown> | undefined;
export function buildImage(): Promise<unknown> {
  built ??= dockerBuild("--network", "host", "-q", "-t", TAG, CONTEXT);
  return built;
}

/** Which platform the pod imitates. */
export interface Platform {
  readonly name: string;
  /** kubelet: emptyDir root-owned, group fsGroup, setgid, 0777; ecs: Fargate bind mounts filled from the image's VOLUME. */
  readonly volumes: "kubelet" | "ecs";
  /** The executor's seccomp: the Localhost profile, or the runtime's default (RuntimeDefault, Fargate). */
  readonly seccomp: "localhost" | "default";
  readonly runtime?: "runsc";
  /** What the executor should report. */
  readonly isolation: "namespaces" | "pidns" | "none";
}

export const KUBERNETES: Platform = { name: "kubernetes, Localhost seccomp profile", volumes: "kubelet", seccomp: "localhost", isolation: "namespaces" };
export const FARGATE: Platform = { name: "ECS Fargate (RuntimeDefault seccomp, no SYS_ADMIN)", volumes: "ecs", seccomp: "default", isolation: "none" };
// runsc 20221219 (Debian) lets an execution have user, PID, network and IPC namespaces but refuses
// mounts in them, so the executor runs its "pidns" mode there, inside gVisor's own sandbox.
export const GVISOR: Platform = { name: "gVisor (runsc, ptrace platform)", volumes: "kubelet", seccomp: "localhost", runtime: "runsc", isolation: "pidns" };

export interface Answer {
  status: number;
  body: { stdout: string; stderr: string; exitCode: number | null; timedOut: boolean; truncated: boolean; error?: string };
  ms: number;
}

export interface Pod {
  readonly api: string;
  readonly executor: string;
  /** Runs an async function body in the client container (fetch available; `net`, `http` too). */
  client<T>(body: string): Promise<T>;
  execute(code: string, extra?: Record<string, unknown>): Promise<Answer>;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

// The client: reads one JSON line per call, runs it, answers with one JSON line.
const DRIVER = `
const readline = require("node:readline");
const net = require("node:net");
const http = require("node:http");
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const { id, body } = JSON.parse(line);
  try {
    const value = await new AsyncFunction("net", "http", body)(net, http);
    process.stdout.write(JSON.stringify({ id, value }) + "\\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ id, error: String(error && error.stack || error) }) + "\\n");
  }
});
`;

let podCount = 0;

export async function startPod(platform: Platform, options: { env?: Record<string, string>; executorEnv?: Record<string, string>; healthcheck?: boolean; image?: string } = {}): Promise<Pod> {
  const image = options.image ?? TAG;
  const name = `sbx-${process.pid}-${podCount++}`;
  const work = mkdtempSync(path.join("/tmp", `${name}-`));
  chmodSync(work, 0o755);
  const tokenFile = path.join(work, "token");
  writeFileSync(tokenFile, TOKEN, { mode: 0o440 });
  chownSync(tokenFile, 0, CONTRACT.api.gid);
  const mounts: Record<"ipc" | "scratch", string> = { ipc: "", scratch: "" };
  for (const volume of ["ipc", "scratch"] as const) {
    if (platform.volumes === "kubelet") {
      // What kubelet makes of an emptyDir with fsGroup (pkg/volume/volume_linux.go SetVolumeOwnership):
      // root-owned, group fsGroup, setgid, 0777 (KEP-5502: "EmptyDir volumes are always created with mode 0777").
      const dir = path.join(work, volume);
      mkdirSync(dir);
      chownSync(dir, 0, CONTRACT.ipcGid);
      chmodSync(dir, 0o2777);
      mounts[volume] = dir;
    } else {
      // Fargate fills a bind mount from the image's VOLUME at the same path, owner included
      // (docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html); a new named
      // Docker volume is filled from the image the same way.
      await docker("volume", "create", `${name}-${volume}`);
      mounts[volume] = `${name}-${volume}`;
    }
  }
  const hardening = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"];
  // Under gVisor only the executor, where hostile code runs: Docker makes each container its own
  // sandbox (a Kubernetes pod is one), so the api stays with runc to be reachable from the client.
  const runtime = platform.runtime ? ["--runtime", platform.runtime] : [];
  const env = (vars: Record<string, string> = {}) => Object.entries(vars).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const api = `${name}-api`;
  const executor = `${name}-executor`;
  const client = `${name}-client`;
  await docker(
    "run", "-d", "--name", api, ...hardening, "--network", "none",
    "--user", String(CONTRACT.api.uid), "--group-add", String(CONTRACT.ipcGid), "--pids-limit", "128", "--memory", "256m",
    "-v", `${mounts.ipc}:${CONTRACT.ipcDir}`, "-v", `${tokenFile}:/var/run/secrets/agentyard/token:ro`,
    "-e", "SANDBOX_AUTH_TOKEN_FILE=/var/run/secrets/agentyard/token", ...env(options.env), image,
  );
  await docker(
    "run", "-d", "--name", executor, ...hardening, ...runtime,
    ...(platform.seccomp === "localhost" ? ["--security-opt", `seccomp=${SECCOMP_PROFILE}`] : []),
    "--network", `container:${api}`,
    "--user", String(CONTRACT.executor.uid), "--group-add", String(CONTRACT.ipcGid), "--pids-limit", "512", "--memory", "768m", "--cpus", "1.5",
    "-v", `${mounts.ipc}:${CONTRACT.ipcDir}`, "-v", `${mounts.scratch}:${CONTRACT.scratchDir}`,
    // As SandboxHost sets it with `sandbox.gvisor` (components/sandbox-host/runtime-config.ts).
    ...(platform.runtime === "runsc" ? ["-e", "SANDBOX_GVISOR=1"] : []),
    ...(options.healthcheck ? ["--health-cmd", "python3 -c 'import socket; socket.socket(socket.AF_UNIX).connect(\"/run/agentyard/executor.sock\")'", "--health-interval", "1s", "--health-retries", "1"] : ["--no-healthcheck"]),
    ...env(options.executorEnv),
    "--entrypoint", CONTRACT.executor.command[0], image, ...CONTRACT.executor.command.slice(1),
  );
  const driver: ChildProcessWithoutNullStreams = spawn(
    "docker", ["run", "-i", "--rm", "--name", client, "--read-only", "--cap-drop", "ALL", "--network", `container:${api}`, "--user", "65534", "--entrypoint", "node", image, "-e", DRIVER],
    { env: { ...process.env, DOCKER_HOST } },
  );
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seen = "";
  let nextId = 0;
  driver.stdout.on("data", (chunk: Buffer) => {
    seen += chunk.toString();
    let nl: number;
    while ((nl = seen.indexOf("\n")) >= 0) {
      const line = seen.slice(0, nl);
      seen = seen.slice(nl + 1);
      const { id, value, error } = JSON.parse(line) as { id: number; value?: unknown; error?: string };
      const w = waiting.get(id);
      waiting.delete(id);
      if (error !== undefined) w?.reject(new Error(error));
      else w?.resolve(value);
    }
  });
  let driverErr = "";
  driver.stderr.on("data", (c: Buffer) => (driverErr += c.toString()));
  const clientCall = <T>(body: string) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      driver.stdin.write(`${JSON.stringify({ id, body })}\n`);
    });
  const logs = async () => {
    const a = await docker("logs", api).catch(() => ({ stdout: "", stderr: "" }));
    const e = await docker("logs", executor).catch(() => ({ stdout: "", stderr: "" }));
    return `api:\n${a.stdout}${a.stderr}\nexecutor:\n${e.stdout}${e.stderr}\nclient:\n${driverErr}`;
  };
  const pod: Pod = {
    api,
    executor,
    client: clientCall,
    async execute(code, extra = {}) {
      return clientCall<Answer>(`
        const t = performance.now();
        const r = await fetch("http://127.0.0.1:8080/v1/execute", { method: "POST", headers: { authorization: "Bearer ${TOKEN}" }, body: ${JSON.stringify(JSON.stringify({ code, ...extra }))} });
        const text = await r.text();
        let body; try { body = JSON.parse(text); } catch { body = { error: text }; }
        return { status: r.status, body, ms: performance.now() - t };`);
    },
    logs,
    async stop() {
      driver.stdin.end();
      // -v: the anonymous volumes Docker made for the image's VOLUMEs that a container did not mount go too.
      await docker("rm", "-f", "-v", client, api, executor).catch(() => undefined);
      if (platform.volumes === "ecs") await docker("volume", "rm", "-f", `${name}-ipc`, `${name}-scratch`).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    },
  };
  // Ready: the api answers /ready once the executor answered its ping.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await clientCall<{ status: number; body: string }>(`try { const r = await fetch("http://127.0.0.1:8080/ready"); return { status: r.status, body: await r.text() }; } catch (e) { return { status: 0, body: String(e) }; }`).catch((e: Error) => ({ status: -1, body: e.message }));
    if (ready.status === 200) {
      const isolation = (JSON.parse(ready.body) as { isolation: string }).isolation;
      if (isolation !== platform.isolation) throw new Error(`${platform.name}: the executor reports isolation ${isolation}, expected ${platform.isolation}\n${await logs()}`);
      return pod;
    }
    if (Date.now() > deadline) {
      const text = await logs();
      await pod.stop();
      throw new Error(`the pod never became ready (${ready.body})\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
