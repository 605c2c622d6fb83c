"""``GET /metrics``: Prometheus text for autoscalers and dashboards.

The fleet-wide numbers (queue depth and the oldest queued prediction per model, deployment and
SKU; predictions by status; workers and instances from the fleet registry; cold starts; the
webhook backlog) are read from the database at scrape time, so every API node reports the same.
Request latency is this node's own. Scrapers authenticate with the worker token or an
administrator's token: the labels name every account's models and deployments, private ones too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mimeo.api.http.deps import ContextDep, OperatorDep
from mimeo.core.clock import utc_now
from mimeo.store.predictions import ModelLoad, StatusCount
from mimeo.store.workers import RegisteredWorker
from mimeo.webhooks.deliveries import DeliveryRepository

router = APIRouter(tags=["metrics"], include_in_schema=False)
LOAD_LABELS = ["model", "hardware", "deployment"]


class Fleet(Collector):
    def __init__(
        self,
        loads: list[ModelLoad],
        statuses: list[StatusCount],
        workers: list[RegisteredWorker],
        webhooks: tuple[int, int],
        now: datetime,
    ) -> None:
        self.loads = loads
        self.statuses = statuses
        self.workers = workers
        self.webhooks = webhooks
        self.now = now

    def collect(self) -> Iterator[Metric]:
        yield from self._queue()
        yield from self._predictions()
        yield from self._workers()
        yield from self._webhooks()

    def _queue(self) -> Iterator[Metric]:
        queued = GaugeMetricFamily(
            "mimeo_queue_depth", "Predictions waiting for a worker", labels=LOAD_LABELS
        )
        running = GaugeMetricFamily(
            "mimeo_predictions_running", "Predictions a worker holds", labels=LOAD_LABELS
        )
        oldest = GaugeMetricFamily(
            "mimeo_queue_oldest_age_seconds",
            "How long the oldest waiting prediction has waited",
            labels=LOAD_LABELS,
        )
        for load in self.loads:
            labels = [load.model, load.hardware, load.deployment or ""]
            queued.add_metric(labels, load.queued)
            running.add_metric(labels, load.running)
            if load.oldest_queued_at is not None:
                age = (self.now - load.oldest_queued_at).total_seconds()
                oldest.add_metric(labels, max(0.0, age))
        yield from (queued, running, oldest)

    def _predictions(self) -> Iterator[Metric]:
        by_status = GaugeMetricFamily(
            "mimeo_predictions",
            "Predictions stored, by model and status",
            labels=["model", "status"],
        )
        for count in self.statuses:
            by_status.add_metric([count.model, count.status], count.count)
        yield by_status

    def _workers(self) -> Iterator[Metric]:
        workers = GaugeMetricFamily(
            "mimeo_workers", "Workers in the fleet registry that offer a SKU", labels=["hardware"]
        )
        instances = GaugeMetricFamily(
            "mimeo_instances",
            "Model instances across the fleet, by worker, hardware and state",
            labels=["worker", "hardware", "state"],
        )
        cold_starts = CounterMetricFamily(
            "mimeo_cold_starts", "Instances started, by worker", labels=["worker"]
        )
        cold_start_seconds = CounterMetricFamily(
            "mimeo_cold_start_seconds", "Seconds instances took to start", labels=["worker"]
        )
        offering: Counter[str] = Counter()
        for worker in self.workers:
            status = worker.status
            offering.update(status.hardware)
            states = Counter((i.hardware, i.state) for i in status.instances)
            for (hardware, state), count in sorted(states.items()):
                instances.add_metric([status.worker_id, hardware, state], count)
            cold_starts.add_metric([status.worker_id], status.cold_starts)
            cold_start_seconds.add_metric([status.worker_id], status.cold_start_seconds)
        for hardware, count in sorted(offering.items()):
            workers.add_metric([hardware], count)
        yield from (workers, instances, cold_starts, cold_start_seconds)

    def _webhooks(self) -> Iterator[Metric]:
        waiting, failed = self.webhooks
        yield GaugeMetricFamily(
            "mimeo_webhook_backlog", "Webhook events not delivered yet", value=waiting
        )
        yield GaugeMetricFamily(
            "mimeo_webhook_failed", "Webhook events given up on after retrying", value=failed
        )


@router.get("/metrics", dependencies=[OperatorDep])
async def metrics(request: Request, context: ContextDep) -> Response:
    store = context.store
    fleet = CollectorRegistry(auto_describe=False)
    fleet.register(
        Fleet(
            await store.predictions.load_by_model(),
            await store.predictions.count_by_status(),
            await store.workers.live(),
            await DeliveryRepository(store.engine).backlog(),
            utc_now(),
        )
    )
    node: CollectorRegistry = request.app.state.request_metrics
    return Response(generate_latest(fleet) + generate_latest(node), media_type=CONTENT_TYPE_LATEST)
