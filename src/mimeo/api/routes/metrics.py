"""``GET /metrics``: Prometheus text for autoscalers and dashboards.

Queue depth per model and hardware is what a Kubernetes HPA or KEDA scales worker pools on; it
is read from the database at scrape time, so every API node reports the same fleet-wide
numbers. Scrapers authenticate with the worker token or any API token.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mimeo.api.http.deps import ContextDep, get_account, is_worker
from mimeo.store.predictions import ModelLoad

router = APIRouter(tags=["metrics"], include_in_schema=False)


class FleetLoad(Collector):
    def __init__(self, loads: list[ModelLoad]) -> None:
        self.loads = loads

    def collect(self) -> Iterator[Metric]:
        labels = ["model", "hardware"]
        queued = GaugeMetricFamily(
            "mimeo_queue_depth", "Predictions waiting for a worker", labels=labels
        )
        running = GaugeMetricFamily(
            "mimeo_predictions_running", "Predictions a worker holds", labels=labels
        )
        for load in self.loads:
            queued.add_metric([load.model, load.hardware], load.queued)
            running.add_metric([load.model, load.hardware], load.running)
        yield queued
        yield running


@router.get("/metrics")
async def metrics(request: Request, context: ContextDep) -> Response:
    if not is_worker(request, context):
        await get_account(request, context)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetLoad(await context.store.predictions.load_by_model()))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
