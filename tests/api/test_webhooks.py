"""Webhooks through the official client against a real ``mimeo serve``: signed deliveries to a
receiver on loopback that the unchanged client verifies, the events filter, the signing secret,
and webhook URLs that are refused at create."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.conftest import MimeoServer, running_server
from tests.webhook_receiver import Receiver, events_in_order

SIGNATURE_TOLERANCE_SECONDS = 300


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def test_the_default_secret_is_a_stable_whsec_key(client: replicate.Client) -> None:
    first = client.webhooks.default.secret()
    second = client.webhooks.default.secret()

    assert first.key.startswith("whsec_")
    assert first.key == second.key


def test_every_event_arrives_signed_and_the_last_is_the_final_prediction(
    client: replicate.Client,
    mimeo_server: MimeoServer,
    receiver: Receiver,
    push_fixture: Callable[[str], str],
) -> None:
    version = push_fixture("logs")
    prediction = client.predictions.create(version=version, input={}, webhook=receiver.url)

    received = receiver.wait_completed(prediction.id)

    secret = client.webhooks.default.secret()
    for request in received:
        replicate.webhooks.validate(
            headers=request.headers,
            body=request.body,
            secret=secret,
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        )
    events = events_in_order(received)
    assert events[0][0].prediction["status"] == "starting"
    with mimeo_server.http() as http:
        final = http.get(f"/v1/predictions/{prediction.id}").json()
    assert events[-1][0].prediction == final
    assert final["status"] == "succeeded"
    assert all(r.headers["content-type"] == "application/json" for r in received)


def test_streamed_output_arrives_as_growing_output_events(
    client: replicate.Client, receiver: Receiver, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("stream")
    prediction = client.predictions.create(
        version=version,
        input={"n": 4, "delay": 0.6},
        webhook=receiver.url,
        webhook_events_filter=["output", "completed"],
    )

    events = events_in_order(receiver.wait_completed(prediction.id))

    outputs = [attempts[0].prediction["output"] for attempts in events]
    assert outputs[-1] == ["token0 ", "token1 ", "token2 ", "token3 "]
    assert len(outputs) >= 2
    assert all(earlier == later[: len(earlier)] for earlier, later in itertools.pairwise(outputs))


def test_a_completed_only_filter_gets_exactly_one_delivery(
    client: replicate.Client, receiver: Receiver, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("logs")
    prediction = client.predictions.create(
        version=version, input={}, webhook=receiver.url, webhook_events_filter=["completed"]
    )

    received = receiver.wait_completed(prediction.id)

    assert len(received) == 1
    assert received[0].prediction["status"] == "succeeded"
    assert received[0].prediction["output"] == "done"


def test_a_webhook_that_is_not_http_is_refused_naming_the_field(
    mimeo_server: MimeoServer, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")
    with mimeo_server.http() as http:
        answer = http.post(
            "/v1/predictions",
            json={"version": version, "input": {"text": "x"}, "webhook": "ftp://example.com/x"},
        )

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["webhook"]


def test_an_unknown_event_in_the_filter_is_refused(
    client: replicate.Client, receiver: Receiver, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")

    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(
            version=version,
            input={"text": "x"},
            webhook=receiver.url,
            webhook_events_filter=["finished"],
        )

    assert raised.value.status == 422


@pytest.mark.slow
def test_cluster_mode_refuses_a_private_webhook_url(
    tmp_path: Path, env_dir: Path, receiver: Receiver
) -> None:
    with running_server(tmp_path, env_dir, "--no-worker", "--examples", "none") as cluster:
        version = cluster.push(Path(__file__).parents[1] / "fixtures" / "echo", "cluster/echo")
        client = replicate.Client(api_token=cluster.token, base_url=cluster.url)
        try:
            with pytest.raises(ReplicateError) as raised:
                client.predictions.create(
                    version=version, input={"text": "x"}, webhook=receiver.url
                )
        finally:
            client._client.close()

    assert raised.value.status == 422
    assert "webhook" in (raised.value.detail or "")
    assert "private or loopback" in (raised.value.detail or "")
