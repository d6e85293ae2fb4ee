"""The client's one error model: a `SandboxError` with the server's stable `code`."""

from __future__ import annotations

from typing import Optional


class SandboxError(Exception):
    """The server refused or could not finish a request.

    Outcomes of the code itself (an exception, a timeout, a policy refusal) are never raised:
    they are an `ExecutionResult` with that `status`. This is for the caller's mistakes
    (`invalid_argument`, `unauthorized`), the server's limits (`rate_limited`, `queue_full`)
    and its infrastructure (`engine_unavailable`, `shut_down`); docs/api.md lists every code.
    """

    code: str
    """Stable and machine-readable, e.g. `invalid_argument`, `unauthorized`, `queue_full`."""
    message: str
    """Written for a person: what was wrong and what to change."""
    status: Optional[int]
    """The HTTP status; None when the error did not come as one (a stream's error event,
    a connection problem)."""
    field: Optional[str]
    """The request field at fault (e.g. `limits.memory_mb`), when the server names one."""
    retry_after: Optional[float]
    """Seconds to wait before trying again, from `Retry-After` (429 and 503 answers)."""

    def __init__(
        self,
        code: str,
        message: str,
        status: Optional[int] = None,
        field: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(code, message, status, field, retry_after)
        self.code = code
        self.message = message
        self.status = status
        self.field = field
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = "" if self.status is None else f" (HTTP {self.status})"
        return f"{self.code}: {self.message}{where}"


class SandboxConnectionError(SandboxError):
    """The server could not be reached, or the connection failed before the answer was whole.

    Never retried by this client: a request that reached the server may have run its code.
    """

    def __init__(self, message: str) -> None:
        super().__init__("connection_failed", message)
