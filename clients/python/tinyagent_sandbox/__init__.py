"""Python client for tinyagent-sandbox: run untrusted Python on a `tinyagent-sandbox serve`
server, and tinyAgent's `anon_coder` tool as a drop-in that runs its code there."""

from .client import API_KEY_ENV, DEFAULT_URL, URL_ENV, Client
from .errors import SandboxConnectionError, SandboxError
from .events import OutputEvent, ResultEvent, StreamEvent
from .results import (
    STATUSES,
    Artifact,
    ExecutionResult,
    OutputFile,
    PythonError,
    Receipt,
    TableResult,
    ValueResult,
    Violation,
)
from .tinyagent_compat import anon_coder, fit_answer, tinyagent_answer
from .version import __version__

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_URL",
    "STATUSES",
    "URL_ENV",
    "Artifact",
    "Client",
    "ExecutionResult",
    "OutputEvent",
    "OutputFile",
    "PythonError",
    "Receipt",
    "ResultEvent",
    "SandboxConnectionError",
    "SandboxError",
    "StreamEvent",
    "TableResult",
    "ValueResult",
    "Violation",
    "__version__",
    "fit_answer",
    "anon_coder",
    "tinyagent_answer",
]
