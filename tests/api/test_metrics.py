"""``/metrics``: queue depth per model and hardware, in Prometheus' text format."""

from __future__ import annotations

import httpx
import replicate

from tests.conftest import FIXTURES, MimeoServer

FIXTURES_ECHO = FIXTURES / "echo"


def test_a_prediction_no_worker_can_run_counts_in_the_queue_depth(
    client: replicate.Client, mimeo_server: MimeoServer
) -> None:
    client.models.create("metrics", "gpu-echo", visibility="private", hardware="gpu-h100")
    version = mimeo_server.push(FIXTURES_ECHO, "metrics/gpu-echo")
    waiting = client.predictions.create(version=version, input={"text": "no H100 here"})
    try:
        with mimeo_server.http() as http:
            scraped = http.get("/metrics")
    finally:
        waiting.cancel()

    assert scraped.headers["content-type"].startswith("text/plain")
    assert 'mimeo_queue_depth{hardware="gpu-h100",model="metrics/gpu-echo"} 1.0' in scraped.text


def test_metrics_need_a_token(mimeo_server: MimeoServer) -> None:
    answer = httpx.get(f"{mimeo_server.url}/metrics")

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
