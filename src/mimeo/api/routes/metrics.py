"""``GET /metrics``: Prometheus text for autoscalers and dashboards.

Queue depth per model and hardware is what a Kubernetes HPA or KEDA scales worker pools on; it
is read from the database at scrape time, so every API node reports the same fleet-wide
numbers. Scrapers authenticate with the worker token or any API token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mimeo.api.http.deps import ContextDep, get_account, is_worker
from mimeo.store.predictions import ModelLoad
from mimeo.store.workers import RegisteredWorker

router = APIRouter(tags=["metrics"], include_in_schema=False)


class FleetLoad(Collector):
    def __init__(self, loads: list[ModelLoad], workers: list[RegisteredWorker]) -> None:
        self.loads = loads
        self.workers = workers

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
        yield from self._fleet()

    def _fleet(self) -> Iterator[Metric]:
        workers = GaugeMetricFamily(
            "mimeo_workers", "Workers in the fleet registry that offer a SKU", labels=["hardware"]
        )
        instances = GaugeMetricFamily(
            "mimeo_instances",
            "Model instances across the fleet, by hardware and state",
            labels=["worker", "hardware", "state"],
        )
        offering: Counter[str] = Counter()
        for worker in self.workers:
            offering.update(worker.status.hardware)
            states = Counter((i.hardware, i.state) for i in worker.status.instances)
            for (hardware, state), count in sorted(states.items()):
                instances.add_metric([worker.status.worker_id, hardware, state], count)
        for hardware, count in sorted(offering.items()):
            workers.add_metric([hardware], count)
        yield workers
        yield instances


@router.get("/metrics")
async def metrics(request: Request, context: ContextDep) -> Response:
    if not is_worker(request, context):
        await get_account(request, context)
    registry = CollectorRegistry(auto_describe=False)
    loads = await context.store.predictions.load_by_model()
    registry.register(FleetLoad(loads, await context.store.workers.live()))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
