"""Runs one snippet of untrusted Python read from stdin, then reports how it ended.

Stdin carries one JSON object: {"code": "<python source>"} (more keys may follow; unknown
keys are ignored so old images keep working with new hosts). With "setupCode", that source
runs first, in the same namespace: both are compiled before either runs; a setup that raises
(SystemExit included) ends the run, its traceback pointing into "<setup>", and the code does
not run; the value of a trailing expression is the code's only. With "guard" (settings from
src/policy/runtime-guard.ts), the runtime guard in guard.py watches both as they run; a
refusal ends the run at once with a frame that carries "violation" instead of an error.

The user's stdout and stderr are theirs. The run ends as `python3 script.py` would end it:
non-daemon threads are joined and `atexit` handlers run, their output in order. Then the
runner writes an end marker as the last bytes of stdout and one result frame as the last
line of stderr: RECORD SEPARATOR (0x1e), the marker, the execution's secret, and a JSON
object. The secret ("secret" in the request) comes from the host with each execution and
is taken out of the request before the code runs, so the code cannot print a marker the
host believes; marker-shaped text without it is just output. The orchestrator strips the
real ones and turns the frame into structured data.
Exit codes: 0 ok, 1 uncaught exception, the code's own for SystemExit.
"""

import atexit
import functools
import gc
import json
import linecache
import os
import sys
import traceback

# The runner's own helper modules sit beside it; -I keeps the script's directory off sys.path,
# so it is added for these imports only. Everything the runner needs is imported here, before
# the guard is installed.
sys.path.insert(0, __file__.rsplit("/", 1)[0])
import guard  # noqa: E402
import results  # noqa: E402
import stdio  # noqa: E402

del sys.path[0]

# Each followed by the execution's secret (see src/sandbox/runner-markers.ts, which must match).
FRAME_MARKER = "\x1etinyagent-result "
# Last bytes on stdout: with the frame on stderr, it tells the host the run is complete
# without waiting for the container to exit (each pipe is ordered, the two are not).
END_MARKER = "\x1etinyagent-end "
# With --ready (warm containers): written once preloading is done and the runner waits for code.
READY_MARKER = "\x1etinyagent-ready\n"
# The filenames the code and the setup code are compiled under: tracebacks, warnings and
# the guard's positions name them, and the guard knows the code's own frames by them.
FILENAME = "<sandbox>"
SETUP_FILENAME = "<setup>"


def user_traceback(exc):
    """The traceback without the runner's own frame, so line numbers point into the snippet."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in (FILENAME, SETUP_FILENAME):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def describe(exc):
    return {
        "name": type(exc).__name__,
        "value": str(exc),
        "traceback": user_traceback(exc),
    }


def run(sources, namespace, watch=None):
    """Returns (exit_code, error_or_None, value): value is a trailing expression's, as in a notebook.

    `sources` maps FILENAME to the code and, when there is setup code, SETUP_FILENAME to it.
    `watch` (the guard's install) is called once both are compiled, right before they run.
    """
    for filename, source in sources.items():
        # Lets tracebacks quote the snippet's own lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        setup = sources.get(SETUP_FILENAME)
        prepared = None if setup is None else compile(setup, SETUP_FILENAME, "exec")
        body, last = results.split_last_expression(sources[FILENAME], FILENAME)
    except (SyntaxError, ValueError) as exc:
        return 1, describe(exc), None
    if watch is not None:
        watch()
    try:
        if prepared is not None:
            exec(prepared, namespace)
        exec(body, namespace)
        value = None if last is None else eval(last, namespace)
    except SystemExit as exc:
        if exc.code is None:
            return 0, None, None
        if isinstance(exc.code, int):
            return exc.code, None, None
        print(exc.code, file=sys.stderr)
        return 1, None, None
    except BaseException as exc:  # the snippet's failure is data, whatever it is
        return 1, describe(exc), None
    return 0, None, value


def rich_results(value, caps):
    """The trailing value and open figures; a failure here is reported, never fatal."""
    try:
        figures, truncated = results.collect_figures(
            int(caps.get("maxFigures", 10)), int(caps.get("maxBytes", 2 * 1024 * 1024))
        )
        return {"result": results.describe_value(value), "artifacts": figures, "artifactsTruncated": truncated}
    except Exception as exc:
        print(f"tinyagent-sandbox: could not describe the result: {exc}", file=sys.stderr)
        return {"result": None, "artifacts": [], "artifactsTruncated": False}


def read_request():
    """The request from stdin; a malformed one is the host's bug, reported as such."""
    raw = sys.stdin.buffer.read()
    sys.stdin.close()
    request = json.loads(raw.decode("utf-8"))
    if not isinstance(request, dict) or not isinstance(request.get("code"), str):
        raise ValueError("runner: stdin must be a JSON object with a string 'code'")
    if not isinstance(request.get("setupCode", ""), str):
        raise ValueError("runner: 'setupCode' must be a string")
    secret = request.pop("secret", None)
    if not isinstance(secret, str) or not secret.isalnum() or len(secret) < 32:
        raise ValueError("runner: stdin must carry a 'secret' of at least 32 letters and digits")
    del raw
    return request, Markers(secret)


class Markers:
    """The end marker and the frame prefix of one execution, holding its secret."""

    __slots__ = ("end", "frame")

    def __init__(self, secret):
        self.end = (END_MARKER + secret + "\n").encode()
        self.frame = "\n" + FRAME_MARKER + secret + " "

    def report(self, frame):
        """Writes the end of the run: raw writes, since the code may have replaced sys.stdout/stderr."""
        stdio.write_all(1, self.end)
        stdio.write_all(2, (self.frame + json.dumps(frame) + "\n").encode())


def join_threads():
    """What the interpreter does first after the main module: wait for non-daemon threads."""
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()


def run_exit_handlers(namespace):
    """Then: atexit handlers, and the module's objects let go (files the code left open are flushed)."""
    atexit._run_exitfuncs()
    namespace.clear()
    gc.collect()


def preload(argv):
    """`--preload numpy,pandas`: import before the code arrives, so a warm container has paid for them."""
    if "--preload" not in argv:
        return
    names = argv[argv.index("--preload") + 1 :][:1]
    for name in ",".join(names).split(","):
        if name:
            try:
                __import__(name)
            except Exception:  # a missing module surfaces when the code imports it
                pass


def seed_matplotlib_cache():
    """Copies the image's prebuilt font cache into the fresh, writable MPLCONFIGDIR."""
    import os
    import shutil

    source, target = "/opt/tinyagent/mpl", os.environ.get("MPLCONFIGDIR", "")
    if target and os.path.isdir(source) and not os.path.exists(target):
        shutil.copytree(source, target)


def main():
    stdio.install()
    seed_matplotlib_cache()
    preload(sys.argv[1:])
    if "--ready" in sys.argv[1:]:
        sys.stdout.write(READY_MARKER)
        sys.stdout.flush()
    request, markers = read_request()
    sources = {FILENAME: request["code"]}
    if "setupCode" in request:
        sources[SETUP_FILENAME] = request["setupCode"]
    settings = request.get("guard")
    watch = None
    if isinstance(settings, dict):
        watch = guard.Guard(settings, tuple(sources), functools.partial(refuse, sources, markers)).install
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    exit_code, error, value = run(sources, namespace, watch)
    if error is not None:
        sys.stderr.write(error["traceback"])
    join_threads()
    frame = {"exitCode": exit_code, "error": error}
    # Before atexit: matplotlib's own handler closes every figure.
    frame.update(rich_results(value, request.get("artifacts") or {}))
    del value
    run_exit_handlers(namespace)
    flush_quietly()
    markers.report(frame)
    # Nothing of the code runs after the report (no finalizer, no second atexit pass).
    os._exit(exit_code & 0xFF)


def flush_quietly():
    """Flushes what the code left in sys.stdout/sys.stderr, whatever they are now."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def refuse(sources, markers, event, rule, subject, frame):
    """The guard refused an event: report it as the run's end and stop, whatever the code catches."""
    line, column, text, filename = guard.code_position(frame, sources)
    violation = {"rule": rule, "event": event, "subject": subject, "line": line, "column": column, "text": text}
    if SETUP_FILENAME in sources and filename is not None:
        # With setup code, the line counts in the source it is in (names as in src/policy/types.ts).
        violation["part"] = "setupCode" if filename == SETUP_FILENAME else "code"
    report = {"exitCode": 1, "error": None, "violation": violation, "result": None, "artifacts": [], "artifactsTruncated": False}
    flush_quietly()
    markers.report(report)
    os._exit(1)


if __name__ == "__main__":
    main()
