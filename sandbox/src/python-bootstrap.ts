/*
 * What each interpreter runs before the untrusted code. It starts ahead of demand (warm pool),
 * waits for the code on fd 3, then sets its own limits and runs the code. Limits are set after
 * start-up and before the first line of untrusted code, which is all that matters.
 * argv: memory bytes, CPU seconds, processes, file bytes.
 */
export const PYTHON_BOOTSTRAP = `
import os, sys, resource
def _agentyard_main():
    memory, cpu, nproc, fsize = (int(a) for a in sys.argv[1:5])
    with os.fdopen(3, "rb") as control:
        source = control.read().decode("utf-8", "replace")
    for limit, soft, hard in (
        (resource.RLIMIT_AS, memory, memory),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_NPROC, nproc, nproc),
        (resource.RLIMIT_FSIZE, fsize, fsize),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NOFILE, 256, 256),
    ):
        resource.setrlimit(limit, (soft, hard))
    sys.argv[:] = ["<sandbox>"]
    return compile(source, "<sandbox>", "exec")
def _agentyard_exit(status):
    # Leave without the interpreter's teardown (~4 ms of module freeing): the process is never
    # reused and its files are deleted, so only exit handlers and the output streams matter.
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(status)
def _agentyard_status(error):
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1
try:
    _agentyard_code = _agentyard_main()
except SyntaxError as error:
    import traceback
    traceback.print_exception(type(error), error, None)
    _agentyard_exit(1)
del _agentyard_main
_agentyard_globals = {"__name__": "__main__", "__builtins__": __builtins__}
try:
    exec(_agentyard_code, _agentyard_globals)
except SystemExit as error:
    _agentyard_exit(_agentyard_status(error))
except BaseException as error:
    import traceback
    traceback.print_exception(type(error), error, error.__traceback__.tb_next)
    _agentyard_exit(1)
_agentyard_exit(0)
`;
