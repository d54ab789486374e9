// test-runner: alone (scripts/test.ts): tests 2 and 7 measure latency and lost output under load, which other files beside them would change.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { type Answer, DOCKER_HOST, FARGATE, GVISOR, KUBERNETES, type Platform, type Pod, TOKEN, buildImage, docker, dockerSkip, percentile, startPod } from "./sandbox-pod";

/*
 * The invariants of #17 (sandbox/THREAT-MODEL.md), tried as an attacker would, against the image
 * run as production runs it (test/sandbox-pod.ts): one test per invariant and platform. Where an
 * invariant only partly holds on a platform (Fargate runs executions without namespaces), the
 * test asserts the part that holds, and THREAT-MODEL.md says what does not.
 */

const PLATFORMS: Platform[] = [KUBERNETES, FARGATE];
// gVisor where the engine has it (scripts/dockerd.sh registers Debian's runsc when installed; .ci/run installs it).
const hasRunsc = DOCKER_HOST !== undefined && /\brunsc\b/.test(execFileSync("docker", ["info", "--format", "{{json .Runtimes}}"], { env: { ...process.env, DOCKER_HOST }, encoding: "utf8" }));

const json = <T>(a: Answer): T => {
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.exitCode, 0, a.body.stderr);
  return JSON.parse(a.body.stdout) as T;
};

describe("the executor under gVisor (runsc), as Docker runs it", { skip: dockerSkip || (!hasRunsc && "the engine has no runsc runtime"), timeout: 120_000 }, () => {
  // Docker makes each container its own gVisor sandbox (a Kubernetes pod is one), so the api
  // reaches the executor's socket from outside the executor's sandbox; SO_PEERCRED reports it
  // with the executor's own uid, as it reports any peer under runsc (THREAT-MODEL.md, "gVisor").
  let pod: Pod;
  before(async () => {
    await buildImage();
    // startPod waits for /ready and checks the executor reports "pidns".
    pod = await startPod(GVISOR, { env: { MAX_SANDBOXES: "4" } });
  });
  after(async () => {
    await pod?.stop();
  });
  const processNames = async () => (await docker("exec", pod.executor, "sh", "-c", "cat /proc/[0-9]*/comm 2>/dev/null")).stdout;

  it("runs an execution as PID 1 of its own PID namespace, with only loopback and none of the service's processes in reach", async () => {
    const seen = json<{ pid: number; interfaces: string[]; killable: string[] }>(
      await pod.execute(`
import json, os, signal, socket
killable = []
for p in os.listdir('/proc'):
    if p.isdigit() and int(p) != 1:
        try:
            os.kill(int(p), 0)
            killable.append(p)
        except OSError:
            pass
print(json.dumps({'pid': os.getpid(), 'interfaces': [name for _, name in socket.if_nameindex()], 'killable': killable}))
`),
    );
    assert.deepEqual(seen, { pid: 1, interfaces: ["lo"], killable: [] });
  });

  it("kills at the timeout everything the execution started, also what detached itself (setsid and a double fork)", async () => {
    const answering = pod.execute(
      `
import ctypes, os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b'sbx-detached', 0, 0, 0)  # PR_SET_NAME: found below by name
        time.sleep(120)
    os._exit(0)
ctypes.CDLL(None).prctl(15, b'sbx-first', 0, 0, 0)
time.sleep(120)
`,
      { timeoutMs: 2500 },
    );
    let running = "";
    for (let i = 0; i < 20 && !/sbx-detached/.test(running); i++) running = await processNames();
    assert.match(running, /sbx-first[\s\S]*sbx-detached|sbx-detached[\s\S]*sbx-first/, "both run, seen by name, until the timeout");
    const answer = await answering;
    assert.equal(answer.body.timedOut, true, JSON.stringify(answer.body));
    assert.doesNotMatch(await processNames(), /sbx-(first|detached)/);
  });

  it("keeps an execution from reaching the executor: it can neither connect to its socket nor bind one in its place, nor reach the api", async () => {
    const tried = json<Record<string, string>>(
      await pod.execute(`
import ctypes, json, os, socket, subprocess
tried = {}
def attempt(name, action):
    try:
        action()
        tried[name] = 'done'
    except OSError as error:
        tried[name] = type(error).__name__
def connect():
    s = socket.socket(socket.AF_UNIX)
    s.connect('/run/agentyard/executor.sock')
    s.sendall(b'{"op":"ping"}\\n')
    if not s.recv(100):
        raise ConnectionResetError()
attempt('connect', connect)
attempt('bind', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind('\\0agentyard-fake'))
def raw_socket():  # the domain with its upper half set: the kernel reads only the int
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(ctypes.c_long(41 if os.uname().machine == 'x86_64' else 198), ctypes.c_long((1 << 32) | 1), ctypes.c_long(1), ctypes.c_long(0)) < 0:
        raise OSError(ctypes.get_errno(), 'socket')
attempt('raw syscall', raw_socket)
def child_process():
    out = subprocess.run(['/usr/bin/python3', '-c', 'import socket; socket.socket(socket.AF_UNIX)'], capture_output=True)
    if out.returncode != 0:
        raise PermissionError(out.stderr.decode()[-200:])
attempt('new process', child_process)
attempt('api on loopback', lambda: socket.create_connection(('127.0.0.1', 8080), timeout=2))
attempt('socketpair', socket.socketpair)  # names nothing: allowed
print(json.dumps(tried))
`),
    );
    assert.deepEqual(tried, { connect: "PermissionError", bind: "PermissionError", "raw syscall": "PermissionError", "new process": "PermissionError", "api on loopback": "ConnectionRefusedError", socketpair: "done" });
    // socket() by its x32 number (x86_64 only; bit 30 of the syscall number): the filter kills the process.
    const x32 = await pod.execute("import ctypes, os\nif os.uname().machine == 'x86_64':\n    ctypes.CDLL(None).syscall(ctypes.c_long(0x40000000 | 41), ctypes.c_long(1), ctypes.c_long(1), ctypes.c_long(0))\n    print('survived')\nelse:\n    os.kill(os.getpid(), 31)");
    assert.deepEqual([x32.body.exitCode, x32.body.stdout, x32.body.timedOut], [null, "", false], "killed by a signal (SIGSYS), before it could print");
    assert.equal((await pod.execute("print('the service still answers')")).body.stdout, "the service still answers\n");
  });

  // The session protocol at the executor's socket (sandbox/SESSIONS.md), from a client in the
  // executor's sandbox with the api's uid, as the api in the same gVisor sandbox would be.
  const sessionClient = `
import json, os, secrets, socket, time
def call(path, message):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(json.dumps(message).encode() + b'\\n')
    data = b''
    while not data.endswith(b'\\n'):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return json.loads(data)
def create():
    sid = secrets.token_hex(16)
    limits = {'memoryBytes': 256 << 20, 'cpuSeconds': 30, 'maxProcesses': 16, 'maxFileBytes': 1 << 20, 'outputLimitBytes': 65536, 'ttlMs': 60000, 'idleMs': 60000}
    return sid, call('/run/agentyard/executor.sock', {'op': 'session_create', 'id': sid, **limits})
socket_of = lambda sid: '/run/agentyard/sessions/%s.sock' % sid
run = lambda sid, code, path=None: call(path or socket_of(sid), {'session': sid, 'op': 'exec', 'code': code, 'stdin': '', 'timeoutMs': 5000})
`;
  const inSandbox = async <T>(script: string): Promise<T> => JSON.parse((await docker("exec", "-u", "10001", pod.executor, "python3", "-c", sessionClient + script)).stdout) as T;

  it("keeps a session's state across two calls, then closes it and leaves no process", async () => {
    const result = await inSandbox<Record<string, unknown>>(`
sid, created = create()
first = run(sid, 'import ctypes, os\\nctypes.CDLL(None).prctl(15, b"sbx-session", 0, 0, 0)\\nx = 41\\nprint(os.getppid(), os.getcwd())')
second = run(sid, 'x += 1\\nprint(x)')
closed = call(socket_of(sid), {'session': sid, 'op': 'close'})
parent, home = first['stdout'].split()
for _ in range(40):  # the zygote removes the socket once it sees the supervisor exit
    if not os.path.exists(socket_of(sid)):
        break
    time.sleep(0.05)
print(json.dumps({'created': created, 'parent': parent, 'second': second['stdout'], 'alive': second['sessionAlive'], 'closed': closed, 'left': [p for p in (socket_of(sid), home) if os.path.exists(p)]}))
`);
    // The interpreter's parent is the session's init, PID 1; after close neither the session's
    // socket nor its directory is left.
    assert.deepEqual(result, { created: { ok: true, id: (result.created as { id: string }).id, isolation: "pidns" }, parent: "1", second: "42\n", alive: true, closed: { ok: true }, left: [] });
    assert.doesNotMatch(await processNames(), /sbx-session/);
  });

  it("never runs a session's call in another session whose code moved its own socket over the first one's", async () => {
    // Code shares the executor's uid here, so it can rename its session's socket: the call that
    // names its session is refused by the session it reaches, not run there.
    const result = await inSandbox<Record<string, unknown>>(`
victim, _ = create()
attacker, _ = create()
moved = run(attacker, 'import os\\nspy = "ATTACKER"\\nos.rename(%r, %r)\\nprint("moved")' % (socket_of(attacker), socket_of(victim)))
print(json.dumps({'moved': moved['stdout'], 'victim': run(victim, 'print(globals().get("spy"))')}))
`);
    assert.deepEqual(result, { moved: "moved\n", victim: { ok: false, error: "session: this call names another session (its socket was moved by code); not run" } });
  });
});

describe("the executor under gVisor without a PID namespace for executions (SANDBOX_ISOLATION=none)", { skip: dockerSkip || (!hasRunsc && "the engine has no runsc runtime"), timeout: 60_000 }, () => {
  // runsc refuses PR_SET_CHILD_SUBREAPER to the supervisors (children of the container's PID 1):
  // they run without it, and the executor says at start what is lost (THREAT-MODEL.md, "gVisor").
  it("runs executions, kills their process group at the timeout, and says at start that a detached process outlives its execution", async () => {
    await buildImage();
    const pod = await startPod({ ...GVISOR, name: "gVisor, SANDBOX_ISOLATION=none", isolation: "none" }, { executorEnv: { SANDBOX_ISOLATION: "none" } });
    try {
      assert.equal((await pod.execute("print(6 * 7)")).body.stdout, "42\n");
      const answer = await pod.execute("import os, time\nif os.fork() == 0:\n    time.sleep(120)\ntime.sleep(120)", { timeoutMs: 1000 });
      assert.equal(answer.body.timedOut, true);
      assert.match(await pod.logs(), /no PID namespace and no child subreaper here: a process an execution detaches \(setsid and a double fork\) outlives it/);
      // The zygote, four idle supervisors and this probe: nothing of the execution's group (its
      // supervisor exits right after it answered).
      const count = "import os, time\nfor _ in range(40):\n    n = sum(1 for p in os.listdir('/proc') if p.isdigit())\n    if n <= 6:\n        break\n    time.sleep(0.05)\nprint(n)";
      assert.equal((await docker("exec", pod.executor, "python3", "-c", count)).stdout, "6\n");
    } finally {
      await pod.stop();
    }
  });
});

const isolated = (p: Platform) => p.isolation === "namespaces";

for (const platform of PLATFORMS) {
  describe(`sandbox isolation on ${platform.name}`, { skip: dockerSkip, timeout: 900_000 }, () => {
    let pod: Pod;
    before(async () => {
      await buildImage();
      pod = await startPod(platform, { env: { MAX_SANDBOXES: "8", SANDBOX_QUEUE_LIMIT: "400", SANDBOX_MAX_CONNECTIONS: "64", SANDBOX_CPU_LIMIT: "20" }, healthcheck: true });
    });
    after(async () => {
      await pod?.stop();
    });

    it("1: no execution reads the token or another secret: not from env, /proc, files or memory", async () => {
      const code = `
import glob, json, os
readable, leaked = [], []
def health_check(pid):  # the container's HEALTHCHECK (fallback: same uid, dumpable); not the service
    try:
        return b'executor.sock' in open(pid + '/cmdline', 'rb').read()
    except OSError:
        return True
for pid in glob.glob('/proc/[0-9]*'):
    if health_check(pid):
        continue
    for name in ('environ', 'mem'):
        try:
            with open(pid + '/' + name, 'rb') as f:
                leaked.append(f.read(1 << 16) if name == 'environ' else f.read(0))
            if os.readlink('/proc/self') != pid[6:]:
                readable.append(pid + '/' + name)
        except OSError:
            pass
for path in ('/var/run/secrets/agentyard/token', '/run/secrets', '/var/run/secrets', '/run/agentyard'):
    try:
        leaked.append(open(path, 'rb').read())
        readable.append(path)
    except OSError:
        pass
try:
    leaked.append(open('/proc/self/environ', 'rb').read())
except OSError:
    pass  # not even its own: the execution is not dumpable
cmdlines = []
for pid in glob.glob('/proc/[0-9]*'):
    try:
        cmdlines.append(open(pid + '/cmdline', 'rb').read().decode('latin-1'))
    except OSError:
        pass
print(json.dumps({'readable': readable, 'leaked': b'|'.join(leaked).decode('latin-1'), 'env': dict(os.environ), 'cmdlines': cmdlines}))
`;
      const seen = json<{ readable: string[]; leaked: string; env: Record<string, string>; cmdlines: string[] }>(await pod.execute(code));
      assert.ok(!JSON.stringify(seen).includes(TOKEN), "the token appears nowhere an execution can read");
      assert.deepEqual(seen.readable, [], "no other process's environment or memory, no secret mount");
      assert.ok(!seen.cmdlines.some((c) => c.includes("server.js")), "the api is not even visible (its own PID namespace)");
      assert.doesNotMatch(seen.leaked, /AWS_|ECS_|SANDBOX_AUTH/);
    });

    it("2: no execution signals, stops or traces the service; under a fork bomb /health p99 stays under 1 s and others complete", async () => {
      const attack = `
import ctypes, json, os, signal
libc = ctypes.CDLL(None, use_errno=True)
me = os.readlink('/proc/self')
done = []
parent = open('/proc/self/stat').read().rsplit(')', 1)[1].split()[1]  # its own supervisor: killing it only loses its own answer
for p in os.listdir('/proc'):
    if not p.isdigit() or p in (me, parent) or int(p) == os.getpid():
        continue
    try:
        if b'executor.sock' in open('/proc/%s/cmdline' % p, 'rb').read():
            continue  # the HEALTHCHECK
    except OSError:
        continue
    if libc.ptrace(16, int(p), 0, 0) == 0:
        done.append('ptrace ' + p)
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(int(p), sig)
            done.append(sig.name + ' ' + p)
        except OSError:
            pass
print(json.dumps(done))
`;
      const tried = await pod.execute(attack);
      assert.equal(tried.status, 200, JSON.stringify(tried.body));
      if (isolated(platform)) assert.equal(tried.body.stdout, "[]\n", "nothing outside its own PID namespace can be named");
      const state = JSON.parse((await docker("inspect", "-f", "{{json .State}}", pod.executor)).stdout) as { Running: boolean; Status: string };
      assert.deepEqual([state.Running, state.Status], [true, "running"], "the zygote (PID 1) ignores what an execution sends it");
      assert.equal((await pod.execute("print('still here')")).body.stdout, "still here\n");

      const measured = await pod.client<{ latencies: number[]; other: Answer; bomb: Answer }>(`
        const post = async (code, extra = {}) => { const t = performance.now(); const r = await fetch("http://127.0.0.1:8080/v1/execute", { method: "POST", headers: { authorization: "Bearer ${TOKEN}" }, body: JSON.stringify({ code, ...extra }) }); return { status: r.status, body: await r.json(), ms: performance.now() - t }; };
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        const bomb = post("import os\\nwhile True:\\n    try:\\n        os.fork()\\n    except OSError:\\n        pass", { timeoutMs: 6000 });
        await sleep(500);
        const other = sleep(1000).then(() => post("print('during the bomb')"));
        const latencies = [];
        const start = performance.now();
        while (performance.now() - start < 5000) {
          const t = performance.now();
          await (await fetch("http://127.0.0.1:8080/health")).text();
          latencies.push(performance.now() - t);
          await sleep(20);
        }
        return { latencies, other: await other, bomb: await bomb };`);
      const p99 = percentile(measured.latencies, 99);
      console.log(`# ${platform.name}: /health under a fork bomb: ${measured.latencies.length} probes, p50 ${percentile(measured.latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...measured.latencies).toFixed(1)} ms; a concurrent execution took ${measured.other.ms.toFixed(0)} ms`);
      assert.ok(p99 < 1000, `/health p99 ${p99} ms`);
      assert.deepEqual([measured.other.status, measured.other.body.stdout], [200, "during the bomb\n"]);
      assert.equal(measured.bomb.body.timedOut, true);
      assert.equal((await pod.execute("print('after')")).body.stdout, "after\n", "nothing of the bomb is left to starve the next one");
    });

    it("3: no execution reads, traces or signals another, concurrent or later; nothing is left for the next caller", async () => {
      const victim = pod.execute(`
import socket, time
secret = 'VICTIM-SECRET-' + 'z' * 8
open('victim-file', 'w').write(secret)
for shared in ('/tmp/victim-tmp', '/dev/shm/victim-shm'):
    try:
        open(shared, 'w').write(secret)
    except OSError:
        pass  # read-only (a read-only root without namespaces)
try:
    channel = socket.socket(socket.AF_UNIX)
    channel.bind('\\0agentyard-channel')
    channel.listen(1)
except PermissionError:
    pass  # no unix socket at all without a mount namespace (invariant 9)
time.sleep(3)
import os
print('victim done', os.getcwd())
`);
      await new Promise((r) => setTimeout(r, 1000));
      const attacker = json<{ mem: string[]; environ: string[]; cwd: string[]; ptrace: string[]; files: string[]; channel: string; tmp: boolean; shm: boolean }>(
        await pod.execute(`
import ctypes, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
me = os.readlink('/proc/self')
report = {'mem': [], 'environ': [], 'cwd': [], 'ptrace': [], 'files': []}
for p in os.listdir('/proc'):
    if not p.isdigit() or p == me:
        continue
    try:
        if b'executor.sock' in open('/proc/%s/cmdline' % p, 'rb').read():
            continue  # the HEALTHCHECK
    except OSError:
        continue
    for name in ('mem', 'environ'):
        try:
            open('/proc/%s/%s' % (p, name), 'rb').read(1)
            report[name].append(p)
        except OSError:
            pass
    try:
        os.listdir('/proc/%s/cwd' % p)
        report['cwd'].append(p)
    except OSError:
        pass
    if int(p) != os.getpid() and libc.ptrace(16, int(p), 0, 0) == 0:
        report['ptrace'].append(p)
for root in ('/sandbox', '/sandbox/runs'):
    try:
        report['files'] += [root + '/' + n for n in os.listdir(root) if n not in ('.tmp', '.shm', 'runs') and os.path.join(root, n) != os.getcwd()]
    except OSError:
        pass
try:
    socket.socket(socket.AF_UNIX).connect('\\0agentyard-channel')
    report['channel'] = 'connected'
except OSError as error:
    report['channel'] = type(error).__name__
report['tmp'] = os.path.exists('/tmp/victim-tmp')
report['shm'] = os.path.exists('/dev/shm/victim-shm')
print(json.dumps(report))
`),
      );
      assert.deepEqual([attacker.mem, attacker.environ, attacker.cwd, attacker.ptrace], [[], [], [], []], "no memory, environment, directory or trace of another process");
      assert.notEqual(attacker.channel, "connected", "no abstract-socket channel between executions (network namespace, or no unix socket at all)");
      if (isolated(platform)) {
        assert.deepEqual(attacker.files, [], "another execution's scratch directory cannot be seen");
        assert.deepEqual([attacker.tmp, attacker.shm], [false, false], "/tmp and /dev/shm are private");
      }
      const [said, victimDir] = (await victim).body.stdout.trim().split(" /");
      assert.equal(said, "victim done");
      const later = json<{ own: string[]; left: boolean[] }>(
        await pod.execute("import json, os\nprint(json.dumps({'own': sorted(n for n in os.listdir('.') if n not in ('.tmp', '.shm')), 'left': [os.path.exists(p) for p in ('/tmp/victim-tmp', '/sandbox/runs/victim-file')]}))"),
      );
      assert.deepEqual(later.own, [], "a later caller starts in an empty directory");
      if (isolated(platform)) assert.deepEqual(later.left, [false, false]);
      if (!isolated(platform)) {
        const gone = await docker("exec", pod.executor, "sh", "-c", `test -e /${victimDir} && echo left || echo gone`);
        assert.equal(gone.stdout, "gone\n", "every execution's directory is removed when it ends");
      }
    });

    it("4: storage is bounded per execution, and one that fills its space does not affect the next", async () => {
      // Fargate's bind mount is shared task storage: stop at 160 MB there rather than fill it.
      const fill = await pod.execute(`
import errno
n = 0
try:
    while n < 20:
        with open('fill-%d' % n, 'wb') as f:
            f.write(b'x' * (8 << 20))
        n += 1
    print(n, 0)
except OSError as error:
    print(n, error.errno)
`);
      assert.equal(fill.status, 200, JSON.stringify(fill.body));
      const [written, error] = fill.body.stdout.trim().split(" ").map(Number);
      if (isolated(platform)) {
        assert.equal(error, 28, "ENOSPC: the private tmpfs is full");
        assert.ok(written * 8 <= 64, `${written} × 8 MB written, the cap is 64 MB (SANDBOX_SCRATCH_SIZE)`);
      }
      const next = await pod.execute("import os\nopen('/tmp/x' if os.access('/tmp', os.W_OK) else 'x', 'wb').write(b'y' * (8 << 20))\nprint(sorted(n for n in os.listdir('.') if not n.startswith('.')))");
      assert.deepEqual([next.status, next.body.stdout, next.body.exitCode], [200, isolated(platform) ? "[]\n" : "['x']\n", 0]);
    });

    it("5: no network at all, loopback to the service included; nested executions are refused", async () => {
      const seen = json<Record<string, string>>(
        await pod.execute(`
import json, socket
seen = {}
for host, port in (('127.0.0.1', 8080), ('169.254.170.2', 80), ('169.254.169.254', 80)):
    try:
        socket.create_connection((host, port), timeout=2).close()
        seen['%s:%d' % (host, port)] = 'connected'
    except OSError as error:
        seen['%s:%d' % (host, port)] = type(error).__name__
try:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    s.connect('/run/agentyard/executor.sock')
    s.sendall(b'{"op": "ping"}\\n')
    seen['executor'] = 'answered' if s.recv(100) else 'closed'
except OSError as error:
    seen['executor'] = type(error).__name__
seen['interfaces'] = ','.join(sorted(name for _, name in socket.if_nameindex()))
print(json.dumps(seen))
`),
      );
      assert.notEqual(seen.executor, "answered", "the executor serves only the api's uid (SO_PEERCRED), and its socket is hidden in the namespace");
      if (isolated(platform)) {
        assert.equal(seen["127.0.0.1:8080"] === "connected", false, "loopback of the pod is another network namespace");
        assert.deepEqual([seen["169.254.170.2:80"], seen["169.254.169.254:80"]].includes("connected"), false);
        assert.equal(seen.interfaces, "lo");
      } else {
        // Fargate: the task's network namespace is shared; what it reaches there is the api, without a token.
        const nested = await pod.execute("import urllib.request, urllib.error\ntry:\n    urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8080/v1/execute', data=b'{\"code\": \"print(1)\"}'))\nexcept urllib.error.HTTPError as e:\n    print(e.code)");
        assert.equal(nested.body.stdout, "401\n");
      }
    });

    it("6: only execution processes are reaped: the HEALTHCHECK and exec sessions survive executions that escape and time out", async () => {
      const session = docker("exec", pod.executor, "sh", "-c", "sleep 6; echo survived");
      await Promise.all(
        Array.from({ length: 6 }, () => pod.execute("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\ntime.sleep(60)", { timeoutMs: 1500 })),
      );
      assert.equal((await session).stdout, "survived\n");
      const health = JSON.parse((await docker("inspect", "-f", "{{json .State.Health}}", pod.executor)).stdout) as { Status: string; Log: Array<{ ExitCode: number }> };
      assert.equal(health.Status, "healthy");
      assert.deepEqual(health.Log.filter((l) => l.ExitCode !== 0), [], "no health check was killed");
      const left = await docker("exec", pod.executor, "sh", "-c", "ps -eo args= 2>/dev/null || ls /proc | grep -c '^[0-9]'");
      assert.doesNotMatch(left.stdout, /time.sleep|setsid/, "the escaped descendants are gone");
    });

    it("7: no answer loses output under load: streams are read to the end after the group is gone", async () => {
      const result = await pod.client<{ wrong: string[]; total: number }>(`
        const wrong = [];
        let next = 0;
        const total = 160;
        await Promise.all(Array.from({ length: 8 }, async () => {
          while (next < total) {
            const i = next++;
            const r = await fetch("http://127.0.0.1:8080/v1/execute", { method: "POST", headers: { authorization: "Bearer ${TOKEN}" }, body: JSON.stringify({ code: "import os, sys\\nsys.stdout.write('y' * 20000 + '\\\\n')\\nprint(" + i + ")\\nif os.fork() == 0:\\n    print('child', flush=True)" }) });
            const body = await r.json();
            const want = "y".repeat(20000) + "\\n" + i + "\\n";
            if (r.status !== 200 || !body.stdout.startsWith(want)) wrong.push(i + ": " + r.status + " " + JSON.stringify(body).slice(0, 200));
          }
        }));
        return { wrong, total };`);
      assert.deepEqual(result.wrong, [], `${result.wrong.length} of ${result.total} answers lost output`);
    });

    it("8: bounded connections: GET /mcp refused, connections capped, a large unauthenticated body refused before it is read", async () => {
      const mcp = await pod.client<{ statuses: number[]; ms: number }>(`
        const t = performance.now();
        const statuses = [];
        for (let wave = 0; wave < 10; wave++) statuses.push(...await Promise.all(Array.from({ length: 20 }, () => fetch("http://127.0.0.1:8080/mcp", { headers: { authorization: "Bearer ${TOKEN}", accept: "text/event-stream" } }).then(async (r) => { await r.text(); return r.status; }))));
        return { statuses, ms: performance.now() - t };`);
      assert.deepEqual([...new Set(mcp.statuses)], [405], "the stateless MCP endpoint opens no SSE stream");
      const capped = await pod.client<{ closedByServer: number; healthAfter: number }>(`
        const sockets = await Promise.all(Array.from({ length: 150 }, () => new Promise((resolve) => { const s = net.connect(8080, "127.0.0.1", () => resolve(s)); s.on("error", () => resolve(s)); })));
        await new Promise((r) => setTimeout(r, 1000));
        const closedByServer = sockets.filter((s) => s.destroyed || s.readableEnded).length;
        for (const s of sockets) s.destroy();
        await new Promise((r) => setTimeout(r, 200));
        const healthAfter = (await fetch("http://127.0.0.1:8080/health")).status;
        return { closedByServer, healthAfter };`);
      assert.ok(capped.closedByServer >= 150 - 64, `${capped.closedByServer} of 150 idle connections closed beyond SANDBOX_MAX_CONNECTIONS=64`);
      assert.equal(capped.healthAfter, 200);
      const body = await pod.client<{ status: string; sentBytes: number }>(`
        return await new Promise((resolve) => {
          const total = 50 * 1024 * 1024;
          const s = net.connect(8080, "127.0.0.1");
          let sentBytes = 0, answer = "";
          const chunk = Buffer.alloc(64 * 1024, 120);
          s.on("data", (d) => { answer += d; });
          s.on("error", () => undefined);
          s.on("close", () => resolve({ status: answer.split("\\r\\n")[0], sentBytes }));
          s.write("POST /v1/execute HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: " + total + "\\r\\n\\r\\n");
          const pump = () => {
            while (sentBytes < total && !answer && !s.destroyed) {
              sentBytes += chunk.length;
              if (!s.write(chunk)) return s.once("drain", pump);
            }
            if (!answer) s.end();
          };
          pump();
        });`);
      assert.match(body.status, /^HTTP\/1\.1 401/);
      // Unread, the body still fills the kernel's socket buffers: the client's send buffer and the
      // api's receive buffer, which Linux autotunes up to net.ipv4.tcp_wmem and tcp_rmem's maximum
      // (4 and 6 MiB by default, 32 MiB for receiving on some hosts: tcp(7)). 9.1 MB was measured
      // on CI. What must hold: the client is answered and cut off long before the 50 MB are sent.
      assert.ok(body.sentBytes < 40 * 1024 * 1024, `${(body.sentBytes / 1048576).toFixed(1)} MB sent of 50 before the 401 and the close`);
    });

    it("9: no execution takes the executor's place: it can make no unix socket where it reaches the socket, and a socket moved aside is bound again", async () => {
      // Found on Fargate (fallback mode): an execution shares the executor's uid, so it could
      // rename executor.sock, bind its own there, and read the next caller's code.
      const seen = json<{ unix: string; moved: string }>(
        await pod.execute(`
import json, os, socket
seen = {}
try:
    socket.socket(socket.AF_UNIX).close()
    seen['unix'] = 'created'
except OSError as error:
    seen['unix'] = os.strerror(error.errno)
try:
    os.rename('/run/agentyard/executor.sock', '/run/agentyard/moved.sock')
    seen['moved'] = 'moved'
except OSError as error:
    seen['moved'] = type(error).__name__
print(json.dumps(seen))
`),
      );
      if (isolated(platform)) {
        // Its own mount namespace hides the ipc directory (an empty read-only tmpfs over it):
        // unix sockets are the code's to use.
        assert.equal(seen.unix, "created");
        assert.notEqual(seen.moved, "moved");
        return;
      }
      assert.deepEqual(seen, { unix: "Permission denied", moved: "moved" });
      // The zygote notices within a second and binds its socket again: executions resume.
      const deadline = Date.now() + 10_000;
      let answer = await pod.execute("print('after')");
      while (answer.status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        answer = await pod.execute("print('after')");
      }
      assert.equal(answer.body.stdout, "after\n", JSON.stringify(answer.body));
      assert.match(await pod.logs(), /the executor's socket was moved: bound again/);
    });
  });
}
