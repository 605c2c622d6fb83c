"""The outbox: each webhook event a prediction change causes, written in the change's own
transaction (the queue calls ``Outbox.record`` as its change hook).

A row holds what is sent: the URL, the prediction JSON at the moment of the event, and the
``webhook-id`` it keeps across retries. ``seq`` orders a prediction's events; the dispatcher
sends them strictly in that order.

Throttling, without losing anything: an ``output``/``logs`` event is due no sooner than
``THROTTLE_SECONDS`` after the previous one. Until a progress event is first attempted, newer
progress folds into it (its body becomes the newer snapshot, which holds all output and logs so
far). So a model that prints a thousand lines a second costs the receiver two requests a second,
and a receiver that is down for an hour finds a few events waiting, not thousands.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mimeo.core.changes import ChangeKind, PredictionChange
from mimeo.core.clock import Clock, utc_now
from mimeo.core.ids import new_webhook_message_id
from mimeo.core.records import Prediction, as_utc
from mimeo.core.webhook_policy import PROGRESS_EVENTS, WebhookEvent, subscribed, throttled_due
from mimeo.store.tables import webhook_deliveries

Render = Callable[[Prediction], dict[str, Any]]
"""The prediction as ``GET /v1/predictions/{id}`` returns it; the API provides it."""

deliveries = webhook_deliveries


def event_for(change: PredictionChange, wanted: frozenset[WebhookEvent]) -> WebhookEvent | None:
    """The one event a change causes for a webhook that wants ``wanted``, if any.

    ``start`` is sent at creation, as Replicate does (the move to ``processing`` is not an
    event, though the logs and output that came with it are). A change with both new output and
    new logs is one request: the body carries both. The final object goes as ``completed``; a
    webhook that did not ask for ``completed`` but asked for output or logs still hears about
    the last of them (as Cog's own server does).
    """
    if change.kind is ChangeKind.CREATED:
        return WebhookEvent.START if WebhookEvent.START in wanted else None
    if change.kind is ChangeKind.COMPLETED and WebhookEvent.COMPLETED in wanted:
        return WebhookEvent.COMPLETED
    if change.kind not in (ChangeKind.STARTED, ChangeKind.PROGRESSED, ChangeKind.COMPLETED):
        return None
    if change.new_output and WebhookEvent.OUTPUT in wanted:
        return WebhookEvent.OUTPUT
    if change.new_logs and WebhookEvent.LOGS in wanted:
        return WebhookEvent.LOGS
    return None


class Outbox:
    """``record`` is the queue's ``ChangeHook``. ``on_recorded`` is a best-effort nudge to a
    local dispatcher; it runs before the transaction commits, so the dispatcher still polls."""

    def __init__(self, render: Render, clock: Clock = utc_now) -> None:
        self._render = render
        self._clock = clock
        self.on_recorded: Callable[[], None] | None = None

    async def record(self, conn: AsyncConnection, change: PredictionChange) -> None:
        prediction = change.prediction
        if not prediction.webhook:
            return
        event = event_for(change, subscribed(prediction.webhook_events_filter))
        if event is None:
            return
        body = json.dumps(self._render(prediction), separators=(",", ":"))
        if event in PROGRESS_EVENTS:
            await self._append_progress(conn, prediction.id, prediction.webhook, event, body)
        else:
            await self._append(conn, prediction.id, prediction.webhook, event, body, self._clock())
        if self.on_recorded is not None:
            self.on_recorded()

    async def _append_progress(
        self, conn: AsyncConnection, prediction_id: str, url: str, event: WebhookEvent, body: str
    ) -> None:
        latest = (
            await conn.execute(
                select(deliveries.c.id, deliveries.c.event, deliveries.c.attempts)
                .where(deliveries.c.prediction_id == prediction_id)
                .order_by(deliveries.c.seq.desc())
                .limit(1)
            )
        ).first()
        if latest is not None and latest.event in PROGRESS_EVENTS and latest.attempts == 0:
            # Never tried yet (a claim counts as an attempt), so nobody has seen the old body.
            folded = await conn.execute(
                update(deliveries)
                .where(deliveries.c.id == latest.id, deliveries.c.attempts == 0)
                .values(body=body, event=event)
            )
            if folded.rowcount == 1:
                return
        previous_due = (
            await conn.execute(
                select(func.max(deliveries.c.due_at)).where(
                    deliveries.c.prediction_id == prediction_id,
                    deliveries.c.event.in_([str(e) for e in PROGRESS_EVENTS]),
                )
            )
        ).scalar_one_or_none()
        due = throttled_due(as_utc(previous_due), self._clock())
        await self._append(conn, prediction_id, url, event, body, due)

    async def _append(
        self,
        conn: AsyncConnection,
        prediction_id: str,
        url: str,
        event: WebhookEvent,
        body: str,
        due: datetime,
    ) -> None:
        """The prediction row is written (hence locked) in this same transaction, so no other
        change of this prediction can pick the same ``seq``; the unique constraint backs that."""
        last_seq = (
            await conn.execute(
                select(func.max(deliveries.c.seq)).where(
                    deliveries.c.prediction_id == prediction_id
                )
            )
        ).scalar_one_or_none()
        await conn.execute(
            insert(deliveries).values(
                id=new_webhook_message_id(),
                prediction_id=prediction_id,
                seq=(last_seq or 0) + 1,
                event=event,
                url=url,
                body=body,
                attempts=0,
                due_at=due,
                next_attempt_at=due,
                created_at=self._clock(),
            )
        )
