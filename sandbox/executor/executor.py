"""The executor: the half of the sandbox that runs untrusted Python (see sandbox/THREAT-MODEL.md).

It runs in its own container (uid 10002, no token, no secrets) beside the `api` container, and
listens on a unix socket in the shared `ipc` volume. It is a zygote: a warm, idle Python that
holds no request data, imports everything up front and freezes its heap (gc.freeze), then forks
one supervisor per connection. The supervisor reads the request, builds the execution's
isolation, forks the execution itself, enforces the timeout and the output cap, reads stdout and
stderr to their end, and answers with one JSON line.

Isolation, where the platform permits `unshare` (a Localhost seccomp profile on Kubernetes):
each execution gets new user, mount, PID, network and IPC namespaces, a private size-capped
tmpfs for its scratch directory, /tmp and /dev/shm, and the ipc directory hidden ("namespaces").
Where the platform allows those namespaces but no mount in them (gVisor's runsc), each execution
gets new user, PID, network and IPC namespaces and a private directory ("pidns"). Where `unshare`
is refused (Fargate: RuntimeDefault seccomp, no SYS_ADMIN), it falls back to a private directory
per execution ("none"); every mode sets PR_SET_DUMPABLE 0, rlimits and a new session.

Beside this file: zygote.py (the zygote's accept-and-hand-over loop), and for sessions
(sandbox/SESSIONS.md) session.py (the session supervisor), interpreter.py (the session's init
and interpreter) and session_files.py (its files, as the supervisor reads and writes them).
"""

import ctypes
import errno
import gc
import io
import json
import os
import resource
import secrets
import select
import shutil
import signal
import socket
import sys
import time
import traceback

# The session modules beside this file (sandbox/SESSIONS.md) use this module's functions as
# `executor`: the one module object, also when this file runs as __main__. With -I the script's
# directory is not on sys.path (python(1)): it is added, after the standard library.
sys.modules.setdefault("executor", sys.modules[__name__])
sys.path.append(os.path.dirname(os.path.abspath(__file__)))
import session  # noqa: E402
from zygote import OomScore, Zygote  # noqa: E402

# The settings the zygote needs; everything else of its environment is dropped by re-exec (below).
SETTINGS = (
    "SANDBOX_EXECUTOR_SOCKET", "SANDBOX_SCRATCH_DIR", "SANDBOX_SCRATCH_SIZE", "SANDBOX_EXECUTION_SCHED", "SANDBOX_API_UID", "SANDBOX_ISOLATION",
    "SANDBOX_RUN_AS_UID", "SANDBOX_RUN_AS_GID", "SANDBOX_MAX_SESSIONS", "SANDBOX_WARM_POOL", "SANDBOX_SESSION_BACKSTOP_MS",
    "SANDBOX_GVISOR",
)
SOCKET_PATH = os.environ.get("SANDBOX_EXECUTOR_SOCKET") or "/run/agentyard/executor.sock"
SCRATCH = os.environ.get("SANDBOX_SCRATCH_DIR") or "/sandbox"
API_UID = int(os.environ.get("SANDBOX_API_UID") or "10001")
ISOLATION = os.environ.get("SANDBOX_ISOLATION") or "auto"
# Set by the platform (SandboxHost) when the pod runs under gVisor (runsc). There SO_PEERCRED
# reports every peer with the caller's own credentials (runsc 20221219: the api's connection
# arrives as the executor's uid), so the zygote accepts its own uid too, and instead keeps
# executions from creating unix sockets at all (`deny_unix_sockets`): no execution can connect
# to the executor's socket, or bind one in its place. See THREAT-MODEL.md, "gVisor".
GVISOR = os.environ.get("SANDBOX_GVISOR") == "1"
# idle (default): executions are SCHED_IDLE inside the executor container's cgroup. normal: for a
# process run without a cgroup of its own (the tests on a shared machine), where SCHED_IDLE would
# rank executions below every other process of the machine.
EXECUTION_SCHED = os.environ.get("SANDBOX_EXECUTION_SCHED") or "idle"


def parse_size(raw):
    """Docker-style sizes, as the api reads them (sandbox/src/config.ts): 64m, 1g, or bytes."""
    raw = raw.strip().lower().rstrip("b")
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(raw[:-1]) * units[raw[-1]] if raw[-1:] in units else int(raw)


# Each execution's private tmpfs in namespace mode: scratch directory, /tmp and /dev/shm together.
SCRATCH_BYTES = parse_size(os.environ.get("SANDBOX_SCRATCH_SIZE") or "64m")

def int_setting(name, default, low, high):
    """An integer setting; a bad value stops the executor with the setting's name (sys.exit 2)."""
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or not low <= int(raw) <= high:
        sys.stderr.write(json.dumps({"level": "fatal", "msg": f"{name}: got {raw!r}, expected an integer from {low} to {high}", "component": "executor"}) + "\n")
        sys.exit(2)
    return int(raw)


# Supervisors forked and isolated ahead of demand, each waiting for the zygote to hand it a connection.
WARM_POOL = int_setting("SANDBOX_WARM_POOL", 4, 1, 64)
# Sessions this executor keeps at most (sandbox/SESSIONS.md); 0 turns them off.
MAX_SESSIONS = int_setting("SANDBOX_MAX_SESSIONS", 16, 0, 4096)
# A session supervisor ends itself this long after its idle timeout or TTL (the api reaps first).
SESSION_BACKSTOP_SECONDS = int_setting("SANDBOX_SESSION_BACKSTOP_MS", 30000, 0, 3600000) / 1000
# Tests only: a root executor on a developer machine runs executions as this uid.
RUN_AS = (int(os.environ["SANDBOX_RUN_AS_UID"]), int(os.environ.get("SANDBOX_RUN_AS_GID") or os.environ["SANDBOX_RUN_AS_UID"])) if os.environ.get("SANDBOX_RUN_AS_UID") else None
EXECUTION_ENV_KEYS = ("PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
MAX_REQUEST_BYTES = 16 * 1024 * 1024
DRAIN_SECONDS = 2.0

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x08000000, 0x10000000, 0x20000000, 0x40000000
NAMESPACES = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
# "pidns" mode: all of them but the mount namespace (runsc refuses mounts in a user namespace).
PID_NAMESPACES = NAMESPACES & ~CLONE_NEWNS
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 36, 38
# Paths an execution must not see inside its mount namespace: the ipc socket (a connection would
# be an execution nobody authorised) and service-account or secret mounts a platform may add.
HIDDEN = ("/run/agentyard", "/var/run/secrets", "/run/secrets")

libc = ctypes.CDLL(None, use_errno=True)


def _call(name, *args):
    if getattr(libc, name)(*args) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{name}: {os.strerror(code)}")


def prctl(option, value):
    _call("prctl", ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def mount(source, target, fstype, flags, data=None):
    enc = lambda s: s.encode() if s is not None else None
    _call("mount", enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    """Clears every capability (the execution holds all of them in its own user namespace)."""
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _call("capset", ctypes.byref(header), ctypes.byref(data))


def drain(fd):
    """Empties a non-blocking wake-up pipe (signal.set_wakeup_fd): its bytes only say "look"."""
    try:
        os.read(fd, 512)
    except BlockingIOError:
        pass


def log(level, msg, **fields):
    sys.stderr.write(json.dumps({"level": level, "msg": msg, "component": "executor", **fields}) + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# Isolation of one execution


def enter_namespaces(scratch_bytes):
    """Called in the supervisor: its next child is PID 1 of a new PID namespace, with no network,
    its own IPC, and a mount namespace where the scratch directory, /tmp and /dev/shm are one
    private tmpfs of `scratch_bytes`. The supervisor keeps its connected socket and pipes."""
    enter_user_namespace(NAMESPACES)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, f"size={scratch_bytes},nr_inodes=16384,mode=0700")
    for name in (".tmp", ".shm"):
        os.mkdir(os.path.join(SCRATCH, name), 0o700)
    for name, target in ((".tmp", "/tmp"), (".shm", "/dev/shm")):
        if os.path.isdir(target):
            mount(os.path.join(SCRATCH, name), target, None, MS_BIND)
    for hidden in HIDDEN:
        if os.path.isdir(hidden) and not os.path.islink(hidden):
            mount("tmpfs", hidden, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    return SCRATCH


def enter_pid_namespace():
    """"pidns" mode, in the supervisor: its next child is PID 1 of a new PID namespace (killing
    it kills everything it started), with no network and its own IPC; no mount namespace, so the
    execution's home is a private directory, and the filesystem is the container's."""
    enter_user_namespace(PID_NAMESPACES)


def enter_user_namespace(flags):
    """unshare(flags), flags holding CLONE_NEWUSER, with the supervisor's own uid and gid mapped."""
    uid, gid = os.geteuid(), os.getegid()
    _call("unshare", ctypes.c_int(flags))
    # Unprivileged user namespaces map only the creator's own ids (user_namespaces(7)). A
    # non-dumpable process's /proc/self files belong to root, so it is dumpable while it writes them.
    prctl(PR_SET_DUMPABLE, 1)
    try:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
    except PermissionError:
        pass  # gVisor refuses the write; its gid_map then takes the mapping without it
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")
    prctl(PR_SET_DUMPABLE, 0)


def private_directory():
    """Fallback: a fresh directory (0700, 128 random bits) under SCRATCH/runs, removed afterwards."""
    path = os.path.join(SCRATCH, "runs", secrets.token_hex(16))
    os.mkdir(path, 0o700)
    return path


def probe(attempt):
    """Whether `attempt` works on this platform: tried once in a child, as a supervisor would."""
    pid = os.fork()
    if pid == 0:
        try:
            if RUN_AS:
                drop_to(RUN_AS)
            attempt()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def probe_isolation():
    """The strongest mode this platform allows, within SANDBOX_ISOLATION."""
    if ISOLATION in ("auto", "namespaces") and probe(lambda: enter_namespaces(1024 * 1024)):
        return "namespaces"
    if ISOLATION in ("auto", "pidns") and probe(enter_pid_namespace):
        return "pidns"
    return "none"


def own_pid_namespace():
    """Whether each execution (and each session's init) is PID 1 of its own PID namespace."""
    return MODE in ("namespaces", "pidns")


def become_subreaper():
    """Fallback mode: the supervisor becomes a child subreaper, so what an execution leaves
    behind, even after setsid, is reparented to it and killed. runsc (20221219) refuses this with
    EINVAL to any process but the container's PID 1; under gVisor the supervisor goes on without
    it (logged once at start): a process the execution detaches (setsid and a double fork) then
    outlives it, reparented to the zygote, within the container's pid limit."""
    try:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
    except OSError as error:
        if not (GVISOR and error.errno == errno.EINVAL):
            raise


# Seccomp filter (seccomp(2)): socket(AF_UNIX, ...) fails with EACCES; everything else is allowed.
# A syscall of another architecture than the native one, or an x32 one (number with bit 30 set),
# kills the process: neither can reach socket() by another number (no 32-bit socketcall).
AUDIT_ARCH_AND_SOCKET = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
X32_SYSCALL_BIT = 0x40000000
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x06


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def deny_unix_sockets():
    """Without a mount namespace, or under gVisor (see confine): the process and everything it
    starts can create no AF_UNIX socket (socketpair stays: it names nothing). The ipc directory
    is then in the code's reach, so it must be unable to bind a socket where the api connects,
    and under gVisor (SO_PEERCRED cannot tell the api from an execution) to connect to one. Needs no_new_privs;
    a filter cannot be removed. seccomp_data: nr at 0, arch at 4, args[0] (low half) at 16."""
    arch, socket_nr = AUDIT_ARCH_AND_SOCKET[os.uname().machine]
    # (code, jt, jf, k): a jump goes to the next instruction plus jt (true) or jf (false).
    program = (
        (BPF_LD_W_ABS, 0, 0, 4),  # 0: arch
        (BPF_JEQ_K, 1, 0, arch),  # 1: native: to 3
        (BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),  # 2
        (BPF_LD_W_ABS, 0, 0, 0),  # 3: nr
        (BPF_JGE_K, 5, 0, X32_SYSCALL_BIT),  # 4: x32: to 10
        (BPF_JEQ_K, 0, 3, socket_nr),  # 5: not socket: to 9
        (BPF_LD_W_ABS, 0, 0, 16),  # 6: domain
        (BPF_JEQ_K, 0, 1, socket.AF_UNIX),  # 7: not AF_UNIX: to 9
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EACCES),  # 8
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),  # 9
        (BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),  # 10
    )
    filters = (_SockFilter * len(program))(*(_SockFilter(*instruction) for instruction in program))
    fprog = _SockFprog(len(program), filters)
    if libc.prctl(ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"seccomp: {os.strerror(code)}")


def drop_to(ids):
    os.setgroups([])
    os.setresgid(ids[1], ids[1], ids[1])
    os.setresuid(ids[0], ids[0], ids[0])
    prctl(PR_SET_DUMPABLE, 0)  # changing ids resets it to suid_dumpable: say it explicitly


# ---------------------------------------------------------------------------------------------
# The execution (child of the supervisor)


def run_execution(request, home, pipes, isolated):
    """In the forked child: limits, then the untrusted code. Never returns."""
    try:
        os.setsid()
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        stdin_r, stdout_w, stderr_w = pipes
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.dup2(stderr_w, 2)
        os.closerange(3, 65536)
        confine(request, home, isolated)
        sys.stdin, sys.stdout, sys.stderr = standard_streams()
        sys.argv[:] = ["<sandbox>"]
        source = request["code"]
        del request
        gc.enable()
    except BaseException as error:  # the execution could not be set up: say why, on its stderr
        os.write(2, f"sandbox: could not start the execution: {error}\n".encode())
        os._exit(70)
    status = run_code(source)
    leave(status)


def confine(limits, home, isolated):
    """What every process that runs untrusted code gets (an execution, a session's interpreter):
    its home as working directory, a fixed environment, rlimits, SCHED_IDLE, no capabilities, no
    new privileges, not dumpable. `limits` holds memoryBytes, cpuSeconds, maxProcesses, maxFileBytes."""
    os.chdir(home)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"})
    for limit, soft, hard in (
        (resource.RLIMIT_AS, limits["memoryBytes"], limits["memoryBytes"]),
        (resource.RLIMIT_CPU, limits["cpuSeconds"], limits["cpuSeconds"] + 1),
        (resource.RLIMIT_NPROC, limits["maxProcesses"], limits["maxProcesses"]),
        (resource.RLIMIT_FSIZE, limits["maxFileBytes"], limits["maxFileBytes"]),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NOFILE, 256, 256),
    ):
        resource.setrlimit(limit, (soft, hard))
    # SCHED_IDLE: the zygote and the supervisors always run before executions, however many
    # processes one of them starts (sched(7)); an unprivileged process cannot leave it.
    if EXECUTION_SCHED == "idle":
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            os.nice(19)
    if isolated:
        drop_capabilities()
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    # Without a mount namespace (modes none and pidns) the ipc directory is in the code's reach,
    # and it shares our uid: it could move the executor's socket aside and bind its own there,
    # then read the next caller's code and answer for the executor. No unix socket, then; and
    # under gVisor, where SO_PEERCRED cannot tell an execution from the api, always.
    if GVISOR or MODE != "namespaces":
        deny_unix_sockets()
    prctl(PR_SET_DUMPABLE, 0)


def standard_streams():
    """stdin, stdout and stderr over fds 0, 1 and 2, unbuffered for output (nothing is lost at os._exit)."""
    return (
        io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8"),
        io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True),
        io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True),
    )


def run_code(source):
    try:
        code = compile(source, "<sandbox>", "exec")
    except (SyntaxError, ValueError) as error:
        traceback.print_exception(type(error), error, None)
        return 1
    del source
    scope = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(code, scope)
    except SystemExit as error:
        return exit_status(error)
    except BaseException as error:
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        return 1
    return 0


def exit_status(error):
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def leave(status):
    # Without the interpreter's teardown: the process is never reused; exit handlers and the
    # output streams are all that matter.
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(status)


# ---------------------------------------------------------------------------------------------
# The supervisor (one per connection, forked by the zygote)


class Capture:
    def __init__(self, limit):
        self.limit, self.chunks, self.size, self.truncated = limit, [], 0, False

    def add(self, chunk):
        room = self.limit - self.size
        if len(chunk) > room:
            if room > 0:
                self.chunks.append(chunk[:room])
            self.size, self.truncated = self.limit, True
            return False
        self.chunks.append(chunk)
        self.size += len(chunk)
        return True

    def text(self):
        return b"".join(self.chunks).decode("utf-8", "replace")


def read_request(conn, limit=MAX_REQUEST_BYTES):
    """One JSON line of at most `limit` bytes, or None (the peer closed, or sent too much)."""
    conn.settimeout(30)
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            return None
        data += chunk
        if len(data) > limit:
            return None
    return json.loads(data)


def answer(conn, message):
    conn.sendall(json.dumps(message).encode() + b"\n")


def kill_children_of_self():
    """Fallback mode: the supervisor is a child subreaper, so what an execution left behind
    (even after setsid) is reparented here; kill it all, with its groups, until none is left."""
    deadline = time.monotonic() + 2
    me = os.getpid()
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{me}/task/{me}/children") as f:
                children = [int(p) for p in f.read().split()]
        except OSError:
            children = []
        for child in children:
            for kill in (lambda: os.killpg(child, signal.SIGKILL), lambda: os.kill(child, signal.SIGKILL)):
                try:
                    kill()
                except OSError:
                    pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            return
        if not children:
            time.sleep(0.005)


def supervise(control, zygote):
    """A supervisor, forked ahead of demand: it builds its execution's isolation first, then waits
    for the zygote to hand it a connection (SCM_RIGHTS on `control`), and serves it: one
    execution, or a session (sandbox/SESSIONS.md) until that ends."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if RUN_AS:
        drop_to(RUN_AS)
    if MODE == "namespaces":
        home = enter_namespaces(SCRATCH_BYTES)
    else:
        if MODE == "pidns":
            enter_pid_namespace()  # the execution is PID 1 of it: no subreaper needed
        else:
            become_subreaper()
        home = private_directory()
    try:
        # Set after the last change of credentials (which clears it): no supervisor, so no
        # session, outlives the zygote.
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != zygote:
            return
        _, fds, _, _ = socket.recv_fds(control, 1, 1)
        if not fds:
            return  # the zygote is stopping
        conn = socket.socket(fileno=fds[0])
        request = read_request(conn)
        if request is None:
            return
        if request.get("op") == "session_create":
            session.serve(request, conn, control, home)
            return
        control.close()  # the zygote forgets this supervisor: it serves one connection
        if request.get("op") == "ping":
            answer(conn, {"ok": True, "isolation": MODE})
            return
        answer(conn, execute(request, conn, home))
    finally:
        if MODE != "namespaces":
            remove_tree(home)


def remove_tree(path):
    """Fallback mode: removes an execution's or a session's directory (its processes are all dead
    by now), also where the code took the permissions off its own directories: each pass gives
    them back where it failed, one level deeper."""
    for _ in range(4):
        shutil.rmtree(path, onerror=make_writable)
        if not os.path.lexists(path):
            return


def make_writable(function, failed, _):
    for path in (failed, os.path.dirname(failed)):
        try:
            if not os.path.islink(path):
                os.chmod(path, 0o700)
        except OSError:
            pass


def execute(request, conn, home):
    started = time.monotonic()
    isolated = own_pid_namespace()
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        conn.close()
        run_execution(request, home, (stdin_r, stdout_w, stderr_w), isolated)
    for fd in (stdin_r, stdout_w, stderr_w):
        os.close(fd)
    stdin_data = request.get("stdin", "").encode()
    limit = request["outputLimitBytes"]
    timeout = request["timeoutMs"] / 1000
    del request
    out, err = Capture(limit), Capture(limit)
    timed_out = overflowed = False
    status = None
    # SIGCHLD wakes the poll through a pipe (pidfd_open is missing under some gVisor versions).
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)

    def stop():
        # In its PID namespace the execution is PID 1: killing it kills the namespace
        # (pid_namespaces(7)); in fallback mode its process group (it called setsid).
        for kill in ((lambda: os.kill(pid, signal.SIGKILL)),) if isolated else (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                kill()
            except OSError:
                pass

    poller = select.poll()
    readers = {stdout_r: out, stderr_r: err}
    for fd in readers:
        poller.register(fd, select.POLLIN)
    # The child may have exited before the handler was installed.
    os.write(wake_w, b"\0")
    poller.register(wake_r, select.POLLIN)
    poller.register(conn.fileno(), select.POLLIN)  # the api hung up: stop the execution
    if stdin_data:
        os.set_blocking(stdin_w, False)
        poller.register(stdin_w, select.POLLOUT)
    else:
        os.close(stdin_w)
        stdin_w = None
    deadline = started + timeout
    drain_deadline = None
    while readers:
        now = time.monotonic()
        if status is None and now >= deadline and not timed_out:
            timed_out = True
            stop()
        if drain_deadline is not None and now >= drain_deadline:
            break  # a descendant passed its pipe on (fallback mode) and still holds it: give up
        wait = (drain_deadline if drain_deadline is not None else deadline) - now
        for fd, event in poller.poll(max(0, min(wait, 1)) * 1000):
            if fd == wake_r:
                drain(wake_r)
                if status is not None:
                    continue
                done, raw = os.waitpid(pid, os.WNOHANG)
                if done == 0:
                    continue
                status = raw
                # The first process is gone: so is everything it started. Its pipes then reach
                # their end, and are read to it (invariant 7).
                if isolated:
                    stop()
                else:
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                    kill_children_of_self()
                drain_deadline = time.monotonic() + DRAIN_SECONDS
            elif fd == conn.fileno():
                if not conn.recv(1, socket.MSG_PEEK):
                    stop()
                poller.unregister(fd)
            elif fd == stdin_w:
                try:
                    sent = os.write(stdin_w, stdin_data[:65536])
                    stdin_data = stdin_data[sent:]
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    stdin_data = b""
                if not stdin_data:
                    poller.unregister(stdin_w)
                    os.close(stdin_w)
                    stdin_w = None
            elif fd in readers:
                chunk = os.read(fd, 65536)
                if not chunk:
                    poller.unregister(fd)
                    del readers[fd]
                    continue
                if not readers[fd].add(chunk) and not overflowed:
                    overflowed = True
                    stop()
    if status is None:
        stop()
        _, status = os.waitpid(pid, 0)
    if not isolated:
        kill_children_of_self()
    signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    outcome = "timeout" if timed_out else "output_limit" if overflowed else "killed" if signum else "success" if exit_code == 0 else "error"
    return {
        "stdout": out.text(),
        "stderr": err.text(),
        "exitCode": exit_code,
        "signal": signal.Signals(signum).name if signum else None,
        "durationMs": round((time.monotonic() - started) * 1000, 3),
        "timedOut": timed_out,
        "truncated": out.truncated or err.truncated,
        "outcome": outcome,
    }


# ---------------------------------------------------------------------------------------------
# The zygote


def serve():
    global MODE
    oom = OomScore()  # opened while the zygote is still dumpable (its /proc files are its own)
    prctl(PR_SET_DUMPABLE, 0)
    if ISOLATION not in ("auto", "namespaces", "pidns", "none"):
        log("fatal", f"SANDBOX_ISOLATION: got {ISOLATION!r}, expected auto, namespaces, pidns or none")
        sys.exit(2)
    MODE = probe_isolation()
    if ISOLATION not in ("auto", "none") and MODE != ISOLATION:
        log("fatal", f"SANDBOX_ISOLATION={ISOLATION}, but this platform refuses it (seccomp profile, capabilities, or mounts in a user namespace)")
        sys.exit(2)
    if GVISOR and MODE == "none" and not probe(lambda: prctl(PR_SET_CHILD_SUBREAPER, 1)):
        log("warning", "no PID namespace and no child subreaper here: a process an execution detaches (setsid and a double fork) outlives it")
    if MODE != "namespaces":
        # Never chmod or chown the mount root (root-owned on Kubernetes and Fargate): only our own subdirectory.
        os.makedirs(os.path.join(SCRATCH, "runs"), 0o711, exist_ok=True)
        if RUN_AS:
            os.chown(os.path.join(SCRATCH, "runs"), *RUN_AS)
    zygote = Zygote(oom)
    log("info", "executor listening", socket=SOCKET_PATH, isolation=MODE, gvisor=GVISOR, pid=os.getpid(), warmPool=WARM_POOL, maxSessions=MAX_SESSIONS)
    gc.collect()
    gc.freeze()  # the warm heap stays untouched by forked children: no copy-on-write faults
    gc.disable()
    zygote.run()


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def reexec_clean():
    """The zygote's initial environment block is copied into every forked execution (readable at
    /proc/self/environ): start again with only the settings, so no platform variable (ECS
    metadata or credential URIs) reaches an execution."""
    wanted = {k: os.environ[k] for k in SETTINGS if k in os.environ}
    wanted.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "AGENTYARD_EXECUTOR_CLEAN": "1"})
    os.execve(sys.executable, [sys.executable, "-I", os.path.abspath(__file__)], wanted)


if __name__ == "__main__":
    if os.environ.get("AGENTYARD_EXECUTOR_CLEAN") != "1":
        reexec_clean()
    MODE = "none"
    serve()
