import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { loadConfig } from "../sandbox/src/config";
import { type RunningSandbox, alive, eventually, startSandbox } from "./sandbox-harness";

/* Everything here runs against the service listening on a port, with real Python processes. */

const UID = 61001;
const asRoot = process.getuid?.() === 0;

describe("the sandbox runtime, against the running service", () => {
  let s: RunningSandbox;
  before(async () => {
    s = await startSandbox(UID, { MAX_SANDBOXES: "4", SANDBOX_OUTPUT_LIMIT: "65536", SANDBOX_MEMORY_LIMIT: "256m", SANDBOX_CPU_LIMIT: "2", SANDBOX_TIMEOUT: "20" });
    await eventually(() => s.sandbox.ready);
  });
  after(async () => {
    await s.close();
  });

  it("runs Python and returns stdout, stderr, the exit code and the duration", async () => {
    const ok = await s.execute({ code: "import sys\nprint(sum(range(10)))\nprint(sys.stdin.read().upper(), file=sys.stderr)", stdin: "hi" });
    assert.deepEqual([ok.stdout, ok.stderr, ok.exitCode, ok.timedOut, ok.truncated], ["45\n", "HI\n", 0, false, false]);
    assert.ok(ok.durationMs > 0);
    const failed = await s.execute({ code: "def f():\n    raise ValueError('no')\nf()" });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /File "<sandbox>", line 3[\s\S]*ValueError: no/);
    assert.doesNotMatch(failed.stderr, /_agentyard/, "the bootstrap stays out of tracebacks");
    assert.equal((await s.execute({ code: "raise SystemExit(3)" })).exitCode, 3);
    assert.equal((await s.execute({ code: "print(" })).exitCode, 1);
  });

  it("never reuses a process: every execution is a new one, with nothing left of the last", async () => {
    const pids = new Set<string>();
    for (let i = 0; i < 6; i++) pids.add((await s.execute({ code: "import os\nprint(os.readlink('/proc/self'))\nsecret = 1" })).stdout);
    assert.equal(pids.size, 6);
    const leaked = await s.execute({ code: "try:\n    print(secret)\nexcept NameError:\n    print('clean')" });
    assert.equal(leaked.stdout, "clean\n");
  });

  it("gives the code an empty environment, a private scratch directory and a non-root user", async () => {
    const r = await s.execute({ code: "import os, json\nprint(json.dumps({'env': sorted(os.environ), 'uid': os.getuid(), 'cwd': os.getcwd(), 'home': os.environ['HOME']}))" });
    const seen = JSON.parse(r.stdout) as { env: string[]; uid: number; cwd: string; home: string };
    assert.deepEqual(seen.env, ["HOME", "LANG", "PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "TMPDIR"]);
    assert.notEqual(seen.uid, 0);
    assert.equal(seen.cwd, seen.home);
  });

  it("hides one execution's files from the next: scratch directory, /tmp and /dev/shm", async () => {
    await s.execute({ code: "open('notes.txt', 'w').write('secret')\nopen('/tmp/left', 'w').write('x')\nopen('/dev/shm/left', 'w').write('x')" });
    const second = await s.execute({ code: "import os\nprint([os.path.exists(p) for p in ('notes.txt', '/tmp/left', '/dev/shm/left')])" });
    assert.equal(second.stdout, "[False, False, False]\n");
  });

  it("kills the whole process group at the timeout, children included", async () => {
    // Pids as /proc (this machine's) names them: inside its PID namespace the execution is PID 1.
    const code = "import os, subprocess, time, sys\np = subprocess.Popen([sys.executable, '-c', 'import os, time\\nprint(os.readlink(\\'/proc/self\\'), end=\\' \\', flush=True)\\ntime.sleep(300)'])\ntime.sleep(0.3)\nif os.fork() == 0:\n    print(os.readlink('/proc/self'), flush=True)\n    time.sleep(300)\ntime.sleep(300)";
    const r = await s.execute({ code, timeoutMs: 700 });
    assert.equal(r.timedOut, true);
    assert.ok(r.durationMs < 3000, `answered after ${r.durationMs} ms`);
    const pids = r.stdout.trim().split(" ").map(Number);
    assert.equal(pids.length, 2);
    assert.ok(await eventually(() => pids.every((pid) => !alive(pid))), `still alive: ${pids.filter(alive).join(" ")}`);
  });

  it("kills a descendant that left its process group to outlive the execution", { skip: !asRoot && "needs a dedicated execution uid" }, async () => {
    const code = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    print(os.readlink('/proc/self'), flush=True)\n    time.sleep(300)\nelse:\n    time.sleep(0.3)\n    print('parent done')";
    const r = await s.execute({ code });
    assert.equal(r.exitCode, 0);
    const escaped = Number(r.stdout.split("\n")[0]);
    assert.ok(escaped > 1, r.stdout);
    assert.ok(await eventually(() => !alive(escaped), 4000), "the descendant that left its group is gone");
  });

  it("stops code at its memory limit", async () => {
    const r = await s.execute({ code: "b = bytearray(1024 * 1024 * 1024)\nprint('allocated')" });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /MemoryError/);
    assert.equal(r.stdout, "");
  });

  it("stops code at its CPU-time limit, before the wall-clock timeout", async () => {
    const r = await s.execute({ code: "while True:\n    pass" });
    assert.equal(r.timedOut, false, "stopped by RLIMIT_CPU (SIGXCPU), not by the 20 s timeout");
    assert.equal(r.exitCode, null);
  });

  it("caps output and stops the code that floods it", async () => {
    const r = await s.execute({ code: "import sys\nwhile True:\n    sys.stdout.write('x' * 4096)" });
    assert.equal(r.truncated, true);
    assert.equal(r.timedOut, false);
    assert.equal(Buffer.byteLength(r.stdout), 65536);
  });

  it("answers malformed requests with 400 and a reason", async () => {
    const cases: Array<[unknown, RegExp]> = [
      ["{not json", /body: expected JSON/],
      [{}, /code:/],
      [{ code: "" }, /code: expected Python source/],
      [{ code: "1", timeoutMs: 10_000_000 }, /timeoutMs: expected at most 20000/],
      [{ code: "1", timeoutMs: 1.5 }, /timeoutMs: expected an integer/],
      [{ code: "1", extra: true }, /unknown field "extra"/],
      [{ code: "print(1)\u0000" }, /code: expected Python source without NUL bytes/],
    ];
    for (const [body, reason] of cases) {
      const res = await s.post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(((await res.json()) as { error: string }).error, reason);
    }
  });

  it("exposes execute_python over MCP (streamable HTTP)", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`)));
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === "execute_python"), "beside the session tools (test/sandbox-sessions.test.ts)");
      const result = await client.callTool({ name: "execute_python", arguments: { code: "print(6 * 7)" } });
      assert.equal(result.isError, false);
      assert.equal((result.structuredContent as { stdout: string }).stdout, "42\n");
    } finally {
      await client.close();
    }
  });

  it("moves its metrics: executions by outcome, durations, the executor's isolation", async () => {
    const before = await s.metric('sandbox_executions_total{outcome="success"}');
    const count = await s.metric("sandbox_execution_duration_seconds_count");
    await s.execute({ code: "pass" });
    assert.equal(await s.metric('sandbox_executions_total{outcome="success"}'), before + 1);
    assert.equal(await s.metric("sandbox_execution_duration_seconds_count"), count + 1);
    assert.equal(await s.metric("sandbox_warm_pool_size"), 1);
    assert.equal(await s.metric("sandbox_isolation_namespaces"), 1, "this machine lets executions have their namespaces");
    assert.equal(await s.metric("sandbox_max_concurrent_executions"), 4);
    assert.ok((await s.metric('sandbox_executions_total{outcome="timeout"}')) >= 1);
  });
});

describe("the sandbox runtime over capacity", () => {
  let s: RunningSandbox;
  before(async () => {
    s = await startSandbox(UID + 1, { MAX_SANDBOXES: "2", SANDBOX_QUEUE_LIMIT: "2" });
  });
  after(async () => {
    await s.close();
  });

  it("answers 429 with Retry-After beyond slots and queue, and loses or duplicates no answer", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `req-${i}`);
    const answers = await Promise.all(ids.map((id) => s.post({ code: `import time\ntime.sleep(0.4)\nprint(${JSON.stringify(id)})` })));
    let refused = 0;
    for (const [i, res] of answers.entries()) {
      if (res.status === 429) {
        refused++;
        assert.ok(Number(res.headers.get("retry-after")) >= 1);
        await res.text();
        continue;
      }
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { stdout: string }).stdout, `${ids[i]}\n`, "each answer is its own request's");
    }
    assert.equal(refused + answers.filter((r) => r.status === 200).length, 12, "every request has exactly one answer");
    assert.ok(refused >= 1 && refused <= 8, `${refused} refused`);
    assert.ok(12 - refused >= 4, "two running and two queued are served");
    assert.equal(await s.metric('sandbox_rejections_total{reason="capacity"}'), refused);
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
  });
});

describe("the sandbox runtime with a bearer token", () => {
  let s: RunningSandbox;
  const token = "t0ken-that-is-long-enough";
  before(async () => {
    s = await startSandbox(UID + 2, { SANDBOX_AUTH_TOKEN: token });
  });
  after(async () => {
    await s.close();
  });

  it("refuses executions without the token and keeps health, readiness and metrics open", async () => {
    assert.equal((await s.post({ code: "print(1)" })).status, 401);
    assert.equal((await s.post({ code: "print(1)" }, { authorization: "Bearer wrong" })).status, 401);
    assert.equal((await s.post({ code: "print(1)" }, { authorization: `Bearer ${token}` })).status, 200);
    for (const path of ["/health", "/ready", "/metrics"]) assert.equal((await fetch(`${s.url}${path}`)).status, 200, path);
  });

  it("answers a 50 MB unauthenticated body with 401 before reading it, and closes the connection", async () => {
    const { port } = new URL(s.url);
    const answer = await new Promise<{ head: string; sent: number }>((resolve) => {
      const total = 50 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 120);
      const socket = connect(Number(port), "127.0.0.1");
      let sent = 0;
      let head = "";
      socket.on("data", (d: Buffer) => (head += d.toString()));
      socket.on("error", () => undefined);
      socket.on("close", () => resolve({ head: head.split("\r\n")[0], sent }));
      socket.write(`POST /v1/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
      const pump = (): void => {
        while (sent < total && !head && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
        if (!head) socket.end();
      };
      pump();
    });
    assert.equal(answer.head, "HTTP/1.1 401 Unauthorized");
    assert.ok(answer.sent < 8 * 1024 * 1024, `${answer.sent} bytes sent before the answer`);
  });

  it("refuses GET /mcp: the stateless endpoint holds no stream open", async () => {
    const res = await fetch(`${s.url}/mcp`, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } });
    assert.equal(res.status, 405);
    await res.text();
  });
});

describe("the sandbox runtime's settings", () => {
  it("reads the seeds' variables and refuses bad values by name", () => {
    const config = loadConfig({ SANDBOX_TIMEOUT: "600", MAX_SANDBOXES: "50", SANDBOX_MEMORY_LIMIT: "1g", SANDBOX_CPU_LIMIT: "75" }, () => "");
    assert.deepEqual([config.timeoutMs, config.maxConcurrent, config.memoryLimitBytes, config.cpuSeconds], [600_000, 50, 1024 ** 3, 75]);
    assert.throws(() => loadConfig({ SANDBOX_MEMORY_LIMIT: "lots" }, () => ""), /SANDBOX_MEMORY_LIMIT: got "lots", expected a size/);
    assert.throws(() => loadConfig({ MAX_SANDBOXES: "0" }, () => ""), /MAX_SANDBOXES: got "0", expected an integer from 1/);
    assert.equal(loadConfig({ SANDBOX_AUTH_TOKEN_FILE: "/run/secrets/token" }, () => "from-the-file-0123456\n").authToken, "from-the-file-0123456");
  });
});
