"""HTTP with urllib: one request, one answer, errors mapped to `SandboxError`.

Never retries and never follows redirects: a POST that reached the server may have run its
code, so sending it again is the caller's decision, not ours.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Mapping, Optional

from .errors import SandboxConnectionError, SandboxError
from .version import __version__

Response = http.client.HTTPResponse


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


class Transport:
    def __init__(self, base_url: str, api_key: Optional[str], timeout: Optional[float]) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def open(
        self, method: str, path: str, body: Optional[Mapping[str, Any]] = None, accept: str = ""
    ) -> Response:
        """Sends the request; returns the response of a 2xx answer, raises for any other."""
        headers: Dict[str, str] = {
            "Accept": accept or "application/json",
            "User-Agent": f"tinyagent-sandbox-python/{__version__}",
        }
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        options: Dict[str, Any] = {} if self._timeout is None else {"timeout": self._timeout}
        try:
            response: Response = self._opener.open(request, **options)
            return response
        except urllib.error.HTTPError as error:
            raise _answer_error(error) from None
        except urllib.error.URLError as error:
            raise SandboxConnectionError(
                f"Could not reach the sandbox server at {self.base_url}: {error.reason}"
            ) from error
        except (OSError, http.client.HTTPException) as error:
            raise self.connection_lost(error) from error

    def get_json(self, path: str) -> Any:
        return read_json(self.open("GET", path), self.connection_lost)

    def connection_lost(self, error: BaseException) -> SandboxConnectionError:
        """For a failure after the request was sent: the code may have run already."""
        timed_out = isinstance(error, TimeoutError) or "timed out" in str(error)
        reason = (
            f"no data for {self._timeout} s (the client's `timeout`)"
            if timed_out and self._timeout is not None
            else f"{type(error).__name__}: {error}"
        )
        return SandboxConnectionError(
            f"The connection to {self.base_url} failed before the answer was complete ({reason})."
        )


def read_json(
    response: Response, on_failure: Callable[[BaseException], SandboxConnectionError]
) -> Any:
    """Reads and closes a JSON answer."""
    try:
        with response:
            body = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise on_failure(error) from error
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        raise _unexpected(response.status, body) from None


def _answer_error(error: urllib.error.HTTPError) -> SandboxError:
    """`{"error": {"code", "message", "field"?}}` as a `SandboxError`."""
    try:
        body = error.read()
    except (OSError, http.client.HTTPException):
        body = b""
    finally:
        error.close()
    try:
        detail = json.loads(body.decode("utf-8"))["error"]
        code, message = str(detail["code"]), str(detail["message"])
    except (ValueError, KeyError, TypeError):
        return _unexpected(error.code, body)
    field = detail.get("field")
    return SandboxError(
        code,
        message,
        error.code,
        None if field is None else str(field),
        _seconds(error.headers.get("Retry-After")),
    )


def _unexpected(status: int, body: bytes) -> SandboxError:
    text = body.decode("utf-8", "replace").strip()[:200]
    return SandboxError(
        "unexpected_response",
        f"The server answered HTTP {status} without the API's JSON (is `base_url` the "
        f"tinyagent-sandbox server?): {text or '(empty body)'}",
        status,
    )


def _seconds(value: Optional[str]) -> Optional[float]:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None  # an HTTP date; the server sends seconds
