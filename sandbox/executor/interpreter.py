"""A session's interpreter (sandbox/SESSIONS.md): the session supervisor's child, which runs each
call's code in one persistent `__main__` scope.

It is confined as an execution is (`executor.confine`). Between calls its fds 0, 1 and 2 are
/dev/null and SIGINT is ignored. For each call the supervisor sends, over the channel (fd 3), an
8-byte length and the code, with the call's stdin, stdout and stderr pipes attached (SCM_RIGHTS);
the interpreter puts them on 0, 1 and 2, runs the code, flushes, puts /dev/null back and answers
`<exit status>\\n`. The supervisor trusts nothing it reads from the channel: the code runs in this
process and may write to fd 3 itself, which can only confuse its own session.

In namespace mode the interpreter is not PID 1 of the session's PID namespace: a small init is
(`init_main`), which reaps what the code orphans (a Python interpreter as PID 1 would not, and
the zombies would count against the session's process limit until it could not fork), forwards
SIGINT to the interpreter, and tells the supervisor how the interpreter ended. Killing the init
kills the namespace. In fallback mode the supervisor itself is the reaper (a child subreaper).
"""

import builtins
import gc
import os
import signal
import socket
import struct
import sys
import traceback
import types

import executor as ex

CHANNEL_FD = 3


def init_main(channel, status_w, home, limits):
    """PID 1 of the session's PID namespace (the supervisor's child). Never returns."""
    try:
        ex.prctl(ex.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != 0:  # its parent is outside the namespace
            os._exit(70)
        signal.set_wakeup_fd(-1)
        # It runs no untrusted code, and keeps nothing the code could use: no capability, from
        # before the interpreter exists.
        ex.drop_capabilities()
        ex.prctl(ex.PR_SET_NO_NEW_PRIVS, 1)
        ex.prctl(ex.PR_SET_DUMPABLE, 0)
        # Installed before the interpreter exists, so no SIGINT meant for it is ever dropped.
        forward_to = []
        signal.signal(signal.SIGINT, lambda signum, frame: forward_interrupt(forward_to))
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        interpreter = os.fork()
        if interpreter == 0:
            os.close(status_w)
            main(channel, home, limits, True, 1)
        forward_to.append(interpreter)
        channel.close()
        os.closerange(3, status_w)
        os.closerange(status_w + 1, 65536)
        quiet_standard_fds()
    except BaseException as error:
        ex.log("error", "a session's init could not start", error=repr(error))
        os._exit(70)
    reap_until_gone(interpreter, status_w)


def forward_interrupt(forward_to):
    for pid in forward_to:
        try:
            os.kill(pid, signal.SIGINT)
        except OSError:
            pass


def reap_until_gone(interpreter, status_w):
    """Reaps every child the namespace's orphans become, until the interpreter exits; then its
    wait status goes to the supervisor and the init exits, which ends the namespace."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if pid == interpreter:
            os.write(status_w, struct.pack("i", status))
            os._exit(0)


def main(channel, home, limits, isolated, parent):
    """In the forked child: confinement, then calls until the channel closes. Never returns."""
    try:
        confine(channel, home, limits, isolated, parent)
    except BaseException as error:
        ex.log("error", "a session's interpreter could not start", error=repr(error))
        os._exit(70)
    try:
        channel = socket.socket(fileno=CHANNEL_FD)
        channel.sendall(b"r")
        scope = new_main()
        while True:
            call = receive(channel)
            if call is None:
                os._exit(0)  # the supervisor is gone
            channel.sendall(b"%d\n" % run(call, scope))
    except BaseException:
        os._exit(71)  # the channel broke (the code closed fd 3): the session is over


def confine(channel, home, limits, isolated, parent):
    os.setsid()  # fallback mode: the supervisor kills the session by this process group
    ex.prctl(ex.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        raise RuntimeError("its parent is gone")
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if channel.fileno() != CHANNEL_FD:
        os.dup2(channel.fileno(), CHANNEL_FD, inheritable=False)
    os.closerange(CHANNEL_FD + 1, 65536)  # the supervisor's sockets, its connection to the api
    ex.confine(limits, home, isolated)
    quiet_standard_fds()
    sys.argv[:] = ["<sandbox>"]
    gc.enable()


def quiet_standard_fds():
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def new_main():
    """The session's `__main__`, one module across calls (so pickle and `import __main__` see it)."""
    module = types.ModuleType("__main__")
    module.__builtins__ = builtins
    sys.modules["__main__"] = module
    return module.__dict__


def receive(channel):
    """The next call: ((stdin, stdout, stderr) fds, code), or None when the supervisor closed."""
    header, fds, _, _ = socket.recv_fds(channel, 8, 3)
    if len(fds) != 3:
        return None
    header = read_exactly(channel, header, 8)
    if header is None:
        return None
    code = read_exactly(channel, b"", struct.unpack("!Q", header)[0])
    return None if code is None else (fds, code.decode("utf-8", "replace"))


def read_exactly(channel, data, size):
    data = bytearray(data)
    while len(data) < size:
        chunk = channel.recv(min(1 << 16, size - len(data)))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def run(call, scope):
    fds, source = call
    for fd, standard in zip(fds, (0, 1, 2)):
        os.dup2(fd, standard)
        os.close(fd)
    # Fresh streams each call: no buffered stdin of the last call reaches this one.
    sys.stdin, sys.stdout, sys.stderr = ex.standard_streams()
    try:
        return execute(source, scope)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except BaseException:
                pass
        quiet_standard_fds()  # the pipes close here: the supervisor reads them to their end


def execute(source, scope):
    """The code's exit status; its exceptions printed as for an execution (executor.run_code)."""
    try:
        code = compile(source, "<sandbox>", "exec")
    except (SyntaxError, ValueError) as error:
        traceback.print_exception(type(error), error, None)
        return 1
    try:
        try:
            # SIGINT (the timeout, the output cap) is a KeyboardInterrupt only while code runs.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            exec(code, scope)
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except SystemExit as error:
        return ex.exit_status(error)
    except BaseException as error:
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        return 1
    return 0
