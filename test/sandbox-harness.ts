import { type ChildProcess, spawn } from "node:child_process";
import { type RequestListener, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { type RuntimeConfig, loadConfig } from "../sandbox/src/config";
import { sandboxHandler } from "../sandbox/src/http";
import { Sandbox } from "../sandbox/src/sandbox";

/** The interpreter the image ships (Debian's), not a pyenv shim. */
export const PYTHON = "/usr/bin/python3";
export const EXECUTOR = path.join(__dirname, "..", "sandbox", "executor", "executor.py");

/** The settings the executor reads (the api reads SANDBOX_MAX_SESSIONS too). */
const EXECUTOR_SETTINGS = ["SANDBOX_ISOLATION", "SANDBOX_SCRATCH_SIZE", "SANDBOX_MAX_SESSIONS", "SANDBOX_WARM_POOL", "SANDBOX_SESSION_BACKSTOP_MS"];

/**
 * The executor (sandbox/executor/executor.py) as a process on this machine, listening in `dir`.
 * As root (this machine), its executions run as `uid`. The scratch directory is under /var/tmp:
 * an execution's private /tmp is mounted over /tmp, which would hide a scratch directory there.
 */
export async function startExecutor(uid: number, env: Record<string, string> = {}): Promise<{ socket: string; process: ChildProcess; dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join("/var/tmp", "agentyard-executor-"));
  chmodSync(dir, 0o711);
  const scratch = path.join(dir, "scratch");
  mkdirSync(scratch, { mode: 0o711 });
  const socket = path.join(dir, "executor.sock");
  const asRoot = process.getuid?.() === 0;
  const child = spawn(PYTHON, ["-I", EXECUTOR], {
    env: {
      SANDBOX_EXECUTOR_SOCKET: socket,
      SANDBOX_SCRATCH_DIR: scratch,
      SANDBOX_API_UID: String(process.getuid?.() ?? 0),
      // No cgroup of its own here: SCHED_IDLE would rank executions below the whole machine.
      SANDBOX_EXECUTION_SCHED: "normal",
      ...(asRoot ? { SANDBOX_RUN_AS_UID: String(uid), SANDBOX_RUN_AS_GID: String(uid) } : {}),
      // Only the executor's own settings: the api's (a token) never reach it.
      ...Object.fromEntries(Object.entries(env).filter(([key]) => EXECUTOR_SETTINGS.includes(key))),
    },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('"executor listening"')) resolve();
    });
    child.once("exit", () => reject(new Error(`the executor exited: ${seen}`)));
  });
  return {
    socket,
    process: child,
    dir,
    async stop() {
      // SIGTERM: the executor stops listening and waits for its executions (all stopped by now).
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The api (sandbox/src/main.ts) as its own process, as Kubernetes and ECS run it. */
export interface ApiProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Its exit code, once it exits. */
  readonly exited: Promise<number | null>;
  /** What it has written to stdout so far (its JSON log lines). */
  log(): string;
}

/**
 * Starts the api on a free loopback port against the executor at `socket`, and resolves once it
 * is ready (the executor answered its first ping).
 */
export async function startApiProcess(socket: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "sandbox", "src", "main.ts")], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", SANDBOX_EXECUTOR_SOCKET: socket, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let log = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      const match = /"msg":"sandbox listening","port":(\d+)/.exec(log);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", () => reject(new Error(`the api exited before listening: ${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  while ((await fetch(`${url}/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 50));
  return { child, url, exited, log: () => log };
}

export interface RunningSandbox {
  readonly url: string;
  /** The executor's directory: its socket, and sessions/ with each session's socket. */
  readonly executorDir: string;
  readonly sandbox: Sandbox;
  readonly config: RuntimeConfig;
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  execute(body: Record<string, unknown>): Promise<ExecuteBody>;
  metric(name: string): Promise<number>;
  close(): Promise<void>;
}

export interface ExecuteBody {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}

/**
 * Starts the api in this process on a free port, and the executor beside it. Run as root (this
 * machine), executions get `uid`: each test file passes its own. `advertise`: the replica
 * advertises its own `host:port` (SANDBOX_ADVERTISE_ADDRESS), as a replica of several does.
 */
export async function startSandbox(uid: number, env: Record<string, string> = {}, options: { host?: string; advertise?: boolean } = {}): Promise<RunningSandbox> {
  const host = options.host ?? "127.0.0.1";
  const executor = await startExecutor(uid, env);
  // Listening first, so the replica knows the port it advertises.
  let handle: RequestListener = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const advertised = options.advertise ? { SANDBOX_ADVERTISE_ADDRESS: `${host}:${port}` } : {};
  const config = loadConfig({ PORT: String(port), HOST: host, SANDBOX_EXECUTOR_SOCKET: executor.socket, ...advertised, ...env }, () => "");
  const sandbox = new Sandbox(config);
  await sandbox.checkExecutor();
  handle = sandboxHandler(sandbox);
  const url = `http://${host}:${port}`;
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/v1/execute`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return {
    url,
    executorDir: executor.dir,
    sandbox,
    config,
    post,
    async execute(body) {
      const res = await post(body);
      if (res.status !== 200) throw new Error(`execute answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as ExecuteBody;
    },
    async metric(name) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name} `));
      if (line === undefined) throw new Error(`no series ${name}`);
      return Number(line.slice(name.length + 1));
    },
    async close() {
      await sandbox.shutdown(0);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await executor.stop();
    },
  };
}

/** Pids of live processes owned by a uid. */
export async function processesOf(uid: number): Promise<number[]> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid && !/^State:\s+Z/m.test(status)) pids.push(Number(entry));
    } catch {
      // exited
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}
