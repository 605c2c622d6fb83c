"""``/metrics`` in Prometheus' text format: the queue per model, deployment and SKU, predictions
by status, the webhook backlog, and request latency per route template."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import replicate
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FIXTURES, MimeoServer

FIXTURES_ECHO = FIXTURES / "echo"


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def scrape(server: MimeoServer) -> str:
    with server.http() as http:
        answer = http.get("/metrics")
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


@pytest.fixture
def waiting_on_missing_gpu(
    client: replicate.Client, mimeo_server: MimeoServer
) -> Iterator[replicate.prediction.Prediction]:
    """A prediction no worker here can run: it stays queued until canceled."""
    existing = [m.name for m in client.models.list().results if m.owner == "metrics"]
    if "gpu-echo" not in existing:
        client.models.create("metrics", "gpu-echo", visibility="private", hardware="gpu-h100")
    version = mimeo_server.push(FIXTURES_ECHO, "metrics/gpu-echo")
    waiting = client.predictions.create(version=version, input={"text": "no H100 here"})
    yield waiting
    waiting.cancel()


def test_a_prediction_no_worker_can_run_counts_in_the_queue_depth(
    mimeo_server: MimeoServer, waiting_on_missing_gpu: replicate.prediction.Prediction
) -> None:
    depth = samples(scrape(mimeo_server), "mimeo_queue_depth")

    wanted = {"model": "metrics/gpu-echo", "hardware": "gpu-h100", "deployment": ""}
    assert (wanted, 1.0) in depth


def test_the_oldest_queued_predictions_age_is_reported(
    mimeo_server: MimeoServer, waiting_on_missing_gpu: replicate.prediction.Prediction
) -> None:
    ages = samples(scrape(mimeo_server), "mimeo_queue_oldest_age_seconds")

    assert any(labels["model"] == "metrics/gpu-echo" and age >= 0 for labels, age in ages)


def test_predictions_are_counted_by_model_and_status(
    client: replicate.Client, mimeo_server: MimeoServer
) -> None:
    version = mimeo_server.push(FIXTURES_ECHO, "metrics/echo")
    client.predictions.create(version=version, input={"text": "counted"}).wait()

    counts = samples(scrape(mimeo_server), "mimeo_predictions")

    assert any(
        labels == {"model": "metrics/echo", "status": "succeeded"} and count >= 1
        for labels, count in counts
    )


def test_request_latency_is_labelled_by_route_template_not_path(
    client: replicate.Client, mimeo_server: MimeoServer
) -> None:
    version = mimeo_server.push(FIXTURES_ECHO, "metrics/echo")
    prediction = client.predictions.create(version=version, input={"text": "timed"})
    client.predictions.get(prediction.id)

    counts = samples(scrape(mimeo_server), "mimeo_request_seconds_count")

    routes = {labels["route"] for labels, _count in counts}
    assert "/v1/predictions/{prediction_id}" in routes
    assert not any(prediction.id in route for route in routes)


def test_the_webhook_backlog_is_reported(mimeo_server: MimeoServer) -> None:
    text = scrape(mimeo_server)

    assert len(samples(text, "mimeo_webhook_backlog")) == 1
    assert len(samples(text, "mimeo_webhook_failed")) == 1


def test_metrics_need_a_token(mimeo_server: MimeoServer) -> None:
    answer = httpx.get(f"{mimeo_server.url}/metrics")

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
