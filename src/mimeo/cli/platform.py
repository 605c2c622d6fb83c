"""The composition root of one API node: store, queue, bus, blobs, signing and webhooks, wired
once. ``mimeo serve`` runs on it, and so do the in-process tests, so what they test is what runs.

The queue announces every prediction change; here the event bus listens to it (after commit), and
the webhook outbox and the prediction meter record with it (inside the change's transaction). On
PostgreSQL a notifier records with it too, so every other API node's bus hears the change through
``LISTEN``.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator

import structlog
from sqlalchemy.exc import SQLAlchemyError

from mimeo.api.context import AppContext
from mimeo.api.http.signing import UrlSigner
from mimeo.billing import PredictionMeter
from mimeo.cli.webhooks import attach_webhooks
from mimeo.core.errors import NotFound
from mimeo.core.records import Prediction
from mimeo.events import EventBus
from mimeo.events.cross_node import CrossNodeListener, LoadPrediction, listen_dsn
from mimeo.queue import PredictionQueue
from mimeo.settings import Settings
from mimeo.storage.factory import open_blob_store
from mimeo.store.notifications import ChangeNotifier
from mimeo.store.store import Store

log = structlog.get_logger()


def _reader(store: Store) -> LoadPrediction:
    async def read(prediction_id: str) -> Prediction | None:
        try:
            return await store.predictions.get(prediction_id)
        except (NotFound, SQLAlchemyError, OSError) as error:
            log.warning("events.read_failed", error=f"{type(error).__name__}: {error}")
            return None

    return read


@contextlib.asynccontextmanager
async def platform(settings: Settings, listen_url: str) -> AsyncIterator[AppContext]:
    """``listen_url`` is where this node answers, for webhook bodies' URLs when no public URL
    is configured."""
    store = await Store.open(settings.resolved_database_url, settings.starting_credit_micros)
    bus = EventBus()
    queue = PredictionQueue(store.engine, lease_seconds=settings.lease_seconds)
    queue.listen(bus.announce)
    prices = settings.price_list
    queue.record_with(PredictionMeter(prices).record)
    context = AppContext(
        settings=settings,
        store=store,
        queue=queue,
        bus=bus,
        blobs=open_blob_store(
            settings.storage_url,
            settings.data_dir,
            s3_endpoint_url=settings.s3_endpoint_url,
            s3_region=settings.s3_region,
        ),
        worker_token=settings.worker_token or secrets.token_urlsafe(32),
        signer=UrlSigner(await store.secrets.get_or_create("url-signing")),
        prices=prices,
    )
    context.webhooks = attach_webhooks(context, listen_url)
    if store.engine.dialect.name == "postgresql":
        node = secrets.token_hex(4)
        queue.record_with(ChangeNotifier(node))
        context.cross_node = CrossNodeListener(
            listen_dsn(settings.resolved_database_url),
            node,
            bus,
            _reader(store),
            forget_credentials=context.tokens.forget_all,
        )
    try:
        yield context
    finally:
        await context.blobs.close()
        await store.close()
