"""The execution result as Python data, mirroring the server's JSON (docs/api.md).

Fields are snake_case (`exitCode` becomes `exit_code`); the object exactly as the server sent
it, fields this client does not know included, is kept in `ExecutionResult.raw`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

JsonObject = Dict[str, Any]
Cell = Union[str, float, int, bool, None]

#: Every `status` the server answers with today. A newer server may add one, so
#: `ExecutionResult.status` is typed `str`, not a closed set.
STATUSES: Tuple[str, ...] = (
    "ok",
    "error",
    "policy_violation",
    "timeout",
    "memory_limit",
    "output_limit",
    "engine_error",
)


@dataclass(frozen=True)
class Violation:
    """One construct the policy refused."""

    rule: str
    """Stable rule id, e.g. `eval-call`, `import-not-allowed`."""
    line: int
    """1-based line, counted in `part`."""
    column: int
    text: str
    """The offending source text (at most 80 characters)."""
    message: str
    """What is refused, for a person."""
    hint: str
    """How to allow it, naming the server's config key (or saying that no key does)."""
    event: Optional[str] = None
    """Set only when the runtime guard stopped code that had started (`open`, `import`)."""
    part: Optional[str] = None
    """Set only when the request had setup code: `setupCode` or `code`, the source `line`
    counts in."""


@dataclass(frozen=True)
class PythonError:
    """An uncaught exception (or a syntax error), as data."""

    name: str
    """e.g. `ZeroDivisionError`."""
    value: str
    traceback: str
    """Empty when nothing ran (a syntax error found before running)."""


@dataclass(frozen=True)
class OutputFile:
    """A workspace file the code created or changed (needs file operations on the server)."""

    name: str
    """Relative to /workspace, with `/` separators."""
    size: int
    """The file's full size in bytes."""
    content_base64: str
    truncated: bool
    """True when `content_base64` holds less than `size` bytes."""

    def content(self) -> bytes:
        """The (possibly cut) content, decoded."""
        return base64.b64decode(self.content_base64)


@dataclass(frozen=True)
class TableResult:
    """A DataFrame or Series value: its shape, the first rows, and two renderings."""

    shape: Tuple[int, int]
    columns: List[str]
    index: List[str]
    rows: List[List[Cell]]
    truncated: bool
    html: str
    markdown: str


@dataclass(frozen=True)
class ValueResult:
    """The value of the code's last line when it is an expression, like a notebook cell's."""

    repr: str
    type: str
    repr_truncated: bool
    table: Optional[TableResult] = None


@dataclass(frozen=True)
class Artifact:
    """A chart: a matplotlib figure open at the end, as a PNG."""

    type: str
    name: str
    width: int
    height: int
    base64: str

    def data(self) -> bytes:
        """The PNG bytes."""
        return base64.b64decode(self.base64)


@dataclass(frozen=True)
class Receipt:
    """What the execution was checked and run under."""

    code_sha256: str
    config_sha256: str
    setup_code_sha256: Optional[str]
    """Only when the request had setup code."""
    image_id: Optional[str]
    """None when no container ran (a refused snippet)."""
    runtime: Optional[str]
    timeout_seconds: float
    """The time limit applied."""
    limits: Dict[str, float]
    """The limits applied, keyed as in the server's `code_execution.limits`."""


@dataclass(frozen=True)
class ExecutionResult:
    """How one execution ended. Anything the code did is here, never raised."""

    id: str
    status: str
    """One of `STATUSES`: `ok`, `error`, `policy_violation`, `timeout`, `memory_limit`,
    `output_limit`, `engine_error`."""
    exit_code: Optional[int]
    """None when no container ran or the server killed it."""
    stdout: str
    stderr: str
    truncated: bool
    """True when stdout or stderr was cut at the server's output limit."""
    duration_ms: float
    """From the request to the result, queueing included."""
    violations: List[Violation]
    error: Optional[PythonError]
    message: Optional[str]
    """For any status but `ok`: what happened and what server setting governs it."""
    files: List[OutputFile]
    files_truncated: bool
    runtime: Optional[str]
    """The OCI runtime the container ran under (`runc`, `runsc`); None when none ran."""
    result: Optional[ValueResult]
    artifacts: List[Artifact]
    artifacts_truncated: bool
    node: Optional[str]
    """The server node that produced the result."""
    receipt: Optional[Receipt]
    raw: JsonObject = field(repr=False, compare=False)
    """The JSON object exactly as the server sent it, fields this client does not know included."""

    @property
    def ok(self) -> bool:
        """True when the code ran to the end without an uncaught exception."""
        return self.status == "ok"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExecutionResult:
        """Reads the server's result object; missing fields take their empty values."""
        return cls(
            id=str(data.get("id", "")),
            status=str(data.get("status", "")),
            exit_code=_optional_int(data.get("exitCode")),
            stdout=str(data.get("stdout") or ""),
            stderr=str(data.get("stderr") or ""),
            truncated=data.get("truncated") is True,
            duration_ms=float(data.get("durationMs") or 0),
            violations=[_violation(v) for v in _objects(data.get("violations"))],
            error=_python_error(data.get("error")),
            message=_optional_str(data.get("message")),
            files=[_output_file(f) for f in _objects(data.get("files"))],
            files_truncated=data.get("filesTruncated") is True,
            runtime=_optional_str(data.get("runtime")),
            result=_value(data.get("result")),
            artifacts=[_artifact(a) for a in _objects(data.get("artifacts"))],
            artifacts_truncated=data.get("artifactsTruncated") is True,
            node=_optional_str(data.get("node")),
            receipt=_receipt(data.get("receipt")),
            raw=dict(data),
        )


def _objects(value: Any) -> List[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _optional_str(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def _optional_int(value: Any) -> Optional[int]:
    return None if value is None else int(value)


def _violation(data: Mapping[str, Any]) -> Violation:
    return Violation(
        rule=str(data.get("rule", "")),
        line=int(data.get("line", 0)),
        column=int(data.get("column", 0)),
        text=str(data.get("text", "")),
        message=str(data.get("message", "")),
        hint=str(data.get("hint", "")),
        event=_optional_str(data.get("event")),
        part=_optional_str(data.get("part")),
    )


def _python_error(data: Any) -> Optional[PythonError]:
    if not isinstance(data, Mapping):
        return None
    return PythonError(
        name=str(data.get("name", "")),
        value=str(data.get("value", "")),
        traceback=str(data.get("traceback", "")),
    )


def _output_file(data: Mapping[str, Any]) -> OutputFile:
    return OutputFile(
        name=str(data.get("name", "")),
        size=int(data.get("size", 0)),
        content_base64=str(data.get("contentBase64", "")),
        truncated=data.get("truncated") is True,
    )


def _value(data: Any) -> Optional[ValueResult]:
    if not isinstance(data, Mapping):
        return None
    return ValueResult(
        repr=str(data.get("repr", "")),
        type=str(data.get("type", "")),
        repr_truncated=data.get("reprTruncated") is True,
        table=_table(data.get("table")),
    )


def _table(data: Any) -> Optional[TableResult]:
    if not isinstance(data, Mapping):
        return None
    rows, columns = (list(data.get("shape") or [0, 0]) + [0, 0])[:2]
    return TableResult(
        shape=(int(rows), int(columns)),
        columns=[str(c) for c in data.get("columns") or []],
        index=[str(i) for i in data.get("index") or []],
        rows=[list(row) for row in data.get("rows") or []],
        truncated=data.get("truncated") is True,
        html=str(data.get("html", "")),
        markdown=str(data.get("markdown", "")),
    )


def _artifact(data: Mapping[str, Any]) -> Artifact:
    return Artifact(
        type=str(data.get("type", "")),
        name=str(data.get("name", "")),
        width=int(data.get("width", 0)),
        height=int(data.get("height", 0)),
        base64=str(data.get("base64", "")),
    )


def _receipt(data: Any) -> Optional[Receipt]:
    if not isinstance(data, Mapping):
        return None
    limits = data.get("limits")
    return Receipt(
        code_sha256=str(data.get("codeSha256", "")),
        config_sha256=str(data.get("configSha256", "")),
        setup_code_sha256=_optional_str(data.get("setupCodeSha256")),
        image_id=_optional_str(data.get("imageId")),
        runtime=_optional_str(data.get("runtime")),
        timeout_seconds=float(data.get("timeoutSeconds", 0)),
        limits=dict(limits) if isinstance(limits, Mapping) else {},
    )
