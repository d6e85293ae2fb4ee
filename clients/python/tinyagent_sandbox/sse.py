"""Server-Sent Events, read from a byte stream one line at a time.

Only what the execution stream uses: `event:` and `data:` fields, events ended by a blank
line. `id:` and `retry:` are ignored on purpose: this client never reconnects, because a
reconnect would be a second POST and run the code again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, List


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    """The `event:` field; `message` when the server sent none (the SSE default)."""
    data: str
    """The `data:` lines, joined with newlines."""


def read_events(readline: Callable[[], bytes]) -> Iterator[ServerSentEvent]:
    """Yields each complete event; returns at the end of the stream (`readline()` gives b"")."""
    event = ""
    data: List[str] = []
    while True:
        raw = readline()
        if raw == b"":
            return  # an event not ended by a blank line is incomplete: dropped, as the spec says
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield ServerSentEvent(event or "message", "\n".join(data))
            event, data = "", []
            continue
        if line.startswith(":"):
            continue  # a comment, e.g. a keep-alive
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
