"""Webhooks wired at the composition root: the outbox records with the queue, a dispatcher
sends for the app."""

from __future__ import annotations

from mimeo.api.context import AppContext
from mimeo.api.http.links import Links
from mimeo.api.http.serializers import job_json
from mimeo.core.webhook_policy import RetryPolicy
from mimeo.webhooks import Dispatcher, Outbox, Sender


def attach_webhooks(context: AppContext, listen_url: str) -> Dispatcher:
    """Webhook bodies carry absolute URLs like any API answer, but no request is at hand to
    take the host from: the configured public URL, else the address this server listens on."""
    settings = context.settings
    links = Links((settings.public_url or listen_url).rstrip("/"), context.signer)
    outbox = Outbox(lambda prediction: job_json(prediction, links))
    context.queue.record_with(outbox.record)
    dispatcher = Dispatcher(
        context.store.engine,
        RetryPolicy(
            initial_seconds=settings.webhook_initial_backoff_seconds,
            window_seconds=settings.webhook_retry_window_seconds,
        ),
        Sender(context.url_policy),
    )
    outbox.on_recorded = dispatcher.wake
    return dispatcher
