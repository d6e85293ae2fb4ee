"""The client against a real `tinyagent-sandbox serve` (test/python-client.test.ts starts one).

Needs TINYAGENT_SANDBOX_URL, and TINYAGENT_SANDBOX_API_KEY for a server that has keys.
"""

from __future__ import annotations

import os
import socket
import unittest
from typing import Any, Dict, List

from tinyagent_sandbox import (
    Client,
    ExecutionResult,
    OutputEvent,
    ResultEvent,
    SandboxConnectionError,
    SandboxError,
    anon_coder,
)

URL = os.environ.get("TINYAGENT_SANDBOX_URL", "")
API_KEY = os.environ.get("TINYAGENT_SANDBOX_API_KEY") or None


def setUpModule() -> None:
    if not URL:
        raise RuntimeError(
            "Set TINYAGENT_SANDBOX_URL to a running `tinyagent-sandbox serve` "
            "(test/python-client.test.ts starts one and sets it)."
        )


class RecordingClient(Client):
    """Remembers the arguments of each `execute()` call."""

    def __init__(self) -> None:
        super().__init__(URL, API_KEY)
        self.calls: List[Dict[str, Any]] = []

    def execute(self, code: str, **options: Any) -> ExecutionResult:
        self.calls.append(options)
        return super().execute(code, **options)


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the port was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class ExecuteTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client(URL, API_KEY)

    def test_a_run_returns_its_output_status_and_exit_code_0(self) -> None:
        result = self.client.execute("print('hello from the sandbox')")
        self.assertEqual(result.status, "ok")
        self.assertTrue(result.ok)
        self.assertEqual(result.exit_code, 0)
        self.assertEqual(result.stdout, "hello from the sandbox\n")
        self.assertEqual(result.stderr, "")
        self.assertEqual(result.violations, [])
        self.assertIsNone(result.error)
        self.assertEqual(result.runtime, result.raw["runtime"])
        self.assertEqual(result.raw["exitCode"], 0)
        assert result.receipt is not None
        self.assertEqual(len(result.receipt.code_sha256), 64)
        self.assertGreater(result.receipt.timeout_seconds, 0)

    def test_a_policy_refusal_is_a_result_with_violations(self) -> None:
        result = self.client.execute('eval("1")')
        self.assertEqual(result.status, "policy_violation")
        self.assertIsNone(result.exit_code)
        self.assertEqual([v.rule for v in result.violations], ["eval-call"])
        self.assertEqual((result.violations[0].line, result.violations[0].column), (1, 1))
        self.assertIn("allow_dangerous_operations", result.violations[0].hint)

    def test_an_exception_is_a_result_with_the_error_name(self) -> None:
        result = self.client.execute("print('before')\n1/0")
        self.assertEqual(result.status, "error")
        self.assertEqual(result.exit_code, 1)
        self.assertEqual(result.stdout, "before\n")
        assert result.error is not None
        self.assertEqual(result.error.name, "ZeroDivisionError")
        self.assertEqual(result.error.value, "division by zero")
        self.assertIn("line 2, in <module>", result.error.traceback)
        self.assertIn("ZeroDivisionError: division by zero", result.stderr)

    def test_setup_code_runs_first_in_the_same_interpreter(self) -> None:
        result = self.client.execute("print(answer * 2)", setup_code="print('set')\nanswer = 21")
        self.assertEqual((result.status, result.stdout), ("ok", "set\n42\n"))

    def test_a_limit_above_the_server_is_refused_naming_the_field(self) -> None:
        with self.assertRaises(SandboxError) as caught:
            self.client.execute("print(1)", limits={"memory_mb": 10**9})
        self.assertEqual(caught.exception.code, "invalid_argument")
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(caught.exception.field, "limits.memory_mb")
        self.assertTrue(caught.exception.message.startswith("Invalid `limits.memory_mb`: "))

    def test_health_and_ready(self) -> None:
        self.assertTrue(self.client.health())
        self.assertTrue(self.client.ready())


class StreamTest(unittest.TestCase):
    def test_output_events_come_in_order_and_end_with_the_result(self) -> None:
        client = Client(URL, API_KEY)
        code = "for word in ['one', 'two', 'three']:\n    print(word, flush=True)\n1/0"
        events = list(client.stream(code))
        last = events[-1]
        assert isinstance(last, ResultEvent)
        output = events[:-1]
        self.assertTrue(all(isinstance(e, OutputEvent) for e in output))
        stdout = "".join(
            e.text for e in output if isinstance(e, OutputEvent) and e.kind == "stdout"
        )
        stderr = "".join(
            e.text for e in output if isinstance(e, OutputEvent) and e.kind == "stderr"
        )
        self.assertEqual(stdout, "one\ntwo\nthree\n")
        self.assertEqual(last.result.status, "error")
        self.assertEqual(last.result.stdout, stdout)
        self.assertEqual(last.result.stderr, stderr)
        self.assertEqual(last.kind, "result")

    def test_a_refused_request_raises_before_any_event(self) -> None:
        client = Client(URL, API_KEY)
        with self.assertRaises(SandboxError) as caught:
            next(iter(client.stream("print(1)", limits={"pids": 10**9})))
        self.assertEqual(
            (caught.exception.code, caught.exception.field), ("invalid_argument", "limits.pids")
        )


class AnonCoderTest(unittest.TestCase):
    """`anon_coder` without a client reads TINYAGENT_SANDBOX_URL and TINYAGENT_SANDBOX_API_KEY."""

    def test_returns_one_string_with_the_output(self) -> None:
        self.assertEqual(anon_coder("print(6 * 7)"), "STDOUT:\n42\n")

    def test_no_output_says_so(self) -> None:
        self.assertEqual(anon_coder("x = 1"), "Code executed successfully with no output.")

    def test_setup_code_defines_a_name_the_code_uses(self) -> None:
        self.assertEqual(anon_coder("print(x * 2)", setup_code="x = 21"), "STDOUT:\n42\n")

    def test_a_timeout_of_60_runs_under_the_server_maximum(self) -> None:
        client = RecordingClient()
        maximum = _server_timeout(client)
        client.calls.clear()
        self.assertEqual(
            anon_coder("print('capped')", timeout=60, client=client), "STDOUT:\ncapped\n"
        )
        first = {"timeout_seconds": 60, "setup_code": None}
        expected = [first] if maximum >= 60 else [first, {"setup_code": None}]
        self.assertEqual(client.calls, expected)

    def test_a_timeout_above_60_is_capped_at_60(self) -> None:
        client = RecordingClient()
        anon_coder("print(1)", timeout=600, client=client)
        self.assertEqual(client.calls[0], {"timeout_seconds": 60, "setup_code": None})

    def test_code_that_runs_too_long_times_out(self) -> None:
        answer = anon_coder("while True:\n    pass", timeout=1)
        self.assertEqual(answer, "Code execution timed out after 1 seconds")

    def test_an_exception_gives_the_exit_code_and_traceback(self) -> None:
        answer = anon_coder("1/0")
        self.assertTrue(answer.startswith("STDERR:\nTraceback (most recent call last):\n"), answer)
        self.assertIn("\nExit code: 1\nTraceback (most recent call last):\n", answer)
        self.assertTrue(answer.endswith("ZeroDivisionError: division by zero"), answer)

    def test_a_refusal_is_a_code_validation_error(self) -> None:
        answer = anon_coder("import socket")
        self.assertTrue(answer.startswith("Code validation error: `socket` "), answer)
        self.assertIn("at line 1, column 8 (`socket`)", answer)

    def test_a_refusal_in_setup_code_says_so(self) -> None:
        answer = anon_coder("print(1)", setup_code="x = 1\nimport socket")
        self.assertTrue(answer.startswith("Setup code validation error: `socket` "), answer)
        self.assertIn("at line 2, column 8 (`socket`)", answer)

    def test_a_syntax_error_is_reported_without_running(self) -> None:
        self.assertTrue(anon_coder("print(1").startswith("Syntax error in code: "))

    def test_empty_code_and_a_bad_timeout_are_answered_locally(self) -> None:
        unreachable = Client(closed_port_url())
        self.assertEqual(
            anon_coder("  ", client=unreachable), "Error: Code must be a non-empty string"
        )
        self.assertEqual(
            anon_coder("print(1)", timeout=0, client=unreachable),
            "Error: Timeout must be a positive integer",
        )


class FailureTest(unittest.TestCase):
    @unittest.skipUnless(API_KEY, "the server has no API keys (set TINYAGENT_SANDBOX_API_KEY)")
    def test_a_wrong_api_key_raises_unauthorized(self) -> None:
        client = Client(URL, "not-the-key-" + "x" * 20)
        with self.assertRaises(SandboxError) as caught:
            client.execute("print(1)")
        self.assertEqual((caught.exception.code, caught.exception.status), ("unauthorized", 401))
        answer = anon_coder("print(1)", client=client)
        self.assertTrue(answer.startswith("Error executing Python code: unauthorized: "), answer)

    def test_connection_refused_raises_a_connection_error(self) -> None:
        client = Client(closed_port_url())
        with self.assertRaises(SandboxConnectionError) as caught:
            client.execute("print(1)")
        self.assertEqual(caught.exception.code, "connection_failed")
        self.assertIsNone(caught.exception.status)
        self.assertIn(
            "Could not reach the sandbox server at http://127.0.0.1:", caught.exception.message
        )
        with self.assertRaises(SandboxConnectionError):
            list(client.stream("print(1)"))
        with self.assertRaises(SandboxConnectionError):
            client.health()
        answer = anon_coder("print(1)", client=client)
        self.assertTrue(
            answer.startswith("Error executing Python code: connection_failed: "), answer
        )


def _server_timeout(client: Client) -> float:
    receipt = client.execute("pass").receipt
    assert receipt is not None
    return receipt.timeout_seconds


if __name__ == "__main__":
    unittest.main()
