"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request.

It can be down (nothing listens on its port: connection refused), answer errors for its first
requests, and come back on the same port. Tests wait on it for what they expect, never for time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import free_port

TERMINAL = {"succeeded", "failed", "canceled"}


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: str
    answered: int

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def prediction(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def ok(self) -> bool:
        return 200 <= self.answered < 300


class Receiver:
    def __init__(self, fail_first: int = 0, fail_status: int = 500) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.fail_first = fail_first
        self.fail_status = fail_status
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
                with receiver._changed:
                    failing = receiver.fail_first > 0
                    receiver.fail_first -= 1 if failing else 0
                    status = receiver.fail_status if failing else 200
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver._received.append(Received(headers, body, status))
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __enter__(self) -> Receiver:
        """Down until started; stopped on the way out."""
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Down: the port refuses connections until ``start`` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def received(self) -> list[Received]:
        with self._changed:
            return list(self._received)

    def wait_for(
        self, done: Callable[[list[Received]], bool], timeout: float = 90.0
    ) -> list[Received]:
        """Everything received, once ``done`` holds for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self._received):
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = [
                        (r.id, r.answered, r.prediction.get("status")) for r in self._received
                    ]
                    raise AssertionError(
                        f"the webhook receiver did not get what it waited for: {summary}"
                    )
                self._changed.wait(left)
            return list(self._received)

    def wait_completed(self, prediction_id: str, timeout: float = 90.0) -> list[Received]:
        """Every request about the prediction, once its final object was accepted. Nothing
        can follow it: ``completed`` is a prediction's last event, sent after all others."""
        received = self.wait_for(
            lambda got: any(
                r.ok and r.prediction["id"] == prediction_id and r.prediction["status"] in TERMINAL
                for r in got
            ),
            timeout,
        )
        return [r for r in received if r.prediction["id"] == prediction_id]


def events_in_order(received: list[Received]) -> list[list[Received]]:
    """One prediction's requests grouped by event (its ``webhook-id``), in the order sent,
    after checking the delivery promises: an event's attempts are consecutive and carry the
    same body (a retry is the same message), each event was accepted before the next one was
    sent, and no event comes back after a later one."""
    events: list[list[Received]] = []
    for request in received:
        if events and events[-1][0].id == request.id:
            events[-1].append(request)
        else:
            events.append([request])
    ids = [attempts[0].id for attempts in events]
    assert len(ids) == len(set(ids)), f"an event was sent again after a later one: {ids}"
    for attempts in events:
        assert any(r.ok for r in attempts), f"{attempts[0].id} was passed over, never accepted"
        assert {r.body for r in attempts} == {attempts[0].body}, "a retry changed the body"
    return events
