"""Runs one snippet of untrusted Python read from stdin, then reports how it ended.

Stdin carries one JSON object: {"code": "<python source>"} (more keys may follow, such as
the runtime policy; unknown keys are ignored so old images keep working with new hosts).

The user's stdout and stderr are theirs. After the code ends, one result frame
is written as the last line of stderr: RECORD SEPARATOR (0x1e), the marker, and
a JSON object. The orchestrator strips it and turns it into structured data.
Exit codes: 0 ok, 1 uncaught exception, the code's own for SystemExit.
"""

import json
import linecache
import sys
import traceback

FRAME_MARKER = "\x1etinyagent-result "
# Last bytes on stdout: with the frame on stderr, it tells the host the run is complete
# without waiting for the container to exit (each pipe is ordered, the two are not).
END_MARKER = "\x1etinyagent-end\n"
# With --ready (warm containers): written once preloading is done and the runner waits for code.
READY_MARKER = "\x1etinyagent-ready\n"
FILENAME = "<sandbox>"


def user_traceback(exc):
    """The traceback without the runner's own frame, so line numbers point into the snippet."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def describe(exc):
    return {
        "name": type(exc).__name__,
        "value": str(exc),
        "traceback": user_traceback(exc),
    }


def run(source):
    """Returns (exit_code, error_or_None)."""
    # Lets tracebacks quote the snippet's own lines.
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)
    try:
        code = compile(source, FILENAME, "exec")
    except (SyntaxError, ValueError) as exc:
        return 1, describe(exc)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(code, namespace)
    except SystemExit as exc:
        if exc.code is None:
            return 0, None
        if isinstance(exc.code, int):
            return exc.code, None
        print(exc.code, file=sys.stderr)
        return 1, None
    except BaseException as exc:  # the snippet's failure is data, whatever it is
        return 1, describe(exc)
    return 0, None


def read_request():
    """The request from stdin; a malformed one is the host's bug, reported as such."""
    raw = sys.stdin.buffer.read()
    sys.stdin.close()
    request = json.loads(raw.decode("utf-8"))
    if not isinstance(request, dict) or not isinstance(request.get("code"), str):
        raise ValueError("runner: stdin must be a JSON object with a string 'code'")
    return request


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


def main():
    preload(sys.argv[1:])
    if "--ready" in sys.argv[1:]:
        sys.stdout.write(READY_MARKER)
        sys.stdout.flush()
    request = read_request()
    exit_code, error = run(request["code"])
    if error is not None:
        sys.stderr.write(error["traceback"])
    sys.stdout.write(END_MARKER)
    sys.stdout.flush()
    sys.stderr.write("\n" + FRAME_MARKER + json.dumps({"exitCode": exit_code, "error": error}) + "\n")
    sys.stderr.flush()
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
