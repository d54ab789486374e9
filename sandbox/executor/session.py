"""The session supervisor (sandbox/SESSIONS.md): the supervisor that got `session_create`.

It already holds its isolation (namespaces and private tmpfs; namespaces but no mount namespace
and a private directory ("pidns", gVisor); or a private directory), taken
from the warm pool. It forks the session's interpreter (interpreter.py), registers with the
zygote over its control socket, and then serves the calls the zygote hands it, one at a time,
until the session is closed, expires (the backstop: the api reaps first) or its interpreter
dies. Everything it reads from the interpreter is untrusted: the status with recv() (fds passed
along are dropped) and capped, the output pipes capped and read to their end within a deadline.
"""

import os
import re
import select
import signal
import socket
import struct
import time

import executor as ex
import interpreter
import session_files as files

SESSION_ID = re.compile(r"[0-9a-f]{32}")
LIMITS = ("memoryBytes", "cpuSeconds", "maxProcesses", "maxFileBytes", "outputLimitBytes", "ttlMs", "idleMs")
# At the timeout or the output cap the interpreter gets SIGINT; this long later, SIGKILL.
INTERRUPT_GRACE_SECONDS = 1.0
START_SECONDS = 10  # for the interpreter to be ready, for the zygote to answer a registration
STATUS_BYTES = 32
# After the call, its output pipes are read until every writer closed them. A process the code
# left running may hold them (it inherited them): what it wrote by then is read, and the call
# does not wait for it longer than this.
DRAIN_SECONDS = 0.5


def serve(request, conn, control, home):
    """Becomes the session until it ends; answers the create on `conn` first."""
    error = invalid_create(request)
    if error:
        ex.answer(conn, {"ok": False, "error": error})
        return
    session = Session(request, home)
    try:
        if not session.started():
            ex.answer(conn, {"ok": False, "error": "the session's interpreter did not start"})
        elif not register(control, session.id):
            ex.answer(conn, {"ok": False, "error": "the executor refused the session: SANDBOX_MAX_SESSIONS reached"})
        else:
            ex.answer(conn, {"ok": True, "id": session.id, "isolation": ex.MODE})
            conn.close()
            session.serve(control)
    finally:
        session.end()


def invalid_create(request):
    if not isinstance(request.get("id"), str) or not SESSION_ID.fullmatch(request["id"]):
        return "id: expected 32 lowercase hex digits"
    for key in LIMITS:
        if not positive_int(request.get(key)):
            return f"{key}: expected a positive integer"
    return None


def positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def register(control, session_id):
    """`S<id>\\n` to the zygote, which binds the session's socket and answers `k`, or closes the
    control socket (SANDBOX_MAX_SESSIONS reached)."""
    try:
        control.sendall(b"S" + session_id.encode() + b"\n")
        control.settimeout(START_SECONDS)
        reply = control.recv(1)
        control.settimeout(None)
    except OSError:
        return False
    return reply == b"k"


class Session:
    def __init__(self, request, home):
        self.id = request["id"]
        self.limits = {key: request[key] for key in LIMITS}
        self.home = home
        # Its own PID namespace ("namespaces", "pidns"): an init is PID 1 and killing it ends all.
        self.isolated = ex.own_pid_namespace()
        self.created = self.last_call = time.monotonic()
        self.status = None  # the interpreter's wait status, once it is gone
        self.ended = False
        # Taken now: whatever the code later does to the path, file operations start here.
        self.home_fd = os.open(home, files.DIRECTORY)
        # SIGCHLD wakes the poll through a pipe (pidfd_open is missing under some gVisor versions).
        self.wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        self.channel, self.pid, self.status_r = self.start()

    def start(self):
        """Forks the session's processes: in namespace mode its init (PID 1 of the namespace),
        which forks the interpreter and reports how it ended on a pipe; in fallback mode the
        interpreter itself. Returns the channel to the interpreter, the pid to signal, the pipe."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        status_r, status_w = os.pipe() if self.isolated else (None, None)
        supervisor = os.getpid()
        pid = os.fork()
        if pid == 0:
            ours.close()
            if self.isolated:
                os.close(status_r)
                interpreter.init_main(theirs, status_w, self.home, self.limits)
            interpreter.main(theirs, self.home, self.limits, False, supervisor)
        theirs.close()
        if status_w is not None:
            os.close(status_w)
        return ours, pid, status_r

    def started(self):
        self.channel.settimeout(START_SECONDS)
        try:
            ready = self.channel.recv(1)
        except OSError:
            ready = b""
        self.channel.settimeout(None)
        return ready == b"r"

    # -- the session's life ------------------------------------------------------------------

    def serve(self, control):
        """Calls, one at a time, until the session ends."""
        while self.status is None:
            now = time.monotonic()
            expiry = self.expiry(now)
            if expiry:
                ex.log("info", "session expired", session=self.id, reason=expiry)
                return
            poller = select.poll()
            for fd in (control.fileno(), self.channel.fileno(), self.wake_r):
                poller.register(fd, select.POLLIN)
            for fd, _ in poller.poll(min(self.expires_at() - now, 60) * 1000):
                if fd == self.wake_r:
                    ex.drain(self.wake_r)
                    self.reap()
                elif fd == self.channel.fileno():
                    ex.log("info", "session's interpreter left the protocol", session=self.id)
                    return  # it wrote out of turn or closed its channel (code did)
                elif fd == control.fileno():
                    conn = receive_connection(control)
                    if conn is None or not self.call(conn):
                        return  # the zygote is gone, or the session ended in this call
        ex.log("info", "session's interpreter died", session=self.id)

    def deadlines(self):
        """When the backstop ends the session: SANDBOX_SESSION_BACKSTOP_MS after its TTL or its idle timeout."""
        backstop = ex.SESSION_BACKSTOP_SECONDS
        return {"ttl": self.created + self.limits["ttlMs"] / 1000 + backstop, "idle": self.last_call + self.limits["idleMs"] / 1000 + backstop}

    def expires_at(self):
        return min(self.deadlines().values())

    def expiry(self, now):
        return next((reason for reason, at in self.deadlines().items() if now >= at), None)

    def call(self, conn):
        """Serves one connection; False when the session is over."""
        with conn:
            try:
                request = ex.read_request(conn, max(ex.MAX_REQUEST_BYTES, self.limits["maxFileBytes"] * 4 // 3 + 65536))
            except (OSError, ValueError):
                request = None
            if not isinstance(request, dict):
                return True  # nothing to answer: the api sees the connection close
            if not self.meant_for_this_session(request):
                try:
                    ex.answer(conn, {"ok": False, "error": "session: this call names another session (its socket was moved by code); not run"})
                except OSError:
                    pass
                return True
            closing = request.get("op") == "close"
            if closing:
                self.end()  # answered once every process of the session is dead
            reply = {"ok": True} if closing else self.dispatch(request, conn)
            try:
                ex.answer(conn, reply)
            except OSError:
                pass  # the api gave up on this call
            if closing:
                return False
        self.last_call = time.monotonic()
        return self.status is None

    def meant_for_this_session(self, request):
        """Where code shares the executor's uid (fallback and pidns modes) it can rename its own
        session's socket over another's, and the other session's calls would reach this one. A
        call that names its session (`"session": "<id>"`, sandbox/SESSIONS.md) is served only by
        that session: a moved socket then costs the other session its calls, never their content."""
        named = request.get("session", self.id)
        if named == self.id:
            return True
        ex.log("warning", "refused a call meant for another session: a socket was moved", session=self.id)
        return False

    def dispatch(self, request, conn):
        op = request.get("op")
        try:
            if op == "exec":
                return self.execute(request, conn)
            if op == "upload":
                return files.upload(self.home_fd, request.get("path"), request.get("contentBase64"), self.limits["maxFileBytes"])
            if op == "download":
                return files.download(self.home_fd, request.get("path"), self.limits["maxFileBytes"])
            if op == "list_files":
                return files.list_files(self.home_fd)
        except files.FileError as error:
            return error.answer()
        return {"ok": False, "error": "op: expected exec, upload, download, list_files or close"}

    def end(self):
        """Kills everything of the session and removes its files (its private directory in
        fallback and pidns modes; in namespace mode the tmpfs goes with the mount namespace,
        when this supervisor exits)."""
        if self.ended:
            return
        self.ended = True
        self.kill()
        self.channel.close()
        os.close(self.home_fd)
        if self.status_r is not None:
            os.close(self.status_r)
        if ex.MODE != "namespaces":
            ex.remove_tree(self.home)  # a private directory, not a tmpfs

    # -- the interpreter -----------------------------------------------------------------------

    def reap(self):
        """Reaps the interpreter if it is gone, and (fallback mode: this supervisor is a child
        subreaper) whatever the session left that was reparented here."""
        while True:
            try:
                pid, raw = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.pid:
                self.ended_with(raw)

    def ended_with(self, raw):
        """The interpreter's wait status: in namespace mode as its init reported it (the init
        was killed, else), in fallback mode its own."""
        if self.status_r is not None:
            try:
                data = os.read(self.status_r, 4)
            except OSError:
                data = b""
            if len(data) == 4:
                raw = struct.unpack("i", data)[0]
        self.status = raw

    def kill(self):
        """In namespace mode `pid` is the init, PID 1 of the session's PID namespace: killing it
        kills the namespace (pid_namespaces(7)). In fallback mode its process group and
        whatever was reparented here, even after setsid."""
        if self.status is None:
            for kill in (os.kill,) if self.isolated else (os.killpg, os.kill):
                try:
                    kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.ended_with(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:
                self.status = signal.SIGKILL  # reaped already: a wait status of "killed"
        if not self.isolated:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
            ex.kill_children_of_self()

    def interrupt(self):
        """SIGINT to the interpreter (in namespace mode through its init, which forwards it)."""
        try:
            os.kill(self.pid, signal.SIGINT)
        except OSError:
            pass

    def send_call(self, code, fds, timeout):
        """The call's pipes (SCM_RIGHTS) and its code, to the interpreter; False if it does not take them."""
        data = code.encode("utf-8", "surrogatepass")
        try:
            socket.send_fds(self.channel, [struct.pack("!Q", len(data))], list(fds))
            self.channel.settimeout(max(timeout, 1))
            self.channel.sendall(data)
            self.channel.settimeout(None)
            return True
        except OSError:
            return False
        finally:
            for fd in fds:
                os.close(fd)

    # -- one call ------------------------------------------------------------------------------

    def execute(self, request, conn):
        code, stdin, timeout_ms = request.get("code"), request.get("stdin", ""), request.get("timeoutMs")
        if not isinstance(code, str) or not isinstance(stdin, str) or not positive_int(timeout_ms):
            return {"ok": False, "error": "exec: expected code and stdin (strings) and timeoutMs (a positive integer)"}
        started = time.monotonic()
        call = Call(self, stdin.encode("utf-8", "surrogatepass"), timeout_ms / 1000, conn)
        if self.send_call(code, call.child_fds, timeout_ms / 1000):
            call.run()
        else:
            self.kill()
        call.close()
        return call.result(started)


def receive_connection(control):
    """The next connection the zygote hands over, or None when it closed the control socket."""
    try:
        message, fds, _, _ = socket.recv_fds(control, 1, 1)
    except OSError:
        return None
    if not message or len(fds) != 1:
        for fd in fds:
            os.close(fd)
        return None
    return socket.socket(fileno=fds[0])


class Call:
    """One exec: feeds stdin, reads stdout and stderr (capped) and the interpreter's status,
    interrupts at the timeout or the cap, kills 1 s later (the session then ends)."""

    def __init__(self, session, stdin_data, timeout, conn):
        self.session, self.stdin_data, self.conn = session, stdin_data, conn
        stdin_r, self.stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.child_fds = (stdin_r, out_w, err_w)
        limit = session.limits["outputLimitBytes"]
        self.out, self.err = ex.Capture(limit), ex.Capture(limit)
        self.readers = {out_r: self.out, err_r: self.err}
        self.deadline = time.monotonic() + timeout
        self.reply = b""
        self.exit_code = None  # as the interpreter reported it
        self.timed_out = self.overflowed = False
        self.interrupted_at = self.drain_deadline = self.channel_closed_at = None

    def done(self):
        return self.exit_code is not None or self.session.status is not None

    def finished(self, now):
        return self.done() and (not self.readers or (self.drain_deadline is not None and now >= self.drain_deadline))

    def run(self):
        poller = select.poll()
        for fd in (*self.readers, self.session.channel.fileno(), self.session.wake_r, self.conn.fileno()):
            poller.register(fd, select.POLLIN)
        if self.stdin_data:
            os.set_blocking(self.stdin_w, False)
            poller.register(self.stdin_w, select.POLLOUT)
        else:
            self.close_stdin()
        while not self.finished(time.monotonic()):
            now = time.monotonic()
            self.enforce(now)
            for fd, _ in poller.poll(max(0, min(self.next_deadline() - now, 1)) * 1000):
                self.on_ready(fd, poller)

    def next_deadline(self):
        if self.done():
            return self.drain_deadline or time.monotonic()
        waits = [self.deadline] if self.interrupted_at is None else []
        for since in (self.interrupted_at, self.channel_closed_at):
            if since is not None:
                waits.append(since + INTERRUPT_GRACE_SECONDS)
        return min(waits)

    def enforce(self, now):
        if self.done():
            return
        if self.channel_closed_at is not None and now >= self.channel_closed_at + INTERRUPT_GRACE_SECONDS:
            self.session.kill()
            self.on_exit()
        elif self.interrupted_at is None and now >= self.deadline:
            self.timed_out = True
            self.interrupt()
        elif self.interrupted_at is not None and now >= self.interrupted_at + INTERRUPT_GRACE_SECONDS:
            self.session.kill()  # not back from SIGINT: the session ends
            self.on_exit()

    def interrupt(self):
        if self.interrupted_at is None and not self.done():
            self.interrupted_at = time.monotonic()
            self.session.interrupt()

    def on_exit(self):
        """The call is over (reported, or the interpreter is gone): read what is left of the
        pipes, within a deadline (a process of the session may hold them still)."""
        if self.drain_deadline is None:
            self.drain_deadline = time.monotonic() + DRAIN_SECONDS

    def on_ready(self, fd, poller):
        session = self.session
        if fd == session.wake_r:
            ex.drain(session.wake_r)
            session.reap()
            if session.status is not None:
                session.kill()  # fallback mode: what it left holds the pipes
                self.on_exit()
        elif fd == session.channel.fileno():
            poller.unregister(fd)
            self.read_status()
        elif fd == self.conn.fileno():
            poller.unregister(fd)
            if not self.conn.recv(1, socket.MSG_PEEK):
                self.interrupt()  # the api hung up: stop the code, keep the session
        elif fd == self.stdin_w:
            self.feed_stdin(poller)
        elif fd in self.readers:
            self.read_output(fd, poller)

    def read_status(self):
        """`<status>\\n` from the interpreter, with recv(): never an fd from it, never more than a line."""
        try:
            data = self.session.channel.recv(STATUS_BYTES)
        except OSError:
            data = b""
        line = data.rstrip(b"\n")
        if not data:
            # The interpreter is exiting (its status comes with SIGCHLD), or the code closed
            # fd 3: either way the session ends, at the latest after INTERRUPT_GRACE_SECONDS.
            self.channel_closed_at = time.monotonic()
            return
        if data.endswith(b"\n") and re.fullmatch(rb"-?\d{1,4}", line):
            self.exit_code = int(line)
        else:
            self.session.kill()  # not the protocol: the session ends
        self.on_exit()

    def feed_stdin(self, poller):
        try:
            sent = os.write(self.stdin_w, self.stdin_data[:65536])
            self.stdin_data = self.stdin_data[sent:]
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.stdin_data = b""
        if not self.stdin_data:
            poller.unregister(self.stdin_w)
            self.close_stdin()

    def close_stdin(self):
        if self.stdin_w is not None:
            os.close(self.stdin_w)
            self.stdin_w = None

    def read_output(self, fd, poller):
        chunk = os.read(fd, 65536)
        if not chunk:
            poller.unregister(fd)
            os.close(fd)
            del self.readers[fd]
        elif not self.readers[fd].add(chunk) and not self.overflowed:
            self.overflowed = True
            self.interrupt()

    def close(self):
        self.close_stdin()
        for fd in self.readers:
            os.close(fd)
        self.readers = {}

    def result(self, started):
        status = self.session.status
        alive = status is None
        exit_code, signum = self.exit_code, None
        if exit_code is None and not alive:
            exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
            signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        outcome = "timeout" if self.timed_out else "output_limit" if self.overflowed else "killed" if signum else "success" if exit_code == 0 else "error"
        return {
            "stdout": self.out.text(),
            "stderr": self.err.text(),
            "exitCode": exit_code,
            "signal": signal.Signals(signum).name if signum else None,
            "durationMs": round((time.monotonic() - started) * 1000, 3),
            "timedOut": self.timed_out,
            "truncated": self.out.truncated or self.err.truncated,
            "outcome": outcome,
            "sessionAlive": alive,
        }
