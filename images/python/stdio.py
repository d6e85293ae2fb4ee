"""Stdout and stderr that never drop bytes, unbuffered as `python3 -u` makes them.

Under -u, CPython's sys.stdout writes straight to a raw FileIO and ignores how many bytes
one write() took. A pipe on Linux takes them all, but gVisor's pipe to the host can take
part (64 KiB): `print('x' * 200_000)` then delivered 65,536 bytes and the run still looked
complete. Here each write loops until every byte is out, so output is whole under any runtime.
"""

import io
import os
import select
import sys


class WholeWrites(io.RawIOBase):
    """A raw writer on a file descriptor whose write() returns only when all of it is written."""

    def __init__(self, fd):
        super().__init__()
        self._fd = fd

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def write(self, data):
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            try:
                done += os.write(self._fd, view[done:])
            except BlockingIOError:
                select.select([], [self._fd], [])
        return done

    def close(self):
        # The descriptor belongs to the process, not to this object.
        self.flush()
        super().close()


def write_all(fd, data):
    """os.write that writes every byte: for reports written past a replaced sys.stdout."""
    WholeWrites(fd).write(data)


# The original stream objects own fd 1 and 2 and would close them when collected.
_replaced = []


def install():
    """Puts whole-writing text streams in place of sys.stdout/stderr (and __stdout__/__stderr__)."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        _replaced.append(old)
        new = io.TextIOWrapper(
            WholeWrites(fd),
            encoding=old.encoding,
            errors=old.errors,
            line_buffering=False,
            write_through=True,
        )
        setattr(sys, name, new)
        setattr(sys, f"__{name}__", new)
