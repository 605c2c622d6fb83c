"""The app factory: everything a route needs is passed in, nothing is read from the environment."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp, Receive, Scope, Send

from mimeo.api.context import AppContext
from mimeo.api.http import problems
from mimeo.api.http.body_limit import BodyLimit
from mimeo.api.http.docs import install_docs
from mimeo.api.http.json_text import refuse_lone_surrogates_in_json
from mimeo.api.http.openapi_responses import document_answers
from mimeo.api.http.request_metrics import RequestMetrics
from mimeo.api.http.unhandled import UnhandledErrors
from mimeo.api.routes import (
    account,
    admin,
    admin_collections,
    billing,
    collections,
    deployments,
    files,
    internal,
    metrics,
    model_docs,
    models,
    pages,
    predictions,
    push,
    search,
    streams,
    tokens,
    trainings,
    webhooks,
)
from mimeo.api.services.recovery import sweep_forever
from mimeo.api.web import (
    account_page,
    deployment_pages,
    model_pages,
    prediction_pages,
    runs,
    signin,
)
from mimeo.web.templating import STATIC_DIR


class DoubleV1Alias:
    """A base URL set with ``/v1`` makes the Python client ask for ``/v1/v1/...``: serve it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/v1/"):
            scope = {**scope, "path": scope["path"][3:], "raw_path": scope["path"][3:].encode()}
        await self.app(scope, receive, send)


def create_app(context: AppContext) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        duties = [sweep_forever(context)]
        if context.webhooks is not None:
            duties.append(context.webhooks.run())
        if context.cross_node is not None:
            duties.append(context.cross_node.run())
        running = [asyncio.create_task(duty) for duty in duties]
        try:
            yield
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    app = FastAPI(
        title="mimeo",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # install_docs serves it without a CDN
        redoc_url=None,
        dependencies=[Depends(refuse_lone_surrogates_in_json)],
        # mimeo keeps its own metrics (/metrics); FastAPI's OpenTelemetry hooks, unconfigured,
        # still asked the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.context = context
    app.state.public_url = context.settings.public_url
    problems.install(app)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="web-static")

    app.state.request_metrics = CollectorRegistry(auto_describe=False)
    app.add_middleware(BodyLimit, max_bytes=context.settings.max_upload_bytes)
    app.add_middleware(RequestMetrics, registry=app.state.request_metrics)
    app.add_middleware(DoubleV1Alias)
    app.add_middleware(UnhandledErrors)  # last added, so outermost: it sees every error

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    routers = (
        models,
        model_docs,
        search,
        collections,
        push,
        predictions,
        trainings,
        deployments,
        streams,
        files,
        account,
        billing,
        tokens,
        admin,
        admin_collections,
        internal,
        webhooks,
        metrics,
        pages,
        # The web UI last: a model page's /{owner}/{name} would shadow any route after it.
        signin,
        prediction_pages,
        deployment_pages,
        account_page,
        runs,
        model_pages,
    )
    for module in routers:
        app.include_router(module.router)
    document_answers(app)
    return app
