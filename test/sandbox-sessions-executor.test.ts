import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect } from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { PYTHON, alive, eventually, startExecutor } from "./sandbox-harness";

/*
 * Sessions (sandbox/SESSIONS.md), the executor's half: the executor runs as a process on this
 * machine (as root here, its sessions and executions as a dedicated uid) and the tests talk to
 * its unix sockets directly, one JSON line each way, as the api does.
 */

const UID = 61201;

type Executor = Awaited<ReturnType<typeof startExecutor>>;

interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
  outcome: string;
  sessionAlive: boolean;
}

interface FileAnswer {
  ok: boolean;
  code?: string;
  error?: string;
  path?: string;
  size?: number;
  contentBase64?: string;
  files?: Array<{ path: string; size: number }>;
}

/** One request, one answer line; null when the executor closes the connection without one. */
function exchange<T>(socketPath: string, message: unknown, timeoutMs = 20_000): Promise<T | null> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = "";
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      data += chunk;
      if (data.endsWith("\n")) socket.end();
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(data ? (JSON.parse(data) as T) : null);
    });
    socket.write(JSON.stringify(message) + "\n");
  });
}

const LIMITS = { memoryBytes: 256 * 1024 ** 2, cpuSeconds: 60, maxProcesses: 64, maxFileBytes: 1024 ** 2, outputLimitBytes: 65536, ttlMs: 600_000, idleMs: 600_000 };

class Session {
  constructor(
    readonly id: string,
    readonly socket: string,
  ) {}

  async exec(code: string, options: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const answer = await exchange<ExecResult>(this.socket, { op: "exec", code, stdin: options.stdin ?? "", timeoutMs: options.timeoutMs ?? 10_000 });
    assert.ok(answer, "the session answers");
    return answer;
  }

  async file(message: Record<string, unknown>): Promise<FileAnswer> {
    const answer = await exchange<FileAnswer>(this.socket, message);
    assert.ok(answer, "the session answers");
    return answer;
  }

  async close(): Promise<void> {
    if (existsSync(this.socket)) assert.deepEqual(await exchange(this.socket, { op: "close" }), { ok: true });
  }
}

async function createSession(executor: Executor, limits: Partial<typeof LIMITS> = {}): Promise<{ session: Session; answer: { ok: boolean; error?: string; isolation?: string } }> {
  const id = randomBytes(16).toString("hex");
  const answer = await exchange<{ ok: boolean; error?: string; isolation?: string }>(executor.socket, { op: "session_create", id, ...LIMITS, ...limits });
  assert.ok(answer);
  return { session: new Session(id, path.join(executor.dir, "sessions", `${id}.sock`)), answer };
}

async function openSession(executor: Executor, limits: Partial<typeof LIMITS> = {}): Promise<Session> {
  const { session, answer } = await createSession(executor, limits);
  assert.equal(answer.ok, true, answer.error);
  return session;
}

/** The pids of every process in a mount namespace ("mnt:[…]"), as /proc on this machine names them. */
function processesInMountNamespace(namespace: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/mnt`) === namespace) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function parentOf(pid: number): number {
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}

describe("sandbox sessions in the executor (namespace mode)", () => {
  let executor: Executor;
  before(async () => {
    executor = await startExecutor(UID, { SANDBOX_MAX_SESSIONS: "4", SANDBOX_WARM_POOL: "2", SANDBOX_SCRATCH_SIZE: "8m" });
  });
  after(async () => {
    await executor.stop();
  });

  it("keeps variables, imports and files across calls, in one __main__, and goes on after SystemExit", async () => {
    const { session, answer } = await createSession(executor);
    assert.deepEqual(answer, { ok: true, id: session.id, isolation: "namespaces" });
    try {
      assert.equal((await session.exec("import json\nx = 41\nopen('notes.txt', 'w').write('kept')\ndef f():\n    return x + 1")).exitCode, 0);
      const second = await session.exec("import sys, __main__\nprint(json.dumps([f(), open('notes.txt').read(), __main__.x, sys.stdin.read()]))", { stdin: "in" });
      assert.deepEqual([second.stdout, second.stderr, second.exitCode, second.sessionAlive], ['[42, "kept", 41, "in"]\n', "", 0, true]);
      const exited = await session.exec("print('bye')\nraise SystemExit(3)");
      assert.deepEqual([exited.stdout, exited.exitCode, exited.outcome, exited.sessionAlive], ["bye\n", 3, "error", true]);
      const failed = await session.exec("def g():\n    raise ValueError('no')\ng()");
      assert.equal(failed.exitCode, 1);
      assert.match(failed.stderr, /File "<sandbox>", line 3[\s\S]*ValueError: no/);
      const seen = await session.exec("import os\nprint(x, os.getcwd() == os.environ['HOME'], open('/proc/self/oom_score_adj').read().strip(), os.getuid())");
      assert.equal(seen.stdout, `41 True 1000 ${UID}\n`, "state kept; home as cwd; first to die under memory pressure; not root");
    } finally {
      await session.close();
    }
  });

  it("refuses a malformed create", async () => {
    const bad = await exchange<{ ok: boolean; error: string }>(executor.socket, { op: "session_create", id: "not-hex", ...LIMITS });
    assert.deepEqual(bad, { ok: false, error: "id: expected 32 lowercase hex digits" });
    const noMemory = await exchange<{ ok: boolean; error: string }>(executor.socket, { op: "session_create", id: randomBytes(16).toString("hex"), ...LIMITS, memoryBytes: 0 });
    assert.deepEqual(noMemory, { ok: false, error: "memoryBytes: expected a positive integer" });
  });

  it("keeps two sessions apart: neither reads the other's files or process, nor signals it", async () => {
    const a = await openSession(executor);
    const b = await openSession(executor);
    try {
      const where = (await a.exec("import os\nsecret = 'a-secret'\nopen('secret.txt', 'w').write(secret)\nprint(os.readlink('/proc/self'))")).stdout.trim();
      const code = [
        "import os, signal",
        `pid = ${where}`,
        "tries = {}",
        "for name, attempt in (('kill', lambda: os.kill(pid, signal.SIGKILL)), ('cwd', lambda: os.listdir(f'/proc/{pid}/cwd')), ('root', lambda: open(f'/proc/{pid}/root/sandbox/secret.txt').read()), ('environ', lambda: open(f'/proc/{pid}/environ').read()), ('mem', lambda: open(f'/proc/{pid}/mem', 'rb').read(1))):",
        "    try:",
        "        attempt()",
        "        tries[name] = 'allowed'",
        "    except OSError as error:",
        "        tries[name] = type(error).__name__",
        "print(sorted(tries.items()), os.listdir('.'), os.path.exists('secret.txt'))",
      ].join("\n");
      const seen = await b.exec(code);
      assert.equal(seen.stderr, "");
      assert.doesNotMatch(seen.stdout, /allowed/, seen.stdout);
      assert.match(seen.stdout, /\('kill', 'ProcessLookupError'\)/, "the other session's interpreter is not in this PID namespace");
      assert.match(seen.stdout, /False\n$/, "its home is not this one's");
      assert.equal((await a.exec("print(secret)")).stdout, "a-secret\n", "the first session is untouched");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("interrupts code at its timeout (KeyboardInterrupt) and keeps the session", async () => {
    const session = await openSession(executor);
    try {
      await session.exec("count = 0");
      const r = await session.exec("while True:\n    count += 1", { timeoutMs: 500 });
      assert.deepEqual([r.timedOut, r.outcome, r.exitCode, r.sessionAlive], [true, "timeout", 1, true]);
      assert.match(r.stderr, /KeyboardInterrupt/);
      assert.ok(r.durationMs < 1000, `answered after ${r.durationMs} ms`);
      const next = await session.exec("print(count > 0)");
      assert.deepEqual([next.stdout, next.timedOut, next.sessionAlive], ["True\n", false, true]);
    } finally {
      await session.close();
    }
  });

  it("kills code that ignores SIGINT 1 s after its timeout: the session ends and its socket goes", async () => {
    const session = await openSession(executor);
    const r = await session.exec("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass", { timeoutMs: 400 });
    assert.deepEqual([r.timedOut, r.sessionAlive, r.signal, r.exitCode], [true, false, "SIGKILL", null]);
    assert.ok(r.durationMs >= 1400 && r.durationMs < 2500, `answered after ${r.durationMs} ms`);
    assert.ok(await eventually(() => !existsSync(session.socket)), "the session's socket is removed");
  });

  it("caps output, interrupts the code that floods it, and keeps the session", async () => {
    const session = await openSession(executor);
    try {
      const r = await session.exec("import sys\nwhile True:\n    sys.stdout.write('x' * 4096)");
      assert.deepEqual([r.truncated, r.outcome, r.timedOut, r.sessionAlive], [true, "output_limit", false, true]);
      assert.equal(Buffer.byteLength(r.stdout), LIMITS.outputLimitBytes);
      assert.equal((await session.exec("print('after')")).stdout, "after\n");
    } finally {
      await session.close();
    }
  });

  it("answers MemoryError at the memory limit and goes on; os._exit ends the session", async () => {
    const session = await openSession(executor);
    const r = await session.exec("kept = 1\nb = bytearray(1024 ** 3)");
    assert.match(r.stderr, /MemoryError/);
    assert.deepEqual([r.exitCode, r.sessionAlive], [1, true]);
    assert.equal((await session.exec("print(kept)")).stdout, "1\n");
    const ended = await session.exec("import os\nprint('last', flush=True)\nos._exit(7)");
    assert.deepEqual([ended.stdout, ended.exitCode, ended.sessionAlive], ["last\n", 7, false]);
    assert.ok(await eventually(() => !existsSync(session.socket)));
  });

  it("reaps what the code orphans, so zombies never use up the session's process limit", async () => {
    const session = await openSession(executor);
    try {
      // Each `sh` exits before its background `true`: 100 orphans, beyond maxProcesses (64).
      const r = await session.exec("import os\ncodes = {os.system('true &') for _ in range(100)}\nprint(codes)");
      assert.deepEqual([r.stdout, r.stderr], ["{0}\n", ""]);
    } finally {
      await session.close();
    }
  });

  it("ends the session when its CPU budget (cpuSeconds, over all its calls) is spent", async () => {
    const session = await openSession(executor, { cpuSeconds: 1 });
    const r = await session.exec("while True:\n    pass", { timeoutMs: 15_000 });
    assert.deepEqual([r.timedOut, r.signal, r.sessionAlive], [false, "SIGXCPU", false]);
    assert.ok(await eventually(() => !existsSync(session.socket)));
  });

  it("uploads, lists and downloads binary files, which the code reads and writes", async () => {
    const session = await openSession(executor);
    try {
      const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(200_000)]);
      assert.deepEqual(await session.file({ op: "upload", path: "in/data.bin", contentBase64: data.toString("base64") }), { ok: true, path: "in/data.bin", size: data.length });
      const r = await session.exec("data = open('in/data.bin', 'rb').read()\nopen('out.bin', 'wb').write(data[::-1])\nprint(len(data))");
      assert.equal(r.stdout, `${data.length}\n`);
      const back = await session.file({ op: "download", path: "out.bin" });
      assert.ok(back.ok);
      assert.ok(Buffer.from(back.contentBase64 ?? "", "base64").equals(Buffer.from(data).reverse()));
      const listed = await session.file({ op: "list_files" });
      assert.deepEqual(
        listed.files?.filter((f) => !f.path.startsWith(".")),
        [
          { path: "in/data.bin", size: data.length },
          { path: "out.bin", size: data.length },
        ],
      );
    } finally {
      await session.close();
    }
  });

  it("never follows a symlink the code made, never blocks on a FIFO, refuses paths out of the home", async () => {
    const session = await openSession(executor);
    try {
      await session.exec("import os\nos.symlink('/etc/passwd', 'passwd')\nos.symlink('/proc/self/environ', 'environ')\nos.symlink('/etc', 'etc')\nos.mkfifo('fifo')\nos.mkdir('dir')");
      for (const target of ["passwd", "environ", "etc/passwd", "fifo", "dir"]) {
        const down = await session.file({ op: "download", path: target });
        assert.deepEqual([down.ok, down.code], [false, "not_a_file"], `download ${target}: ${down.error}`);
        const up = await session.file({ op: "upload", path: target, contentBase64: "eA==" });
        assert.deepEqual([up.ok, up.code], [false, "not_a_file"], `upload ${target}: ${up.error}`);
      }
      for (const bad of ["../x", "/etc/passwd", "a//b", ".", "a/../b", "a b", "x".repeat(129), Array(9).fill("a").join("/")]) {
        assert.equal((await session.file({ op: "download", path: bad })).code, "invalid_path", bad);
      }
      assert.equal((await session.file({ op: "download", path: "missing" })).code, "not_found");
      assert.equal((await session.exec("print(open('/etc/passwd').read() == open('passwd').read())")).stdout, "True\n", "the code's own symlink still works for the code");
    } finally {
      await session.close();
    }
  });

  it("refuses a file over maxFileBytes (too_large) and one past the session's storage (no_space)", async () => {
    const session = await openSession(executor, { maxFileBytes: 16 * 1024 ** 2 });
    try {
      const tooLarge = await session.file({ op: "upload", path: "big", contentBase64: Buffer.alloc(16 * 1024 ** 2 + 1).toString("base64") });
      assert.equal(tooLarge.code, "too_large");
      const full = await session.file({ op: "upload", path: "full", contentBase64: randomBytes(9 * 1024 ** 2).toString("base64") });
      assert.equal(full.code, "no_space", "the session's tmpfs is SANDBOX_SCRATCH_SIZE (8m)");
      assert.equal((await session.file({ op: "download", path: "full" })).code, "not_found", "a failed upload leaves no file");
    } finally {
      await session.close();
    }
  });

  it("close kills every process of the session, and its mount namespace (with its tmpfs) goes", async () => {
    const session = await openSession(executor);
    const code = [
      "import os, subprocess, sys, time",
      "p = subprocess.Popen([sys.executable, '-c', 'import os, time\\nprint(os.readlink(\"/proc/self\"), flush=True)\\ntime.sleep(300)'], stdout=subprocess.PIPE)",
      "child = p.stdout.readline().decode().strip()",
      "if os.fork() == 0:",
      "    os.setsid()",
      "    time.sleep(300)",
      "open('left.txt', 'w').write('x')",
      "print(os.readlink('/proc/self'), child, os.readlink('/proc/self/ns/mnt'))",
    ].join("\n");
    const [interpreter, child, namespace] = (await session.exec(code)).stdout.trim().split(" ");
    const init = parentOf(Number(interpreter));
    const supervisor = parentOf(init);
    const before = processesInMountNamespace(namespace);
    assert.ok(before.length >= 5, `supervisor, init, interpreter, its child and a grandchild in ${namespace}: ${before.join(" ")}`);
    assert.ok([supervisor, init, Number(child)].every((pid) => before.includes(pid)));
    await session.close();
    assert.ok(await eventually(() => processesInMountNamespace(namespace).length === 0), `left: ${processesInMountNamespace(namespace).join(" ")}`);
    assert.ok(await eventually(() => ![supervisor, init, Number(interpreter), Number(child)].some(alive)), "the supervisor, the init, the interpreter and its child are gone");
    assert.ok(!existsSync(session.socket));
  });

  it("ends only its own session when the code writes to its interpreter's channel (fd 3), fds included", async () => {
    const session = await openSession(executor);
    const r = await session.exec("import socket\nchannel = socket.socket(fileno=3)\nsocket.send_fds(channel, [b'not a status' * 10], [0, 1, 2])\nimport time\ntime.sleep(5)", { timeoutMs: 8000 });
    assert.equal(r.sessionAlive, false);
    assert.ok(r.durationMs < 3000, `answered after ${r.durationMs} ms`);
    assert.ok(await eventually(() => !existsSync(session.socket)));
  });

  it("runs one-shot executions beside sessions, both at oom_score_adj 1000, the zygote at its own", async () => {
    const session = await openSession(executor);
    try {
      await session.exec("x = 'session'");
      const oneShot = await exchange<ExecResult>(executor.socket, { code: "try:\n    print(x)\nexcept NameError:\n    print('fresh', open('/proc/self/oom_score_adj').read().strip())", stdin: "", timeoutMs: 5000, memoryBytes: LIMITS.memoryBytes, cpuSeconds: 5, maxProcesses: 64, maxFileBytes: 1024 ** 2, outputLimitBytes: 65536 });
      assert.equal(oneShot?.stdout, "fresh 1000\n", "a fresh process, first to die under memory pressure");
      const zygote = readFileSync(`/proc/${executor.process.pid}/oom_score_adj`, "utf8");
      assert.equal(zygote, readFileSync("/proc/self/oom_score_adj", "utf8"), "the zygote keeps the score it started with");
      assert.equal((await session.exec("print(x)")).stdout, "session\n");
    } finally {
      await session.close();
    }
  });

  it("refuses a connection to a session socket from another uid, unread", async () => {
    const session = await openSession(executor);
    try {
      // gid 0 may open the socket (0660, this machine's root group): only the peer check refuses it.
      const client = `import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect(${JSON.stringify(session.socket)})\nprint('connected', flush=True)\ntry:\n    s.sendall(b'{"op":"exec","code":"print(1)","stdin":"","timeoutMs":1000}\\n')\n    print(repr(s.recv(100)))\nexcept OSError as error:\n    print(type(error).__name__)`;
      const out = await new Promise<string>((resolve) => {
        const p = spawn(PYTHON, ["-c", client], { uid: UID + 50, gid: 0 });
        let text = "";
        p.stdout.on("data", (d: Buffer) => (text += d.toString()));
        p.on("close", () => resolve(text));
      });
      assert.match(out, /^connected\n(b''|ConnectionResetError|BrokenPipeError)\n$/, "closed without an answer");
      assert.equal((await session.exec("print(2)")).stdout, "2\n", "the session is untouched");
    } finally {
      await session.close();
    }
  });
});

describe("sandbox sessions in the executor at its limits", () => {
  let executor: Executor;
  before(async () => {
    executor = await startExecutor(UID + 1, { SANDBOX_MAX_SESSIONS: "1", SANDBOX_WARM_POOL: "1", SANDBOX_SESSION_BACKSTOP_MS: "300" });
  });
  after(async () => {
    await executor.stop();
  });

  it("refuses a registration past SANDBOX_MAX_SESSIONS, and takes one again when a session ends", async () => {
    const first = await openSession(executor);
    const refused = await createSession(executor);
    assert.deepEqual(refused.answer, { ok: false, error: "the executor refused the session: SANDBOX_MAX_SESSIONS reached" });
    assert.ok(!existsSync(refused.session.socket));
    await first.close();
    let again: Session | undefined;
    assert.ok(await eventually(async () => (again = await openSession(executor).catch(() => undefined)) !== undefined, 2000));
    await again?.close();
  });

  it("ends a session itself idleMs + the backstop after its last call (the api reaps first)", async () => {
    await eventually(() => readdirSync(path.join(executor.dir, "sessions")).length === 0);
    const session = await openSession(executor, { idleMs: 300 });
    const started = Date.now();
    assert.equal((await session.exec("print(1)")).stdout, "1\n");
    assert.ok(await eventually(() => !existsSync(session.socket), 3000));
    assert.ok(Date.now() - started >= 550, `ended after ${Date.now() - started} ms`);
  });
});

describe("sandbox sessions when the executor stops", () => {
  it("on SIGTERM stops taking executions and sessions, serves the open sessions until they are closed, then exits", async () => {
    const executor = await startExecutor(UID + 3, { SANDBOX_WARM_POOL: "1" });
    const exited = new Promise<number | null>((resolve) => executor.process.once("exit", (code) => resolve(code)));
    try {
      const session = await openSession(executor);
      await session.exec("x = 1");
      executor.process.kill("SIGTERM");
      assert.ok(await eventually(() => !existsSync(executor.socket)), "the main socket goes");
      assert.equal((await session.exec("print(x + 1)")).stdout, "2\n", "the session still answers");
      await session.close();
      assert.equal(await exited, 0);
    } finally {
      await executor.stop();
    }
  });

  it("never lets a session outlive the zygote", async () => {
    const executor = await startExecutor(UID + 3, { SANDBOX_WARM_POOL: "1" });
    try {
      const session = await openSession(executor);
      const [interpreter, namespace] = (await session.exec("import os\nprint(os.readlink('/proc/self'), os.readlink('/proc/self/ns/mnt'))")).stdout.trim().split(" ");
      executor.process.kill("SIGKILL");
      assert.ok(await eventually(() => processesInMountNamespace(namespace).length === 0 && !alive(Number(interpreter))), "the supervisor and the interpreter die with it");
    } finally {
      await executor.stop();
    }
  });
});

describe("sandbox sessions in the executor (fallback mode, as on Fargate)", () => {
  let executor: Executor;
  before(async () => {
    executor = await startExecutor(UID + 2, { SANDBOX_ISOLATION: "none", SANDBOX_WARM_POOL: "1" });
  });
  after(async () => {
    await executor.stop();
  });

  it("keeps state across calls in a private directory, and close leaves no process and no file, locked directories included", async () => {
    const { session, answer } = await createSession(executor);
    assert.equal(answer.isolation, "none");
    await session.exec("import os, subprocess\nkept = 1\nopen('f.txt', 'w').write('x')\np = subprocess.Popen(['sleep', '300'])\nif os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '301'])");
    const [home, interpreter, child] = (await session.exec("import os\nprint(os.getcwd(), os.getpid(), p.pid, kept, oct(os.stat('.').st_mode & 0o777))")).stdout.trim().split(" ");
    assert.equal(path.dirname(home), path.join(executor.dir, "scratch", "runs"));
    assert.ok(existsSync(path.join(home, "f.txt")));
    // The supervisor shares the code's uid here: the code can take the permissions away from it.
    await session.exec("os.makedirs('locked/deeper')\nopen('locked/deeper/g.txt', 'w').write('y')\nos.chmod('locked/deeper', 0)\nos.chmod('locked', 0)");
    const locked = await session.file({ op: "download", path: "locked/deeper/g.txt" });
    assert.deepEqual([locked.ok, locked.code], [false, "not_a_file"], locked.error);
    assert.deepEqual((await session.file({ op: "list_files" })).files, [{ path: "f.txt", size: 1 }]);
    const escapedAlive = () => readdirSync("/proc").some((p) => /^\d+$/.test(p) && safeRead(`/proc/${p}/cmdline`).startsWith("sleep\u0000301"));
    assert.ok(await eventually(escapedAlive, 2000), "a process of the session left its group");
    await session.close();
    assert.ok(await eventually(() => !existsSync(home)), "the home is removed");
    assert.ok(![Number(interpreter), Number(child)].some(alive));
    assert.ok(await eventually(() => !escapedAlive()), "the process that left its group is gone too");
  });
});

function safeRead(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
