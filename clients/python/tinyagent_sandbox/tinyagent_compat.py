"""tinyAgent's `anon_coder` tool, running its code in the sandbox instead of on the host.

Same call, same kind of answer: one string in the shape tinyAgent's own tool returned
(core/tools/anon_coder.py in alchemiststudiosDOTai/tinyAgent). README.md lists what differs.
"""

from __future__ import annotations

from typing import List, Optional

from .client import Client
from .errors import SandboxError
from .results import ExecutionResult, Violation

#: tinyAgent's defaults: 10 s, and no timeout above 60 s.
DEFAULT_TIMEOUT_SECONDS = 10
MAX_TIMEOUT_SECONDS = 60
#: The answer's budget, as the server's `tool.result_chars`: about 3,000 tokens.
DEFAULT_MAX_CHARS = 12_000


def anon_coder(
    code: str,
    timeout: Optional[int] = DEFAULT_TIMEOUT_SECONDS,
    setup_code: Optional[str] = None,
    *,
    client: Optional[Client] = None,
    max_chars: Optional[int] = DEFAULT_MAX_CHARS,
) -> str:
    """Runs `code` in the sandbox and describes the outcome as tinyAgent's tool did.

    :param timeout: seconds, capped at 60 as tinyAgent did; when the server's maximum
        (``code_execution.timeout_seconds``) is lower, the server's maximum applies.
        None: the server's maximum.
    :param setup_code: run first, in the same interpreter: names it defines are visible to
        `code`.
    :param client: the server to use; default ``Client.from_env()`` (TINYAGENT_SANDBOX_URL,
        TINYAGENT_SANDBOX_API_KEY).
    :param max_chars: the answer keeps its head and tail within this many characters and
        says how much was cut (a model's context is finite; tinyAgent cut at 10,000). None:
        no limit. ``Client.execute()`` returns everything.
    :returns: the answer for the model. A server that refuses or cannot be reached gives an
        ``Error executing Python code: …`` answer, as any failure did in tinyAgent.
    """
    if not isinstance(code, str) or not code.strip():
        return "Error: Code must be a non-empty string"
    if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
        return "Error: Timeout must be a positive integer"
    sandbox = client if client is not None else Client.from_env()
    capped = None if timeout is None else min(timeout, MAX_TIMEOUT_SECONDS)
    try:
        result = _execute(sandbox, code, capped, setup_code)
    except SandboxError as error:
        return f"Error executing Python code: {error}"
    return fit_answer(tinyagent_answer(result), max_chars)


def fit_answer(answer: str, max_chars: Optional[int]) -> str:
    """The answer within `max_chars`: its head (three quarters) and tail (the rest, where
    a traceback ends), with a line in the middle saying exactly how much was cut."""
    if max_chars is None or len(answer) <= max_chars:
        return answer
    marker_room = 160
    keep = max(0, max_chars - marker_room)
    head = answer[: keep * 3 // 4]
    tail = answer[len(answer) - (keep - len(head)) :] if keep > len(head) else ""
    cut = len(answer) - len(head) - len(tail)
    marker = (
        f"\n[... {cut:,} of {len(answer):,} characters cut here; print less, or a summary. "
        "Client.execute() returns the whole output ...]\n"
    )
    return head + marker + tail


def tinyagent_answer(result: ExecutionResult) -> str:
    """The result in the words of tinyAgent's anon_coder: ``STDOUT:``/``STDERR:`` sections,
    ``Exit code: N`` and the traceback lines after a failure, ``Code validation error: …``
    (``Setup code validation error: …``) for a refusal, ``Code execution timed out after N
    seconds``."""
    if result.status == "policy_violation":
        refusals = [_refusal(v) for v in result.violations]
        if not refusals:
            refusals = [f"Code validation error: {result.message or 'refused by the policy'}"]
        return "\n".join(refusals + _output_sections(result))
    if result.error is not None and result.error.name == "SyntaxError" and result.exit_code is None:
        # Found before running, as tinyAgent's own ast.parse() check did.
        return f"Syntax error in code: {result.error.value}"
    if result.status == "timeout":
        limit = result.receipt.timeout_seconds if result.receipt is not None else None
        after = "the time limit" if limit is None else f"{limit:g} seconds"
        return "\n".join([f"Code execution timed out after {after}"] + _output_sections(result))
    parts = _output_sections(result)
    if result.status not in ("ok", "error") or (result.status == "error" and not parts):
        parts.insert(0, f"Error executing Python code: {result.message or result.status}")
    if result.truncated and result.status != "output_limit":
        parts.append("(output was cut at the sandbox's output limit)")
    return "\n".join(parts) if parts else "Code executed successfully with no output."


def _execute(
    client: Client, code: str, timeout: Optional[int], setup_code: Optional[str]
) -> ExecutionResult:
    try:
        return client.execute(code, timeout_seconds=timeout, setup_code=setup_code)
    except SandboxError as error:
        if timeout is None or not _refuses_timeout(error):
            raise
    # Refused before anything ran: once more, under the server's own maximum.
    return client.execute(code, setup_code=setup_code)


def _refuses_timeout(error: SandboxError) -> bool:
    """The server's answer to a timeout above its `code_execution.timeout_seconds`."""
    if error.status != 400 or error.code != "invalid_argument":
        return False
    return error.field == "timeoutSeconds" or (
        error.field is None and "`timeoutSeconds`" in error.message
    )


def _output_sections(result: ExecutionResult) -> List[str]:
    """tinyAgent's sections, in its order; after a non-zero exit it repeated stderr's lines
    under a traceback header, and so does this, so parsers written for it keep working."""
    parts: List[str] = []
    if result.stdout:
        parts.append(f"STDOUT:\n{result.stdout}")
    if result.stderr:
        parts.append(f"STDERR:\n{result.stderr}")
    if result.exit_code is not None and result.exit_code != 0:
        parts.append(f"Exit code: {result.exit_code}")
        lines = result.stderr.splitlines()
        if lines:
            parts.append("Traceback (most recent call last):")
            parts.extend(lines)
    return parts


def _refusal(violation: Violation) -> str:
    source = "Setup code" if violation.part == "setupCode" else "Code"
    return (
        f"{source} validation error: {violation.message} at line {violation.line}, "
        f"column {violation.column} (`{violation.text}`); {violation.hint}"
    )
