"""The app factory: everything a route needs is passed in, nothing is read from the environment."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from mimeo.api import problems
from mimeo.api.body_limit import BodyLimit
from mimeo.api.context import AppContext
from mimeo.api.docs import install_docs
from mimeo.api.json_text import refuse_lone_surrogates_in_json
from mimeo.api.openapi_responses import document_answers
from mimeo.api.recovery import sweep_forever
from mimeo.api.routes import (
    account,
    deployments,
    files,
    internal,
    metrics,
    models,
    predictions,
    push,
    streams,
    webhooks,
)
from mimeo.api.unhandled import UnhandledErrors


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
        sweeper = asyncio.create_task(sweep_forever(context))
        dispatcher = asyncio.create_task(context.webhooks.run()) if context.webhooks else None
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            if dispatcher is not None:
                dispatcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await dispatcher

    app = FastAPI(
        title="mimeo",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # install_docs serves it without a CDN
        redoc_url=None,
        dependencies=[Depends(refuse_lone_surrogates_in_json)],
    )
    app.state.context = context
    app.state.public_url = context.settings.public_url
    problems.install(app)
    install_docs(app)

    app.add_middleware(BodyLimit, max_bytes=context.settings.max_upload_bytes)
    app.add_middleware(DoubleV1Alias)
    app.add_middleware(UnhandledErrors)  # last added, so outermost: it sees every error

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    routers = (
        models,
        push,
        predictions,
        deployments,
        streams,
        files,
        account,
        internal,
        webhooks,
        metrics,
    )
    for module in routers:
        app.include_router(module.router)
    document_answers(app)
    return app
