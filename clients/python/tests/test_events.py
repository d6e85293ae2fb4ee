"""Reading the execution stream's Server-Sent Events from bytes."""

from __future__ import annotations

import io
import json
import unittest
from typing import List

from tinyagent_sandbox import OutputEvent, ResultEvent, SandboxConnectionError, SandboxError
from tinyagent_sandbox.events import StreamEvent, execution_events
from tinyagent_sandbox.sse import ServerSentEvent, read_events


def events_of(text: str) -> List[StreamEvent]:
    return list(execution_events(io.BytesIO(text.encode("utf-8")).readline))


class ReadEventsTest(unittest.TestCase):
    def test_fields_comments_crlf_and_multi_line_data(self) -> None:
        stream = (
            b": keep-alive\r\nevent: a\r\ndata: one\r\ndata: two\r\nid: 7\r\nretry: 10\r\n\r\n"
            b"data:x\n\n"
        )
        self.assertEqual(
            list(read_events(io.BytesIO(stream).readline)),
            [ServerSentEvent("a", "one\ntwo"), ServerSentEvent("message", "x")],
        )

    def test_an_event_cut_off_by_the_end_of_the_stream_is_dropped(self) -> None:
        self.assertEqual(list(read_events(io.BytesIO(b"event: a\ndata: 1").readline)), [])


class ExecutionEventsTest(unittest.TestCase):
    def test_output_then_result_and_nothing_after_it(self) -> None:
        result = {"id": "r", "status": "ok", "exitCode": 0, "stdout": "h\xe9\n", "stderr": ""}
        text = (
            'event: stdout\ndata: {"text":"h\\u00e9"}\n\n'
            'event: stderr\ndata: {"text":"w"}\n\n'
            "event: progress\ndata: {}\n\n"
            f"event: result\ndata: {json.dumps(result)}\n\n"
            'event: stdout\ndata: {"text":"late"}\n\n'
        )
        events = events_of(text)
        self.assertEqual(events[:2], [OutputEvent("stdout", "h\xe9"), OutputEvent("stderr", "w")])
        self.assertEqual(len(events), 3)
        last = events[2]
        assert isinstance(last, ResultEvent)
        self.assertEqual(
            (last.kind, last.result.id, last.result.stdout), ("result", "r", "h\xe9\n")
        )

    def test_an_error_event_raises_its_code(self) -> None:
        text = 'event: error\ndata: {"error":{"code":"shut_down","message":"draining"}}\n\n'
        with self.assertRaises(SandboxError) as caught:
            events_of(text)
        self.assertEqual(
            (caught.exception.code, caught.exception.message), ("shut_down", "draining")
        )
        self.assertIsNone(caught.exception.status)

    def test_a_stream_without_a_result_is_a_lost_connection(self) -> None:
        with self.assertRaises(SandboxConnectionError) as caught:
            events_of('event: stdout\ndata: {"text":"a"}\n\n')
        self.assertIn("it is not run again", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
