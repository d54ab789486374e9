import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, renameSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { advertiseAddress, privateIpv4 } from "../sandbox/src/advertise";
import { loadConfig } from "../sandbox/src/config";
import { Sandbox } from "../sandbox/src/sandbox";
import { OwnerGone, OwnerSlow, forward } from "../sandbox/src/session-forward";
import { SessionIds } from "../sandbox/src/session-id";
import { type ApiProcess, type RunningSandbox, alive, eventually, startApiProcess, startExecutor, startSandbox } from "./sandbox-harness";

/* Sessions (sandbox/SESSIONS.md), against the running service: the api and the executor, real interpreters. */

const UID = 61030;
const TOKEN = "session-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface ExecBody {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  timedOut: boolean;
  truncated: boolean;
  sessionAlive: boolean;
}

/** A caller of one replica's session routes. */
function caller(url: string, headers: Record<string, string> = AUTH) {
  const call = (method: string, route: string, body?: unknown, extra: Record<string, string> = {}) =>
    fetch(`${url}${route}`, { method, headers: { ...headers, ...extra }, body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body) });
  return {
    call,
    async create(body: Record<string, number> = {}): Promise<string> {
      const res = await call("POST", "/v1/sessions", body);
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    },
    async exec(id: string, code: string, extra: Record<string, unknown> = {}): Promise<ExecBody> {
      const res = await call("POST", `/v1/sessions/${id}/execute`, { code, ...extra });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as ExecBody;
    },
    async close(id: string): Promise<void> {
      const res = await call("DELETE", `/v1/sessions/${id}`);
      assert.equal(res.status, 204, await res.clone().text());
    },
  };
}

/** The interpreter's pid as this machine names it, and the session's socket. */
async function interpreterOf(api: ReturnType<typeof caller>, id: string): Promise<number> {
  return Number((await api.exec(id, "import os\nprint(os.readlink('/proc/self'))")).stdout);
}
const socketOf = (s: RunningSandbox, id: string) => path.join(s.executorDir, "sessions", `${id.slice(0, 32)}.sock`);

/** Files called `name` anywhere under `dir`. */
function filesNamed(dir: string, name: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((entry) => path.basename(entry) === name);
}

/** A request whose path is sent exactly as written, dot segments included. */
function rawStatus(url: string, method: string, route: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: route, headers: AUTH }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("session settings, ids and the advertised address", () => {
  it("reads the session settings and refuses bad values by name", () => {
    const c = loadConfig({ SANDBOX_MAX_SESSIONS: "0", SANDBOX_SESSION_TTL: "60", SANDBOX_SESSION_IDLE_TIMEOUT: "5", SANDBOX_SESSION_MEMORY_LIMIT: "512m", SANDBOX_SESSION_CPU_LIMIT: "30", SANDBOX_SESSION_FILE_LIMIT: "1m", SANDBOX_ADVERTISE_ADDRESS: "10.0.3.17:8080" }, () => "");
    assert.deepEqual([c.maxSessions, c.sessionTtlMs, c.sessionIdleMs, c.sessionMemoryBytes, c.sessionCpuSeconds, c.sessionFileBytes, c.advertiseAddress], [0, 60_000, 5_000, 512 * 1024 ** 2, 30, 1024 ** 2, "10.0.3.17:8080"]);
    const defaults = loadConfig({ SANDBOX_MEMORY_LIMIT: "1g" }, () => "");
    assert.deepEqual([defaults.maxSessions, defaults.sessionTtlMs, defaults.sessionIdleMs, defaults.sessionMemoryBytes, defaults.sessionCpuSeconds, defaults.sessionFileBytes, defaults.advertiseAddress], [16, 3_600_000, 600_000, 1024 ** 3, 300, 8 * 1024 ** 2, undefined]);
    assert.equal(loadConfig({ SANDBOX_ADVERTISE_ADDRESS: "[fd00::7]:8080" }, () => "").advertiseAddress, "[fd00::7]:8080");
    const refused: Array<[string, string, RegExp]> = [
      ["SANDBOX_MAX_SESSIONS", "-1", /SANDBOX_MAX_SESSIONS: got "-1", expected an integer from 0/],
      ["SANDBOX_SESSION_TTL", "0", /SANDBOX_SESSION_TTL: got "0"/],
      ["SANDBOX_SESSION_IDLE_TIMEOUT", "soon", /SANDBOX_SESSION_IDLE_TIMEOUT: got "soon"/],
      ["SANDBOX_SESSION_MEMORY_LIMIT", "lots", /SANDBOX_SESSION_MEMORY_LIMIT: got "lots", expected a size/],
      ["SANDBOX_SESSION_CPU_LIMIT", "1.5", /SANDBOX_SESSION_CPU_LIMIT: got "1.5"/],
      ["SANDBOX_SESSION_FILE_LIMIT", "1g", /SANDBOX_SESSION_FILE_LIMIT: got "1g", expected a size from 1k to 8m/],
      ["SANDBOX_ADVERTISE_ADDRESS", "10.0.3.17", /SANDBOX_ADVERTISE_ADDRESS: got "10.0.3.17", expected host:port/],
      ["SANDBOX_ADVERTISE_ADDRESS", "evil.example/x:80", /SANDBOX_ADVERTISE_ADDRESS: got/],
    ];
    for (const [key, value, reason] of refused) assert.throws(() => loadConfig({ [key]: value }, () => ""), reason, key);
  });

  it("makes ids that carry the owner and pass only with the same token's key", () => {
    const ids = new SessionIds(TOKEN);
    const executorId = SessionIds.newExecutorId();
    assert.match(executorId, /^[0-9a-f]{32}$/);
    const id = ids.mint({ executorId, owner: "10.0.3.17:8080" });
    assert.deepEqual(new SessionIds(TOKEN).parse(id), { executorId, owner: "10.0.3.17:8080" }, "another replica with the token reads it");
    assert.equal(new SessionIds("another-token-0123456789").parse(id), undefined, "another token's key does not");
    assert.equal(new SessionIds(undefined).parse(new SessionIds(undefined).mint({ executorId, owner: undefined })), undefined, "without a token, an id passes only in its own process");
    const [hex, mac] = id.split(".");
    const elsewhere = `${hex}.${mac}.${Buffer.from("169.254.169.254:80").toString("base64url")}`;
    assert.equal(ids.parse(elsewhere), undefined, "the owner cannot be swapped");
    assert.equal(ids.parse(`${"0".repeat(32)}.${mac}`), undefined, "nor the executor id");
    for (const garbage of ["", "x", `${hex}`, `${id}.more`, `${hex.toUpperCase()}.${mac}`]) assert.equal(ids.parse(garbage), undefined, garbage);
  });

  it("advertises the task's IPv4 from the ECS task metadata endpoint v4 when no address is set", async () => {
    // The container metadata response as documented (task-metadata-endpoint-v4-fargate-examples.html), abridged.
    const documented = {
      DockerId: "cd189a933e5849daa93386466019ab50-2495160603",
      Name: "curl",
      DockerName: "curl",
      Image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest",
      Labels: { "com.amazonaws.ecs.cluster": "arn:aws:ecs:us-west-2:111122223333:cluster/default", "com.amazonaws.ecs.container-name": "curl" },
      DesiredStatus: "RUNNING",
      KnownStatus: "RUNNING",
      Limits: { CPU: 10, Memory: 128 },
      Type: "NORMAL",
      Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: ["192.0.2.3"] }],
    };
    assert.equal(privateIpv4(documented), "192.0.2.3");
    assert.equal(privateIpv4({ Networks: [] }), undefined);
    assert.equal(privateIpv4("nonsense"), undefined);
    const paths: string[] = [];
    const metadata = createServer((req, res) => {
      paths.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(documented));
    });
    await new Promise<void>((resolve) => metadata.listen(0, "127.0.0.1", resolve));
    try {
      const uri = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/cd189a933e5849daa93386466019ab50-2495160603`;
      assert.equal(await advertiseAddress(undefined, { ECS_CONTAINER_METADATA_URI_V4: uri }, 8080), "192.0.2.3:8080");
      assert.deepEqual(paths, ["/v4/cd189a933e5849daa93386466019ab50-2495160603"], "the container's own metadata path");
      assert.equal(await advertiseAddress("10.1.1.1:8080", { ECS_CONTAINER_METADATA_URI_V4: uri }, 8080), "10.1.1.1:8080", "a set address wins");
      assert.equal(await advertiseAddress(undefined, {}, 8080), undefined, "elsewhere: none");
    } finally {
      metadata.close();
    }
  });
});

describe("forwarding to the owning replica", () => {
  it("tells an owner that is gone (refused) from one that is slow (connected, no answer in time)", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer(() => undefined);
    silent.on("connection", (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const owner = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const base = { method: "GET", path: "/v1/sessions/x", authorization: undefined, contentType: undefined, contentLength: undefined, body: undefined };
    try {
      await assert.rejects(forward({ ...base, owner, timeoutMs: 300 }), OwnerSlow);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
    await assert.rejects(forward({ ...base, owner, timeoutMs: 300 }), OwnerGone, "nothing listens there now");
  });
});

describe("sessions, against the running service", () => {
  let s: RunningSandbox;
  let api: ReturnType<typeof caller>;
  before(async () => {
    s = await startSandbox(UID, { SANDBOX_AUTH_TOKEN: TOKEN, SANDBOX_MAX_SESSIONS: "3", SANDBOX_SESSION_FILE_LIMIT: "64k", SANDBOX_SESSION_MEMORY_LIMIT: "256m", SANDBOX_SESSION_CPU_LIMIT: "1", SANDBOX_TIMEOUT: "20", SANDBOX_OUTPUT_LIMIT: "65536" });
    await eventually(() => s.sandbox.ready);
    api = caller(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("keeps variables, imports and files from one call to the next", async () => {
    const id = await api.create();
    try {
      assert.equal((await api.exec(id, "import json\nx = 41\nopen('notes.txt', 'w').write('kept')")).exitCode, 0);
      const second = await api.exec(id, "print(json.dumps({'x': x + 1, 'notes': open('notes.txt').read()}))");
      assert.deepEqual([second.stdout, second.sessionAlive], ['{"x": 42, "notes": "kept"}\n', true]);
      const exited = await api.exec(id, "raise SystemExit(3)");
      assert.deepEqual([exited.exitCode, exited.sessionAlive], [3, true], "SystemExit ends the call, not the session");
      assert.equal((await api.exec(id, "print(x)")).stdout, "41\n");
      const view = (await (await api.call("GET", `/v1/sessions/${id}`)).json()) as { id: string; busy: boolean; expiresAt: string };
      assert.deepEqual([view.id, view.busy], [id, false]);
      assert.ok(Date.parse(view.expiresAt) > Date.now());
    } finally {
      await api.close(id);
    }
  });

  it("keeps two sessions apart: variables and files", async () => {
    const [a, b] = [await api.create(), await api.create()];
    try {
      const homeOfA = (await api.exec(a, "import os\nsecret = 'a'\nopen('mine.txt', 'w').write('a')\nprint(os.getcwd())")).stdout.trim();
      const seen = await api.exec(b, `import os\ntry:\n    print(secret)\nexcept NameError:\n    print('no secret')\nprint(os.path.exists('mine.txt'), os.path.exists(${JSON.stringify(`${homeOfA}/mine.txt`)}))`);
      assert.equal(seen.stdout, "no secret\nFalse False\n");
      const listing = (await (await api.call("GET", `/v1/sessions/${b}/files`)).json()) as { files: unknown[] };
      assert.deepEqual(listing.files, []);
    } finally {
      await api.close(a);
      await api.close(b);
    }
  });

  it("runs one call of a session at a time, in order", async () => {
    const id = await api.create();
    try {
      await api.exec(id, "import time\nlog = []");
      const code = (n: number) => `t = time.monotonic()\ntime.sleep(0.3)\nlog.append((${n}, t, time.monotonic()))`;
      await Promise.all([0, 1, 2].map((n) => api.exec(id, code(n))));
      const log = JSON.parse((await api.exec(id, "import json\nprint(json.dumps(sorted(log, key=lambda e: e[1])))")).stdout) as Array<[number, number, number]>;
      assert.equal(log.length, 3);
      for (let i = 1; i < log.length; i++) assert.ok(log[i][1] >= log[i - 1][2], "a call starts after the one before it ended");
    } finally {
      await api.close(id);
    }
  });

  it("round-trips files over HTTP: bytes in, read by the code, bytes out, listed; bad paths 400, too large 413", async () => {
    const id = await api.create();
    try {
      const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      const put = await api.call("PUT", `/v1/sessions/${id}/files/data/in.bin`, bytes);
      assert.equal(put.status, 201);
      assert.deepEqual(await put.json(), { path: "data/in.bin", size: 7 });
      assert.equal((await api.exec(id, "print(list(open('data/in.bin', 'rb').read()))\nopen('out.txt', 'w').write('made by code')")).stdout, "[0, 1, 2, 255, 254, 10, 13]\n");
      const got = await api.call("GET", `/v1/sessions/${id}/files/data/in.bin`);
      assert.equal(got.headers.get("content-type"), "application/octet-stream");
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
      assert.equal(await (await api.call("GET", `/v1/sessions/${id}/files/out.txt`)).text(), "made by code");
      const listing = (await (await api.call("GET", `/v1/sessions/${id}/files`)).json()) as { files: Array<{ path: string; size: number }> };
      assert.deepEqual(listing.files.sort((x, y) => x.path.localeCompare(y.path)), [{ path: "data/in.bin", size: 7 }, { path: "out.txt", size: 12 }]);
      assert.equal((await api.call("GET", `/v1/sessions/${id}/files/missing.txt`)).status, 404);
      // Sent as written: fetch would resolve the dot segments before they left.
      for (const bad of ["../../etc/passwd", "%2E%2E/x", "a%2Fb%00", "x/./y", "sp%20ace", "deep/".repeat(8) + "x"]) assert.equal(await rawStatus(s.url, "GET", `/v1/sessions/${id}/files/${bad}`), 400, bad);
      const big = await api.call("PUT", `/v1/sessions/${id}/files/big.bin`, Buffer.alloc(64 * 1024 + 1));
      assert.equal(big.status, 413);
      assert.equal((await api.call("PUT", `/v1/sessions/${id}/files/fits.bin`, Buffer.alloc(64 * 1024, 7))).status, 201, "the limit itself fits");
    } finally {
      await api.close(id);
    }
  });

  it("offers sessions over MCP: create, execute with session_id, upload and download text and bytes, list, close", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: AUTH } }));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["close_session", "create_session", "download_file", "execute_python", "list_files", "upload_file"]);
      const tool = async (name: string, args: Record<string, unknown>) => {
        const r = await client.callTool({ name, arguments: args });
        assert.equal(r.isError, false, JSON.stringify(r.content));
        return r.structuredContent as Record<string, unknown>;
      };
      const id = (await tool("create_session", { idleTimeoutSeconds: 60 })).id as string;
      await tool("execute_python", { session_id: id, code: "total = 40" });
      assert.equal((await tool("execute_python", { session_id: id, code: "print(total + 2)" })).stdout, "42\n");
      await tool("upload_file", { session_id: id, path: "in.txt", content: "héllo" });
      await tool("upload_file", { session_id: id, path: "raw.bin", content_base64: Buffer.from([0xff, 0x00, 0xfe]).toString("base64") });
      assert.equal((await tool("execute_python", { session_id: id, code: "print(open('in.txt').read().upper())" })).stdout, "HÉLLO\n");
      assert.deepEqual(await tool("download_file", { session_id: id, path: "in.txt" }), { path: "in.txt", size: 6, content: "héllo" });
      assert.deepEqual(await tool("download_file", { session_id: id, path: "raw.bin" }), { path: "raw.bin", size: 3, content_base64: "/wD+" });
      assert.equal(((await tool("list_files", { session_id: id })).files as unknown[]).length, 2);
      const both = await client.callTool({ name: "upload_file", arguments: { session_id: id, path: "x", content: "a", content_base64: "YQ==" } });
      assert.equal(both.isError, true);
      await tool("close_session", { session_id: id });
      const after = await client.callTool({ name: "execute_python", arguments: { session_id: id, code: "print(total)" } });
      assert.equal(after.isError, true);
      assert.match(JSON.stringify(after.content), /no such session/);
    } finally {
      await client.close();
    }
  });

  it("holds each session to its limits: memory, time and output per call, and the session goes on; a dead interpreter ends it", async () => {
    const id = await api.create();
    try {
      const memory = await api.exec(id, "b = bytearray(1024 * 1024 * 1024)");
      assert.match(memory.stderr, /MemoryError/);
      assert.equal(memory.sessionAlive, true);
      const slow = await api.exec(id, "import time\ntime.sleep(30)", { timeoutMs: 500 });
      assert.deepEqual([slow.timedOut, slow.sessionAlive], [true, true]);
      assert.match(slow.stderr, /KeyboardInterrupt/);
      const flood = await api.exec(id, "import sys\nwhile True:\n    sys.stdout.write('x' * 4096)", { timeoutMs: 10000 });
      assert.deepEqual([flood.truncated, flood.timedOut, flood.sessionAlive, Buffer.byteLength(flood.stdout)], [true, false, true, 65536]);
      assert.equal((await api.exec(id, "print('still here')")).stdout, "still here\n");
      const died = await api.exec(id, "import os\nos._exit(9)");
      assert.equal(died.sessionAlive, false);
      assert.equal((await api.call("POST", `/v1/sessions/${id}/execute`, { code: "print(1)" })).status, 404, "a session whose interpreter died is over");
      assert.ok(await eventually(() => !existsSync(socketOf(s, id))), "its socket is removed");
    } finally {
      await api.call("DELETE", `/v1/sessions/${id}`);
    }
  });

  it("ends a session at its CPU budget (SANDBOX_SESSION_CPU_LIMIT)", async () => {
    const id = await api.create();
    const before = await s.metric('sandbox_sessions_ended_total{reason="crashed"}');
    const spin = await api.exec(id, "while True:\n    pass", { timeoutMs: 20000 });
    assert.deepEqual([spin.timedOut, spin.sessionAlive], [false, false], "stopped by RLIMIT_CPU, not the timeout");
    assert.equal((await api.call("GET", `/v1/sessions/${id}`)).status, 404);
    assert.equal(await s.metric('sandbox_sessions_ended_total{reason="crashed"}'), before + 1);
  });

  it("answers 429 with Retry-After at SANDBOX_MAX_SESSIONS, and takes sessions again once one is closed", async () => {
    const ids = [await api.create(), await api.create(), await api.create()];
    try {
      const refusedBefore = await s.metric('sandbox_rejections_total{reason="session_capacity"}');
      const full = await api.call("POST", "/v1/sessions", {});
      assert.equal(full.status, 429);
      assert.ok(Number(full.headers.get("retry-after")) >= 1);
      assert.equal(await s.metric('sandbox_rejections_total{reason="session_capacity"}'), refusedBefore + 1);
      assert.equal(await s.metric("sandbox_sessions_active"), 3);
      assert.equal(await s.metric("sandbox_sessions_max"), 3);
      const listed = (await (await api.call("GET", "/v1/sessions")).json()) as { sessions: Array<{ id: string }> };
      assert.deepEqual(listed.sessions.map((x) => x.id).sort(), [...ids].sort());
      await api.close(ids.pop() as string);
      ids.push(await api.create());
    } finally {
      for (const id of ids) await api.close(id);
    }
  });

  it("leaves nothing after close: 404, no process, no socket, no file", async () => {
    const id = await api.create();
    const pid = await interpreterOf(api, id);
    await api.exec(id, "open('left.txt', 'w').write('x' * 1000)");
    assert.ok(alive(pid) && existsSync(socketOf(s, id)));
    const closedBefore = await s.metric('sandbox_sessions_ended_total{reason="closed"}');
    await api.close(id);
    assert.equal(await s.metric('sandbox_sessions_ended_total{reason="closed"}'), closedBefore + 1);
    for (const [method, route] of [["GET", ""], ["POST", "/execute"], ["GET", "/files"], ["GET", "/files/left.txt"], ["DELETE", ""]]) {
      assert.equal((await api.call(method, `/v1/sessions/${id}${route}`, method === "POST" ? { code: "1" } : undefined)).status, 404, `${method} ${route}`);
    }
    assert.ok(await eventually(() => !alive(pid)), "the interpreter is gone");
    assert.ok(await eventually(() => !existsSync(socketOf(s, id))), "its socket is gone");
    assert.deepEqual(filesNamed(s.executorDir, "left.txt"), [], "no file of it is left");
  });

  it("closes a session past its TTL, and one left idle, within a second or so", async () => {
    const ttl = await api.create({ ttlSeconds: 1 });
    const idle = await api.create({ idleTimeoutSeconds: 1 });
    const busy = await api.create({ idleTimeoutSeconds: 2 });
    const [ttlBefore, idleBefore] = [await s.metric('sandbox_sessions_ended_total{reason="expired_ttl"}'), await s.metric('sandbox_sessions_ended_total{reason="expired_idle"}')];
    try {
      // A call longer than the idle timeout keeps its session.
      assert.equal((await api.exec(busy, "import time\ntime.sleep(2.5)\nprint('done')")).stdout, "done\n");
      assert.equal((await api.call("GET", `/v1/sessions/${busy}`)).status, 200, "used until now: not idle");
      assert.equal((await api.call("GET", `/v1/sessions/${ttl}`)).status, 404);
      assert.equal((await api.call("GET", `/v1/sessions/${idle}`)).status, 404);
      assert.ok(await eventually(() => !existsSync(socketOf(s, ttl)) && !existsSync(socketOf(s, idle))), "both are closed in the executor");
      assert.equal(await s.metric('sandbox_sessions_ended_total{reason="expired_ttl"}'), ttlBefore + 1);
      assert.equal(await s.metric('sandbox_sessions_ended_total{reason="expired_idle"}'), idleBefore + 1);
    } finally {
      await api.call("DELETE", `/v1/sessions/${busy}`);
    }
  });

  it("counts session calls as executions, and refuses a TTL above SANDBOX_SESSION_TTL", async () => {
    const id = await api.create();
    try {
      const before = await s.metric('sandbox_executions_total{outcome="success"}');
      await api.exec(id, "pass");
      assert.equal(await s.metric('sandbox_executions_total{outcome="success"}'), before + 1);
      const tooLong = await api.call("POST", "/v1/sessions", { ttlSeconds: 3601 });
      assert.equal(tooLong.status, 400);
      assert.match(((await tooLong.json()) as { error: string }).error, /ttlSeconds: expected at most 3600 \(SANDBOX_SESSION_TTL\)/);
      assert.equal((await caller(s.url, {}).call("POST", "/v1/sessions", {})).status, 401, "behind the token");
    } finally {
      await api.close(id);
    }
  });
});

describe("sessions across two replicas", () => {
  let a: RunningSandbox;
  let b: RunningSandbox;
  before(async () => {
    const env = { SANDBOX_AUTH_TOKEN: TOKEN, SANDBOX_MAX_SESSIONS: "4" };
    [a, b] = await Promise.all([startSandbox(UID + 1, env, { host: "127.0.0.1", advertise: true }), startSandbox(UID + 2, env, { host: "127.0.0.2", advertise: true })]);
  });
  after(async () => {
    await a.close();
    await b?.close().catch(() => undefined);
  });

  it("reaches a session through either replica: calls, files and MCP are forwarded to its owner once", async () => {
    const viaA = caller(a.url);
    const viaB = caller(b.url);
    const id = await viaB.create();
    assert.equal(new SessionIds(TOKEN).parse(id)?.owner, new URL(b.url).host, "the id names its owner");
    await viaB.exec(id, "x = 'made on b'");
    assert.equal((await viaA.exec(id, "print(x)")).stdout, "made on b\n", "a forwards to b");
    const put = await viaA.call("PUT", `/v1/sessions/${id}/files/via-a.txt`, Buffer.from("streamed"));
    assert.equal(put.status, 201);
    assert.equal(await (await viaA.call("GET", `/v1/sessions/${id}/files/via-a.txt`)).text(), "streamed");
    assert.equal((await viaA.call("GET", `/v1/sessions/${id}`)).status, 200);
    assert.equal(((await (await viaA.call("GET", "/v1/sessions")).json()) as { sessions: unknown[] }).sessions.length, 0, "a lists its own sessions only");
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), { requestInit: { headers: AUTH } }));
    try {
      const r = await client.callTool({ name: "execute_python", arguments: { session_id: id, code: "print(open('via-a.txt').read(), x)" } });
      assert.equal((r.structuredContent as { stdout: string }).stdout, "streamed made on b\n");
    } finally {
      await client.close();
    }
    assert.ok((await a.metric('sandbox_session_forwards_total{result="ok"}')) >= 5);
    assert.equal(await b.metric('sandbox_session_forwards_total{result="ok"}'), 0, "b served them without forwarding again");
    assert.equal((await viaA.call("POST", `/v1/sessions/${id}/execute`, { code: "print(1)" }, { "x-agentyard-forwarded": "1" })).status, 404, "a forwarded request is never forwarded again");
    await viaA.close(id);
    assert.equal((await viaB.call("GET", `/v1/sessions/${id}`)).status, 404, "closed on its owner");
  });

  it("answers 404 for a forged id without forwarding it", async () => {
    const viaA = caller(a.url);
    const id = await caller(b.url).create();
    const [hex, mac, owner] = id.split(".");
    const forwardsBefore = await a.metric('sandbox_session_forwards_total{result="ok"}');
    const forged = [`${hex}.${"A".repeat(22)}.${owner}`, `${hex}.${mac}.${Buffer.from("127.0.0.1:1").toString("base64url")}`, `${hex}.${mac}`];
    for (const f of forged) assert.equal((await viaA.call("POST", `/v1/sessions/${f}/execute`, { code: "print(1)" })).status, 404, f);
    assert.equal(await a.metric('sandbox_session_forwards_total{result="ok"}'), forwardsBefore, "nothing forwarded");
    await caller(b.url).close(id);
  });

  it("answers 404 when the owning replica is gone", async () => {
    const id = await caller(b.url).create();
    await b.close();
    const gone = await caller(a.url).call("POST", `/v1/sessions/${id}/execute`, { code: "print(1)" });
    assert.equal(gone.status, 404);
    assert.match(((await gone.json()) as { error: string }).error, /its replica is gone/);
    assert.equal(await a.metric('sandbox_session_forwards_total{result="gone"}'), 1);
  });
});

describe("sessions without a token, or turned off", () => {
  it("forwards nothing without a token: a session is reachable only on the replica that made it", async () => {
    const [a, b] = await Promise.all([startSandbox(UID + 4, {}, { host: "127.0.0.1", advertise: true }), startSandbox(UID + 5, {}, { host: "127.0.0.2", advertise: true })]);
    try {
      const id = await caller(b.url, {}).create();
      assert.equal((await caller(b.url, {}).exec(id, "print('on b')")).stdout, "on b\n");
      assert.equal((await caller(a.url, {}).call("POST", `/v1/sessions/${id}/execute`, { code: "print(1)" })).status, 404);
      assert.equal(await a.metric('sandbox_session_forwards_total{result="ok"}'), 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("offers no session with SANDBOX_MAX_SESSIONS=0: 404, and only execute_python over MCP", async () => {
    const s = await startSandbox(UID + 6, { SANDBOX_MAX_SESSIONS: "0" });
    const client = new Client({ name: "test", version: "1.0.0" });
    try {
      const res = await caller(s.url, {}).call("POST", "/v1/sessions", {});
      assert.equal(res.status, 404);
      assert.match(((await res.json()) as { error: string }).error, /SANDBOX_MAX_SESSIONS=0/);
      await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`)));
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ["execute_python"]);
    } finally {
      await client.close();
      await s.close();
    }
  });
});

describe("sessions the executor lost", () => {
  it("ends a session whose supervisor died (reason crashed): its socket goes, the api answers 404, nothing of it is left", async () => {
    const s = await startSandbox(UID + 8);
    try {
      const api = caller(s.url, {});
      const id = await api.create({ idleTimeoutSeconds: 60 });
      const pid = await interpreterOf(api, id);
      process.kill(supervisorOf(pid), "SIGKILL");
      assert.ok(await eventually(() => !existsSync(socketOf(s, id))), "the zygote removes the socket of a supervisor that is gone");
      assert.equal((await api.call("POST", `/v1/sessions/${id}/execute`, { code: "print(1)" })).status, 404);
      assert.equal(await s.metric('sandbox_sessions_ended_total{reason="crashed"}'), 1);
      assert.equal((await api.call("GET", `/v1/sessions/${id}`)).status, 404);
      assert.ok(await eventually(() => !alive(pid), 5000), "the interpreter dies with its supervisor (PR_SET_PDEATHSIG)");
    } finally {
      await s.close();
    }
  });

  it("names its session in every call: one whose socket was moved over another's is refused there, never run, and served again once the zygote binds it back", async () => {
    const s = await startSandbox(UID + 9);
    try {
      const api = caller(s.url, {});
      const [victim, attacker] = [await api.create(), await api.create()];
      await api.exec(attacker, "spy = 1");
      // What code sharing the executor's uid could do where it sees the ipc directory.
      renameSync(socketOf(s, attacker), socketOf(s, victim));
      const reached = await api.call("POST", `/v1/sessions/${victim}/execute`, { code: "print(globals().get('spy'))" });
      assert.notEqual(reached.status, 200, "the attacker's session refuses a call naming the victim");
      assert.ok(await eventually(async () => (await api.call("POST", `/v1/sessions/${victim}/execute`, { code: "print(globals().get('spy'))" })).status === 200, 5000));
      assert.equal((await api.exec(victim, "print(globals().get('spy'))")).stdout, "None\n", "the victim's socket leads to the victim again");
      assert.equal((await api.exec(attacker, "print(spy)")).stdout, "1\n", "the attacker's socket is bound again at its own path");
    } finally {
      await s.close();
    }
  });
});

/** A session's supervisor: the interpreter's ancestor whose parent is the zygote (the test's child). */
function supervisorOf(pid: number): number {
  const parentOf = (p: number) => Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1]);
  let supervisor = pid;
  while (parentOf(parentOf(supervisor)) !== process.pid) supervisor = parentOf(supervisor);
  return supervisor;
}

describe("sessions after the api restarted", () => {
  it("answers 429 while the executor still holds sessions the api forgot", async () => {
    const s = await startSandbox(UID + 7, { SANDBOX_MAX_SESSIONS: "1" });
    // A second api on the same executor: the first one's session is unknown to it, as after a restart.
    const restarted = new Sandbox(s.config);
    try {
      await caller(s.url, {}).create();
      const answer = await restarted.sessions.create(undefined, undefined);
      assert.equal(answer.kind === "failed" && answer.status, 429);
      assert.match(answer.kind === "failed" ? answer.error : "", /SANDBOX_MAX_SESSIONS/);
    } finally {
      await restarted.shutdown(0);
      await s.close();
    }
  });
});

describe("sessions when a replica stops (SIGTERM)", () => {
  it("creates no more sessions, serves its sessions until the grace period ends, then closes them", async () => {
    const executor = await startExecutor(UID + 3);
    let replica: ApiProcess | undefined;
    try {
      replica = await startApiProcess(executor.socket, { SANDBOX_AUTH_TOKEN: TOKEN, SANDBOX_SHUTDOWN_GRACE_MS: "2000" });
      const { child, url, exited } = replica;
      const api = caller(url);
      const id = await api.create();
      await api.exec(id, "n = 1");
      const pid = await interpreterOf(api, id);
      const stoppedAt = Date.now();
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await api.call("POST", "/v1/sessions", {})).status, 503, "no new sessions");
      assert.equal((await fetch(`${url}/ready`)).status, 503);
      assert.equal((await api.exec(id, "n += 1\nprint(n)")).stdout, "2\n", "its session is still served");
      assert.equal(await exited, 0);
      assert.ok(Date.now() - stoppedAt >= 1800, "it held on for the grace period");
      assert.match(replica.log(), /"msg":"session ended","reason":"shutdown"/);
      assert.ok(await eventually(() => !alive(pid)), "the interpreter is gone");
      assert.ok(await eventually(() => readdirSync(path.join(executor.dir, "sessions")).length === 0), "its socket is gone");
    } finally {
      replica?.child.kill("SIGKILL");
      await executor.stop();
    }
  });
});
