"""The zygote's loop (see executor.py): it accepts on the main socket and on each session's
socket (sandbox/SESSIONS.md), checks every peer is the api, and hands each connection to a
supervisor without reading it; it keeps SANDBOX_WARM_POOL supervisors forked ahead of demand and
registers, at most SANDBOX_MAX_SESSIONS, the sessions' sockets.
"""

import os
import re
import select
import shutil
import signal
import socket
import struct

import executor as ex


def ipc_group():
    """The group of the socket directory (agentyard-ipc, by setgid or by the image): the api's."""
    return os.stat(os.path.dirname(ex.SOCKET_PATH)).st_gid


def bind_listener(path):
    """A listening unix socket at `path`, 0660 in the ipc group. Our own file (never the
    directory, a mount root): the mode and group are said explicitly because gVisor's host
    sockets ignore umask and setgid. Where the group does not take (gVisor) the socket is open
    to all: who may use it is decided by the peer's uid at accept (SO_PEERCRED), the check that
    matters anyway."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o117)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    set_group_access(path, 0o660, 0o666)
    listener.listen(128)
    listener.setblocking(False)
    return listener


def inode(path):
    """The inode of the socket file at `path` (None when there is none)."""
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def set_group_access(path, mode, open_mode):
    group = ipc_group()
    os.chmod(path, mode)
    if group in os.getgroups() and os.stat(path).st_gid != group:
        os.chown(path, -1, group)
    if os.stat(path).st_gid != group:
        os.chmod(path, open_mode)


def sessions_directory():
    """<socket dir>/sessions, emptied: a restarted executor has no session."""
    path = os.path.join(os.path.dirname(ex.SOCKET_PATH), "sessions")
    shutil.rmtree(path, ignore_errors=True)
    os.mkdir(path, 0o700)
    set_group_access(path, 0o710, 0o711)
    return path


def peer_uid(conn):
    return struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]


class OomScore:
    """Supervisors, executions and sessions are the first the kernel kills when memory runs out,
    never the zygote: it forks each supervisor at oom_score_adj 1000 (inherited by everything
    below it) and goes back to its own value. A non-dumpable process cannot open its own
    /proc/self/oom_score_adj (owned by root then), so the zygote opens it once, at start. Any
    process may raise its value, and lower it again down to the last value set by a process with
    CAP_SYS_RESOURCE (the runtime's, at start): proc_pid_oom_score_adj(5),
    https://man7.org/linux/man-pages/man5/proc_pid_oom_adj.5.html."""

    def __init__(self):
        try:
            self.fd = os.open("/proc/self/oom_score_adj", os.O_RDWR | os.O_CLOEXEC)
            self.own = os.read(self.fd, 16).strip()
        except OSError as error:
            ex.log("warning", "oom_score_adj not writable: executions keep the zygote's", error=str(error))
            self.fd = None

    def set(self, value):
        if self.fd is None:
            return
        try:
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.write(self.fd, value)
        except OSError as error:
            ex.log("warning", "oom_score_adj refused: executions keep the zygote's", error=str(error))
            self.close()

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Handed:
    """A supervisor the zygote handed a connection to, known by its control socket until it
    exits. A session supervisor registers on it (`S<id>\\n`) and gets its calls through it."""

    def __init__(self, pid, control):
        self.pid, self.control, self.received, self.session_id, self.listener, self.inode = pid, control, b"", None, None, None
        control.setblocking(False)


# How often the zygote checks its socket files are still its own (Zygote.heal).
HEAL_INTERVAL_MS = 1000

SESSION_REGISTRATION = re.compile(rb"S([0-9a-f]{32})\n")


class Zygote:
    """Accepts on the main socket and on each session's socket, checks the peer is the api, and
    hands each connection to a supervisor without reading it: a fresh one from the warm pool for
    the main socket, the session's own for a session socket."""

    def __init__(self, oom):
        self.oom = oom
        self.listener = bind_listener(ex.SOCKET_PATH)
        self.listener_inode = inode(ex.SOCKET_PATH)
        self.sessions_dir = sessions_directory()
        self.idle = []  # (pid, control socket) of supervisors waiting for a connection
        self.handed = {}  # control fd -> Handed
        self.sessions = {}  # session listener fd -> Handed
        self.stopping = False
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def run(self):
        signal.signal(signal.SIGTERM, self.on_term)
        signal.signal(signal.SIGINT, self.on_term)
        signal.set_wakeup_fd(self.wake_w)
        # Children are reaped by the kernel; as PID 1 this also reaps whatever is orphaned to us.
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        while True:
            if self.stopping and self.listener is not None:
                self.stop_accepting()
            if self.stopping and not self.handed:
                break
            while not self.stopping and len(self.idle) < ex.WARM_POOL:
                self.fork_supervisor()
            for fd, _ in self.poller().poll(HEAL_INTERVAL_MS):
                self.on_ready(fd)
            self.heal()
        self.wait_for_executions()

    def on_term(self, signum, frame):
        self.stopping = True  # the wake-up fd ends the poll; run() stops on its next turn

    def poller(self):
        poller = select.poll()
        for fd in (self.wake_r, *self.handed, *self.sessions, *(() if self.stopping else (self.listener.fileno(),))):
            poller.register(fd, select.POLLIN)
        return poller

    def on_ready(self, fd):
        if fd == self.wake_r:
            ex.drain(self.wake_r)
        elif fd in self.handed:
            self.read_control(self.handed[fd])
        elif fd in self.sessions:
            self.hand_session_call(self.sessions[fd])
        elif not self.stopping and fd == self.listener.fileno():
            self.hand_execution()

    def fork_supervisor(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        zygote = os.getpid()
        self.oom.set(b"1000")
        pid = os.fork()
        if pid == 0:
            self.close_in_child(ours)
            code = 0
            try:
                ex.supervise(theirs, zygote)
            except BaseException as error:
                ex.log("error", "execution failed", error=repr(error))
                code = 1
            os._exit(code)
        self.oom.set(self.oom.own)
        theirs.close()
        self.idle.append((pid, ours))

    def close_in_child(self, ours):
        """A supervisor holds none of the zygote's sockets: not the listeners (it would accept),
        not the other supervisors' control sockets (the zygote would never see them close)."""
        signal.set_wakeup_fd(-1)
        for sock in (*((self.listener,) if self.listener else ()), ours, *(c for _, c in self.idle), *(h.control for h in self.handed.values()), *(h.listener for h in self.sessions.values())):
            sock.close()
        for fd in (self.wake_r, self.wake_w):
            os.close(fd)
        self.oom.close()

    def accept(self, listener):
        """A connection from the api, or None: only the api may start executions or call a
        session (an execution in fallback mode shares our uid and group). Under gVisor
        (ex.GVISOR) SO_PEERCRED answers with the caller's own credentials, whoever the peer is,
        so our own uid is accepted too; executions are kept out there by their seccomp filter,
        which refuses them any unix socket (ex.deny_unix_sockets)."""
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return None
        uid = peer_uid(conn)
        if uid != ex.API_UID and not (ex.GVISOR and uid == os.getuid()):
            ex.log("warning", "refused a connection from another uid", uid=uid)
            conn.close()
            return None
        return conn

    def hand_execution(self):
        conn = self.accept(self.listener)
        if conn is None:
            return
        with conn:
            while True:
                if not self.idle:
                    self.fork_supervisor()
                pid, control = self.idle.pop(0)
                try:
                    socket.send_fds(control, [b"c"], [conn.fileno()])
                except OSError:
                    control.close()  # that supervisor died idle (killed from outside): the next one
                    continue
                handed = Handed(pid, control)
                self.handed[control.fileno()] = handed
                return

    def hand_session_call(self, handed):
        conn = self.accept(handed.listener)
        if conn is None:
            return
        with conn:
            try:
                socket.send_fds(handed.control, [b"c"], [conn.fileno()], socket.MSG_DONTWAIT)
            except OSError as error:
                # The session is ending, or this many calls wait for it: the api sees the
                # connection close unanswered.
                ex.log("warning", "could not hand a call to its session", session=handed.session_id, error=str(error))

    def read_control(self, handed):
        """What a supervisor says: nothing (it exits: EOF) or, once, its session's registration."""
        try:
            data = handed.control.recv(64)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data or handed.session_id is not None:
            self.forget(handed)
            return
        handed.received += data
        if len(handed.received) > 34:
            self.forget(handed)
        elif handed.received.endswith(b"\n"):
            self.register(handed)

    def register(self, handed):
        match = SESSION_REGISTRATION.fullmatch(handed.received)
        session_id = match and match.group(1).decode()
        known = {h.session_id for h in self.sessions.values()}
        if not session_id or session_id in known or len(self.sessions) >= ex.MAX_SESSIONS:
            # Closing the control socket is the refusal: the supervisor answers ok:false and exits.
            ex.log("warning", "refused a session", sessions=len(self.sessions), maxSessions=ex.MAX_SESSIONS)
            self.forget(handed)
            return
        handed.session_id = session_id
        handed.listener = bind_listener(self.session_socket(session_id))
        handed.inode = inode(self.session_socket(session_id))
        self.sessions[handed.listener.fileno()] = handed
        handed.control.send(b"k")
        ex.log("info", "session started", session=session_id, sessions=len(self.sessions))

    def heal(self):
        """Binds again a socket whose file was renamed or unlinked. Where executions share our uid
        (modes none and pidns) they can do that to files of the ipc directory, though never bind a
        socket in their place (their seccomp filter refuses them any unix socket,
        ex.deny_unix_sockets): such an execution cuts the replica off for a second at most."""
        if self.listener is not None and inode(ex.SOCKET_PATH) != self.listener_inode:
            ex.log("warning", "the executor's socket was moved: bound again", socket=ex.SOCKET_PATH)
            self.listener.close()
            self.listener = bind_listener(ex.SOCKET_PATH)
            self.listener_inode = inode(ex.SOCKET_PATH)
        for fd, handed in list(self.sessions.items()):
            path = self.session_socket(handed.session_id)
            if inode(path) == handed.inode:
                continue
            ex.log("warning", "a session's socket was moved: bound again", session=handed.session_id)
            del self.sessions[fd]
            handed.listener.close()
            handed.listener = bind_listener(path)
            handed.inode = inode(path)
            self.sessions[handed.listener.fileno()] = handed

    def session_socket(self, session_id):
        return os.path.join(self.sessions_dir, f"{session_id}.sock")

    def forget(self, handed):
        """The supervisor exited (or broke the protocol): its session's socket goes with it."""
        del self.handed[handed.control.fileno()]
        if handed.listener is not None:
            del self.sessions[handed.listener.fileno()]
            handed.listener.close()
            try:
                os.unlink(self.session_socket(handed.session_id))
            except OSError:
                pass
            ex.log("info", "session ended", session=handed.session_id, sessions=len(self.sessions))
        handed.control.close()

    def stop_accepting(self):
        """SIGTERM: no new execution or session. Sessions keep their sockets until they end (the
        api closes them when its grace period is over), so the api's calls and closes proceed."""
        self.listener.close()
        self.listener = None
        for _, control in self.idle:
            control.close()  # an idle supervisor reads no connection and leaves
        self.idle = []
        try:
            os.unlink(ex.SOCKET_PATH)
        except OSError:
            pass
        ex.log("info", "executor stopping: waiting for running executions and sessions", sessions=len(self.sessions))

    def wait_for_executions(self):
        try:
            while True:
                os.wait()
        except ChildProcessError:
            pass
