"""The answer text of `anon_coder` for each outcome, from results shaped as the server sends."""

from __future__ import annotations

import unittest
from typing import Any, Dict

from tinyagent_sandbox import ExecutionResult, fit_answer, tinyagent_answer


def result(**fields: Any) -> ExecutionResult:
    data: Dict[str, Any] = {
        "id": "x",
        "status": "ok",
        "exitCode": 0,
        "stdout": "",
        "stderr": "",
        "truncated": False,
        "violations": [],
        "error": None,
        "message": None,
        "receipt": {"timeoutSeconds": 10, "limits": {}},
    }
    data.update(fields)
    return ExecutionResult.from_json(data)


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "<sandbox>", line 1, in <module>\n'
    "ZeroDivisionError: division by zero\n"
)


class TinyagentAnswerTest(unittest.TestCase):
    def test_stdout_and_stderr_sections(self) -> None:
        self.assertEqual(
            tinyagent_answer(result(stdout="1\n2\n", stderr="warn\n")),
            "STDOUT:\n1\n2\n\nSTDERR:\nwarn\n",
        )

    def test_no_output(self) -> None:
        self.assertEqual(tinyagent_answer(result()), "Code executed successfully with no output.")

    def test_a_failure_repeats_stderr_lines_after_the_exit_code_as_tinyagent_did(self) -> None:
        answer = tinyagent_answer(
            result(
                status="error",
                exitCode=1,
                stdout="before\n",
                stderr=TRACEBACK,
                error={
                    "name": "ZeroDivisionError",
                    "value": "division by zero",
                    "traceback": TRACEBACK,
                },
            )
        )
        self.assertEqual(
            answer,
            "STDOUT:\nbefore\n\nSTDERR:\n"
            + TRACEBACK
            + "\nExit code: 1\nTraceback (most recent call last):\n"
            + TRACEBACK.rstrip("\n"),
        )

    def test_a_static_refusal_names_each_violation(self) -> None:
        violation = {
            "rule": "import-not-allowed",
            "line": 2,
            "column": 8,
            "text": "socket",
            "message": "`socket` is not an allowed import",
            "hint": "add `socket` to code_execution.allowed_operations.imports",
        }
        answer = tinyagent_answer(
            result(
                status="policy_violation",
                exitCode=None,
                violations=[violation, {**violation, "line": 3}],
            )
        )
        self.assertEqual(
            answer,
            "Code validation error: `socket` is not an allowed import at line 2, column 8 (`socket`); "
            "add `socket` to code_execution.allowed_operations.imports\n"
            "Code validation error: `socket` is not an allowed import at line 3, column 8 (`socket`); "
            "add `socket` to code_execution.allowed_operations.imports",
        )

    def test_a_refusal_in_setup_code_says_so(self) -> None:
        violation = {
            "rule": "x",
            "line": 2,
            "column": 1,
            "text": "t",
            "message": "m",
            "hint": "h",
            "part": "setupCode",
        }
        in_code = {**violation, "line": 1, "part": "code"}
        answer = tinyagent_answer(
            result(status="policy_violation", exitCode=None, violations=[violation, in_code])
        )
        self.assertEqual(
            answer,
            "Setup code validation error: m at line 2, column 1 (`t`); h\n"
            "Code validation error: m at line 1, column 1 (`t`); h",
        )

    def test_a_runtime_refusal_keeps_what_ran_first(self) -> None:
        violation = {
            "rule": "x",
            "line": 1,
            "column": 1,
            "text": "t",
            "message": "m",
            "hint": "h",
            "event": "open",
        }
        answer = tinyagent_answer(
            result(
                status="policy_violation", exitCode=None, stdout="first\n", violations=[violation]
            )
        )
        self.assertEqual(
            answer, "Code validation error: m at line 1, column 1 (`t`); h\nSTDOUT:\nfirst\n"
        )

    def test_a_syntax_error_found_before_running(self) -> None:
        error = {
            "name": "SyntaxError",
            "value": "invalid syntax (line 1, column 8)",
            "traceback": "",
        }
        answer = tinyagent_answer(result(status="error", exitCode=None, error=error))
        self.assertEqual(answer, "Syntax error in code: invalid syntax (line 1, column 8)")

    def test_a_timeout_names_the_limit_applied_and_keeps_the_output(self) -> None:
        self.assertEqual(
            tinyagent_answer(
                result(status="timeout", exitCode=None, receipt={"timeoutSeconds": 2.5})
            ),
            "Code execution timed out after 2.5 seconds",
        )
        self.assertEqual(
            tinyagent_answer(result(status="timeout", exitCode=None, stdout="partial\n")),
            "Code execution timed out after 10 seconds\nSTDOUT:\npartial\n",
        )

    def test_other_outcomes_lead_with_the_servers_message(self) -> None:
        answer = tinyagent_answer(
            result(
                status="memory_limit",
                exitCode=None,
                stdout="a\n",
                message="Killed at 256 MB (code_execution.limits.memory_mb).",
            )
        )
        self.assertEqual(
            answer,
            "Error executing Python code: Killed at 256 MB (code_execution.limits.memory_mb).\nSTDOUT:\na\n",
        )

    def test_cut_output_is_marked(self) -> None:
        self.assertEqual(
            tinyagent_answer(result(stdout="xxx", truncated=True)),
            "STDOUT:\nxxx\n(output was cut at the sandbox's output limit)",
        )


if __name__ == "__main__":
    unittest.main()


class FitAnswerTest(unittest.TestCase):
    def test_a_short_answer_is_unchanged(self) -> None:
        self.assertEqual(fit_answer("STDOUT:\n1\n", 12_000), "STDOUT:\n1\n")
        self.assertEqual(fit_answer("x" * 50_000, None), "x" * 50_000)

    def test_a_long_answer_keeps_head_and_tail_within_the_budget_and_says_what_was_cut(
        self,
    ) -> None:
        answer = "STDOUT:\n" + "".join(f"line {i}\n" for i in range(100_000))
        fitted = fit_answer(answer, 12_000)
        self.assertLessEqual(len(fitted), 12_000)
        self.assertTrue(fitted.startswith("STDOUT:\nline 0\n"))
        self.assertTrue(fitted.endswith("line 99999\n"))
        head, marker, tail = fitted.partition("\n[... ")
        cut = len(answer) - len(head) - len(tail.split("...]\n", 1)[1])
        self.assertIn(f"{cut:,} of {len(answer):,} characters cut here", marker + tail)
