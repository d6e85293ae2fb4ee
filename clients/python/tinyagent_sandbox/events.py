"""The events of a streamed execution: output as the code writes it, then its result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Literal, Union

from .errors import SandboxConnectionError, SandboxError
from .results import ExecutionResult
from .sse import read_events


@dataclass(frozen=True)
class OutputEvent:
    """A chunk the code wrote. The result's `stdout`/`stderr` are authoritative; these are a
    live view of them."""

    kind: Literal["stdout", "stderr"]
    text: str


@dataclass(frozen=True)
class ResultEvent:
    """The last event: how the execution ended."""

    result: ExecutionResult
    kind: Literal["result"] = "result"


StreamEvent = Union[OutputEvent, ResultEvent]


def execution_events(readline: Callable[[], bytes]) -> Iterator[StreamEvent]:
    """Reads the SSE answer of `POST /v1/executions?stream=true` up to its `result` event.

    Raises `SandboxError` for an `error` event (the execution was cancelled or the server
    shut down) and `SandboxConnectionError` when the stream ends without a result.
    """
    for event in read_events(readline):
        if event.event in ("stdout", "stderr"):
            text = _object(event.data).get("text")
            if isinstance(text, str) and text != "":
                yield OutputEvent("stdout" if event.event == "stdout" else "stderr", text)
        elif event.event == "result":
            yield ResultEvent(ExecutionResult.from_json(_object(event.data)))
            return
        elif event.event == "error":
            detail = _object(event.data).get("error")
            if not isinstance(detail, dict):
                detail = {}
            field = detail.get("field")
            raise SandboxError(
                str(detail.get("code", "unexpected_response")),
                str(detail.get("message", event.data)),
                None,
                None if field is None else str(field),
            )
        # Any other event is from a newer server: skipped.
    raise SandboxConnectionError(
        "The execution stream ended before its result (the connection was lost). The code "
        "may have run; it is not run again."
    )


def _object(data: str) -> Dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise SandboxError(
            "unexpected_response", f"An event's data is not JSON: {data[:200]}"
        ) from None
    if not isinstance(value, dict):
        raise SandboxError(
            "unexpected_response", f"An event's data is not a JSON object: {data[:200]}"
        )
    return value
