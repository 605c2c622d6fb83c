"""Request latency per route, for this API node (each node reports its own; Prometheus sums).

The route's template (``/v1/predictions/{prediction_id}``), never the raw path, is the label:
ids would make every request a new series.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class RequestMetrics:
    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.latency = Histogram(
            "mimeo_request_seconds",
            "Time to answer an HTTP request, by route, method and status",
            ["route", "method", "status"],
            registry=registry,
            buckets=BUCKETS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: BaseRoute | None = scope.get("route")
            label = getattr(route, "path", None) or UNMATCHED
            self.latency.labels(label, scope["method"], str(status)).observe(
                time.perf_counter() - began
            )
