"""`Client`: runs code on a tinyagent-sandbox server (`tinyagent-sandbox serve`, docs/api.md)."""

from __future__ import annotations

import base64
import http.client
import os
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

from .errors import SandboxError
from .events import ResultEvent, StreamEvent, execution_events
from .results import ExecutionResult
from .transport import Response, Transport, read_json

#: Where `Client.from_env()` and `anon_coder()` look when TINYAGENT_SANDBOX_URL is unset.
DEFAULT_URL = "http://127.0.0.1:8080"
URL_ENV = "TINYAGENT_SANDBOX_URL"
API_KEY_ENV = "TINYAGENT_SANDBOX_API_KEY"

Limits = Mapping[str, float]
InputFiles = Mapping[str, Union[str, bytes]]


class Client:
    """One sandbox server. Every call is one HTTP request; nothing is ever retried, because a
    request that reached the server may have run its code.

    :param base_url: the server, e.g. ``http://127.0.0.1:8080``.
    :param api_key: sent as ``Authorization: Bearer KEY``; needed when the server has keys.
    :param timeout: seconds any one connect or read may wait (not the code's time limit:
        that is ``timeout_seconds``). Default: wait as long as the server takes.
    """

    def __init__(
        self, base_url: str, api_key: Optional[str] = None, timeout: Optional[float] = None
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"Expected `base_url` to be an http(s) URL, got {base_url!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"Expected `timeout` to be a positive number, got {timeout!r}")
        self._transport = Transport(base_url.rstrip("/"), api_key or None, timeout)
        # None until a server refuses `setupCode` as an unknown field (an older server);
        # from then on this client prepends setup code to the code instead.
        self._server_takes_setup_code: Optional[bool] = None

    @classmethod
    def from_env(
        cls, timeout: Optional[float] = None, environ: Optional[Mapping[str, str]] = None
    ) -> Client:
        """A client for TINYAGENT_SANDBOX_URL (default ``http://127.0.0.1:8080``) with the key
        in TINYAGENT_SANDBOX_API_KEY, if set."""
        env = os.environ if environ is None else environ
        return cls(env.get(URL_ENV) or DEFAULT_URL, env.get(API_KEY_ENV) or None, timeout)

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def execute(
        self,
        code: str,
        *,
        timeout_seconds: Optional[float] = None,
        setup_code: Optional[str] = None,
        limits: Optional[Limits] = None,
        files: Optional[InputFiles] = None,
    ) -> ExecutionResult:
        """Runs `code` and returns how it ended; what the code did is never raised.

        :param timeout_seconds: a lower wall-clock limit; above the server's
            ``code_execution.timeout_seconds`` is an ``invalid_argument`` error.
        :param setup_code: run first, in the same interpreter, so names it defines are
            visible to `code`.
        :param limits: lower limits, keyed as in the server's ``code_execution.limits``
            (``memory_mb``, ``cpus``, ...).
        :param files: written to /workspace first, name to content (``str`` as UTF-8,
            ``bytes`` as they are); needs file operations on the server.
        :raises SandboxError: the server refused the request (its ``code`` says why).
        :raises SandboxConnectionError: the server could not be reached or the connection broke.
        """
        request = _Request(code, timeout_seconds, setup_code, limits, files)
        response = self._post(request, "/v1/executions", "application/json")
        return ExecutionResult.from_json(read_json(response, self._transport.connection_lost))

    def stream(
        self,
        code: str,
        *,
        timeout_seconds: Optional[float] = None,
        setup_code: Optional[str] = None,
        limits: Optional[Limits] = None,
        files: Optional[InputFiles] = None,
    ) -> Iterator[StreamEvent]:
        """Runs `code`, yielding its output as it is written (`OutputEvent`s), then one
        `ResultEvent`. The request is sent when iteration starts; leaving the loop early
        hangs up, and the server then cancels the execution.

        Takes the parameters of `execute()` and raises as it does. Never reconnects: a lost
        stream raises `SandboxConnectionError`, as the code may already have run.
        """
        request = _Request(code, timeout_seconds, setup_code, limits, files)
        response = self._post(request, "/v1/executions?stream=true", "text/event-stream")
        with response:
            content_type = response.headers.get("Content-Type", "")
            if content_type.startswith("application/json"):
                # A server (or proxy) that answered in one piece: the result is still right.
                data = read_json(response, self._transport.connection_lost)
                yield ResultEvent(ExecutionResult.from_json(data))
                return
            try:
                yield from execution_events(response.readline)
            except (OSError, http.client.HTTPException) as error:
                raise self._transport.connection_lost(error) from error

    def health(self) -> bool:
        """True when the server process answers ``GET /healthz``."""
        answer = self._transport.get_json("/healthz")
        return isinstance(answer, dict) and answer.get("status") == "ok"

    def ready(self) -> bool:
        """True when the server can run code now (``GET /readyz``); False while its engine or
        image is missing or it is shutting down (a 503)."""
        try:
            answer = self._transport.get_json("/readyz")
        except SandboxError as error:
            if error.status == 503:
                return False
            raise
        return isinstance(answer, dict) and answer.get("status") == "ready"

    def _post(self, request: _Request, path: str, accept: str) -> Response:
        send_setup_code = self._server_takes_setup_code is not False
        try:
            return self._transport.open("POST", path, request.body(send_setup_code), accept)
        except SandboxError as error:
            if not (send_setup_code and request.setup_code is not None):
                raise
            if not _is_unknown_setup_code_field(error):
                raise
        # Refused before anything ran, so sending it again runs the code once, not twice.
        self._server_takes_setup_code = False
        return self._transport.open("POST", path, request.body(False), accept)


class _Request:
    def __init__(
        self,
        code: str,
        timeout_seconds: Optional[float],
        setup_code: Optional[str],
        limits: Optional[Limits],
        files: Optional[InputFiles],
    ) -> None:
        if not isinstance(code, str):
            raise TypeError(f"Expected `code` to be a string, got {type(code).__name__}")
        if setup_code is not None and not isinstance(setup_code, str):
            raise TypeError(
                f"Expected `setup_code` to be a string, got {type(setup_code).__name__}"
            )
        self.code = code
        self.timeout_seconds = timeout_seconds
        self.setup_code = setup_code
        self.limits = limits
        self.files = files

    def body(self, send_setup_code: bool) -> Dict[str, Any]:
        """The JSON body; without `setupCode`, setup code goes before the code, one line apart."""
        if self.setup_code is None:
            body: Dict[str, Any] = {"code": self.code}
        elif send_setup_code:
            body = {"code": self.code, "setupCode": self.setup_code}
        else:
            body = {"code": self.setup_code + "\n" + self.code}
        if self.timeout_seconds is not None:
            body["timeoutSeconds"] = self.timeout_seconds
        if self.limits is not None:
            body["limits"] = dict(self.limits)
        if self.files is not None:
            body["files"] = _input_files(self.files)
        return body


def _input_files(files: InputFiles) -> List[Dict[str, str]]:
    out: List[Dict[str, str]] = []
    for name, content in files.items():
        if isinstance(content, bytes):
            encoded = base64.b64encode(content).decode("ascii")
            out.append({"name": name, "content": encoded, "encoding": "base64"})
        elif isinstance(content, str):
            out.append({"name": name, "content": content, "encoding": "utf8"})
        else:
            raise TypeError(
                f"Expected `files[{name!r}]` to be str or bytes, got {type(content).__name__}"
            )
    return out


def _is_unknown_setup_code_field(error: SandboxError) -> bool:
    """An older server's answer to `setupCode`: ``Invalid `setupCode`: unknown key; …``."""
    return (
        error.status == 400
        and error.code == "invalid_argument"
        and error.field == "setupCode"
        and "unknown key" in error.message
    )
