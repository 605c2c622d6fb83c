"""Webhooks survive a receiver that is down or failing, and a server restart in between: every
event arrives, in order, signed, and a retried event keeps its ``webhook-id``.

Slow: these run their own ``mimeo serve`` (with a short initial backoff) and wait for retries.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import replicate

from tests.conftest import FIXTURES, MimeoServer, running_server
from tests.webhook_receiver import Received, Receiver, events_in_order

pytestmark = pytest.mark.slow
FAST_RETRIES = {"MIMEO_WEBHOOK_INITIAL_BACKOFF_SECONDS": "0.2"}
STREAM_INPUT = {"n": 3, "delay": 0.6}
SIGNATURE_TOLERANCE_SECONDS = 300


def refused_ids(log: str) -> list[str]:
    """The events the server logged as refused by the receiver (connection refused)."""
    return re.findall(r"webhook\.retry_scheduled .*ConnectError.* webhook_id=(msg_\w+)", log)


def wait_for_log(log: Path, done: Callable[[str], bool], timeout: float = 60.0) -> str:
    """The server's log once ``done`` holds for it: the server says what it did."""
    deadline = time.monotonic() + timeout
    while not done(text := log.read_text()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the server log never showed it:\n{text[-4000:]}")
        time.sleep(0.1)
    return text


def run_with_webhook(server: MimeoServer, receiver: Receiver) -> str:
    """A streaming prediction (start, output events, completed), run to its end."""
    version = server.push(FIXTURES / "stream", "fixtures/stream")
    client = replicate.Client(api_token=server.token, base_url=server.url)
    try:
        prediction = client.predictions.create(
            version=version, input=STREAM_INPUT, webhook=receiver.url
        )
        prediction.wait()
        assert prediction.status == "succeeded"
        return prediction.id
    finally:
        client._client.close()


def check_everything_arrived(server: MimeoServer, received: list[Received]) -> list[str]:
    """Every event, signed, in order, ending with the final prediction; returns the ids."""
    with server.http() as http:
        secret = http.get("/v1/webhooks/default/secret").json()["key"]
    for request in received:
        replicate.webhooks.validate(
            headers=request.headers,
            body=request.body,
            secret=replicate.webhook.WebhookSigningSecret(key=secret),
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        )
    events = events_in_order(received)
    statuses = [attempts[0].prediction["status"] for attempts in events]
    assert statuses[0] == "starting"
    assert statuses[-1] == "succeeded"
    assert events[-1][0].prediction["output"] == ["token0 ", "token1 ", "token2 "]
    return [attempts[0].id for attempts in events]


def test_events_refused_then_failing_then_accepted_all_arrive_in_order(
    tmp_path: Path, env_dir: Path
) -> None:
    with (
        Receiver(fail_first=2) as receiver,
        running_server(tmp_path, env_dir, "--examples", "none", **FAST_RETRIES) as server,
    ):
        prediction_id = run_with_webhook(server, receiver)
        log = wait_for_log(server.log, lambda text: len(refused_ids(text)) >= 2)
        receiver.start()

        received = receiver.wait_completed(prediction_id)

        ids = check_everything_arrived(server, received)
    start = ids[0]
    assert [(r.id, r.answered) for r in received[:3]] == [(start, 500), (start, 500), (start, 200)]
    assert set(refused_ids(log)) <= set(ids)


def test_events_pending_at_a_restart_are_delivered_by_the_next_server(
    tmp_path: Path, env_dir: Path
) -> None:
    with Receiver() as receiver:
        with running_server(tmp_path, env_dir, "--examples", "none", **FAST_RETRIES) as first:
            prediction_id = run_with_webhook(first, receiver)
            before_restart = wait_for_log(first.log, lambda text: len(refused_ids(text)) >= 2)
        receiver.start()

        with running_server(tmp_path, env_dir, "--examples", "none", **FAST_RETRIES) as second:
            received = receiver.wait_completed(prediction_id)
            ids = check_everything_arrived(second, received)
            after_restart = second.log.read_text()

    assert set(refused_ids(before_restart)) <= set(ids)
    assert "webhook.delivered" not in before_restart
    assert "webhook.delivered" in after_restart
