"""Answers a real server gives only in some versions or configurations, from a scripted one:
an older server without `setupCode`, a server that names the timeout field, 429s, redirects,
and bodies that are not the API's."""

from __future__ import annotations

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

from tinyagent_sandbox import Client, ResultEvent, SandboxError, anon_coder

Answer = Tuple[int, Any, Dict[str, str]]

OK = {"id": "r", "status": "ok", "exitCode": 0, "stdout": "42\n", "stderr": ""}
UNKNOWN_SETUP_CODE = {
    "error": {
        "code": "invalid_argument",
        "message": "Invalid `setupCode`: unknown key; expected one of: code, timeoutSeconds, limits, files",
        "field": "setupCode",
    }
}


class ScriptedServer:
    """Answers each request with the next scripted answer and records what it was sent."""

    def __init__(self, answers: List[Answer]) -> None:
        self.answers = list(answers)
        self.requests: List[Tuple[str, Optional[Dict[str, Any]], Dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self._answer(json.loads(self.rfile.read(length)))

            def _answer(self, body: Optional[Dict[str, Any]]) -> None:
                server.requests.append((self.path, body, dict(self.headers)))
                status, payload, headers = server.answers.pop(0)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                headers = {"Content-Type": "application/json", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def bodies(self) -> List[Optional[Dict[str, Any]]]:
        return [body for _, body, _ in self.requests]

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()


class ScriptedTest(unittest.TestCase):
    def serve(self, *answers: Answer) -> ScriptedServer:
        server = ScriptedServer(list(answers))
        self.addCleanup(server.close)
        return server


class SetupCodeTest(ScriptedTest):
    def test_an_older_server_gets_setup_code_prepended_and_is_remembered(self) -> None:
        server = self.serve((400, UNKNOWN_SETUP_CODE, {}), (200, OK, {}), (200, OK, {}))
        client = Client(server.url)
        self.assertEqual(client.execute("print(x)", setup_code="x = 42").stdout, "42\n")
        self.assertEqual(client.execute("print(x)", setup_code="x = 42").stdout, "42\n")
        self.assertEqual(
            server.bodies(),
            [
                {"code": "print(x)", "setupCode": "x = 42"},
                {"code": "x = 42\nprint(x)"},
                {"code": "x = 42\nprint(x)"},
            ],
        )

    def test_other_refusals_of_setup_code_are_raised(self) -> None:
        refusal = {
            "error": {
                "code": "invalid_argument",
                "message": "Invalid `setupCode`: too long",
                "field": "setupCode",
            }
        }
        server = self.serve((400, refusal, {}))
        with self.assertRaises(SandboxError) as caught:
            Client(server.url).execute("print(x)", setup_code="x = 1")
        self.assertEqual(caught.exception.field, "setupCode")
        self.assertEqual(len(server.requests), 1)

    def test_code_without_setup_code_never_sends_the_field(self) -> None:
        server = self.serve((200, OK, {}))
        Client(server.url).execute(
            "print(1)",
            timeout_seconds=5,
            limits={"memory_mb": 64},
            files={"a.txt": "hi", "b.bin": b"\x00\xff"},
        )
        self.assertEqual(
            server.bodies(),
            [
                {
                    "code": "print(1)",
                    "timeoutSeconds": 5,
                    "limits": {"memory_mb": 64},
                    "files": [
                        {"name": "a.txt", "content": "hi", "encoding": "utf8"},
                        {"name": "b.bin", "content": "AP8=", "encoding": "base64"},
                    ],
                }
            ],
        )


class AnonCoderTimeoutTest(ScriptedTest):
    def test_a_refused_timeout_is_retried_once_under_the_server_maximum(self) -> None:
        named = {
            "error": {
                "code": "invalid_argument",
                "message": "Invalid `timeoutSeconds`: too high",
                "field": "timeoutSeconds",
            }
        }
        unnamed = {
            "error": {
                "code": "invalid_argument",
                "message": "Expected `timeoutSeconds` to be at most 10 (code_execution.timeout_seconds), got 60",
            }
        }
        for refusal in (named, unnamed):
            server = self.serve((400, refusal, {}), (200, OK, {}))
            self.assertEqual(
                anon_coder("print(42)", timeout=60, client=Client(server.url)), "STDOUT:\n42\n"
            )
            self.assertEqual(
                server.bodies(),
                [{"code": "print(42)", "timeoutSeconds": 60}, {"code": "print(42)"}],
            )

    def test_other_refusals_become_the_answer_without_a_retry(self) -> None:
        refusal = {
            "error": {
                "code": "invalid_argument",
                "message": "Invalid `code`: too big",
                "field": "code",
            }
        }
        server = self.serve((400, refusal, {}))
        self.assertEqual(
            anon_coder("print(1)", client=Client(server.url)),
            "Error executing Python code: invalid_argument: Invalid `code`: too big (HTTP 400)",
        )
        self.assertEqual(len(server.requests), 1)


class HttpTest(ScriptedTest):
    def test_the_api_key_is_sent_as_a_bearer_token(self) -> None:
        server = self.serve((200, OK, {}))
        Client(server.url, api_key="k" * 32).execute("print(1)")
        self.assertEqual(server.requests[0][2]["Authorization"], "Bearer " + "k" * 32)

    def test_retry_after_is_read_and_nothing_is_retried(self) -> None:
        busy = {"error": {"code": "queue_full", "message": "busy"}}
        server = self.serve((429, busy, {"Retry-After": "1"}))
        with self.assertRaises(SandboxError) as caught:
            Client(server.url).execute("print(1)")
        self.assertEqual(
            (caught.exception.code, caught.exception.status, caught.exception.retry_after),
            ("queue_full", 429, 1.0),
        )
        self.assertEqual(len(server.requests), 1)

    def test_a_redirect_is_not_followed(self) -> None:
        server = self.serve((307, b"", {"Location": "/elsewhere", "Content-Type": "text/plain"}))
        with self.assertRaises(SandboxError) as caught:
            Client(server.url).execute("print(1)")
        self.assertEqual(
            (caught.exception.code, caught.exception.status), ("unexpected_response", 307)
        )
        self.assertEqual(len(server.requests), 1)

    def test_a_body_that_is_not_the_apis_is_an_unexpected_response(self) -> None:
        server = self.serve((502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}))
        with self.assertRaises(SandboxError) as caught:
            Client(server.url).execute("print(1)")
        self.assertEqual(
            (caught.exception.code, caught.exception.status), ("unexpected_response", 502)
        )
        self.assertIn("<html>Bad Gateway</html>", caught.exception.message)

    def test_a_stream_answered_as_json_is_one_result_event(self) -> None:
        server = self.serve((200, OK, {}))
        events = list(Client(server.url).stream("print(42)"))
        self.assertEqual(len(events), 1)
        assert isinstance(events[0], ResultEvent)
        self.assertEqual(events[0].result.stdout, "42\n")
        self.assertEqual(server.requests[0][0], "/v1/executions?stream=true")

    def test_a_base_url_that_is_not_http_is_refused_up_front(self) -> None:
        with self.assertRaises(ValueError) as caught:
            Client("127.0.0.1:8080")
        self.assertEqual(
            str(caught.exception), "Expected `base_url` to be an http(s) URL, got '127.0.0.1:8080'"
        )


if __name__ == "__main__":
    unittest.main()
