"""Webhooks wired at the composition root: the outbox on the queue, a dispatcher for the app."""

from __future__ import annotations

from mimeo.api.links import Links
from mimeo.api.serializers import prediction_json
from mimeo.api.signing import UrlSigner
from mimeo.core.url_policy import UrlPolicy
from mimeo.core.webhook_policy import RetryPolicy
from mimeo.queue import PredictionQueue
from mimeo.settings import Settings
from mimeo.store.store import Store
from mimeo.webhooks import Dispatcher, Outbox, Sender


def attach_webhooks(
    settings: Settings, store: Store, queue: PredictionQueue, signer: UrlSigner, listen_url: str
) -> Dispatcher:
    """Webhook bodies carry absolute URLs like any API answer, but no request is at hand to
    take the host from: the configured public URL, else the address this server listens on."""
    links = Links((settings.public_url or listen_url).rstrip("/"), signer)
    outbox = Outbox(lambda prediction: prediction_json(prediction, links))
    queue.on_change = outbox.record
    dispatcher = Dispatcher(
        store.engine,
        RetryPolicy(
            initial_seconds=settings.webhook_initial_backoff_seconds,
            window_seconds=settings.webhook_retry_window_seconds,
        ),
        Sender(UrlPolicy(allow_private=bool(settings.allow_private_urls))),
    )
    outbox.on_recorded = dispatcher.wake
    return dispatcher
