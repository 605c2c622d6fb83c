"""The dispatcher: a task in every API process that drains the outbox.

It claims due events, runs each attempt as its own task (so one slow receiver does not hold up
the others), and records the outcome: delivered, retry later (exponential backoff), or given up
once the retry window has passed. Everything it knows is in the database, so a restarted or
second API node carries on where another left off. Stopping releases the events it was
sending, so a restart sends them again at once, under the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.clock import Clock, utc_now
from mimeo.core.webhook_policy import RetryPolicy
from mimeo.webhooks.deliveries import Delivery, DeliveryRepository
from mimeo.webhooks.secrets import AccountSecrets
from mimeo.webhooks.sender import ATTEMPT_TIMEOUT_SECONDS, Delivered, Sender

log = structlog.get_logger()

POLL_SECONDS = 0.5
MAX_IN_FLIGHT = 32
LOCK_SECONDS = 3 * ATTEMPT_TIMEOUT_SECONDS
"""Comfortably longer than an attempt can take, so a live attempt never loses its claim."""


class Dispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        retry: RetryPolicy,
        sender: Sender,
        clock: Clock = utc_now,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._deliveries = DeliveryRepository(engine)
        self._secrets = AccountSecrets(engine)
        self._retry = retry
        self._sender = sender
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}

    def wake(self) -> None:
        """Something may be due: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled. Database trouble is logged and retried at the next poll."""
        try:
            while True:
                claimed = await self._claim_safely(MAX_IN_FLIGHT - len(self._in_flight))
                for delivery in claimed:
                    self._in_flight[delivery.id] = asyncio.create_task(self._attempt(delivery))
                if not claimed or len(self._in_flight) >= MAX_IN_FLIGHT:
                    await self._idle()
        finally:
            await self._stop()

    async def dispatch_due(self) -> int:
        """One round: claim what is due now, attempt it all, wait for the outcomes."""
        claimed = await self._deliveries.claim(self._clock(), LOCK_SECONDS, MAX_IN_FLIGHT)
        await asyncio.gather(*(self._attempt(delivery) for delivery in claimed))
        return len(claimed)

    async def _claim_safely(self, room: int) -> list[Delivery]:
        if room <= 0:
            return []
        try:
            return await self._deliveries.claim(self._clock(), LOCK_SECONDS, room)
        except Exception:  # the dispatcher must outlive a database hiccup
            log.exception("webhook.claim_failed")
            return []

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
        self._wake.clear()

    async def _attempt(self, delivery: Delivery) -> None:
        """A cancelled attempt stays in ``_in_flight`` for ``_stop`` to release; any other
        end leaves it, settled or, after a crash, locked until the lock expires."""
        try:
            await self._attempt_and_record(delivery)
        except Exception:  # one event's trouble must not stop the others
            log.exception("webhook.attempt_crashed", webhook_id=delivery.id)
        self._in_flight.pop(delivery.id, None)
        self.wake()

    async def _attempt_and_record(self, delivery: Delivery) -> None:
        secret = delivery.secret or await self._secrets.get_or_create(delivery.account_id)
        outcome = await self._sender.send(
            delivery.url, delivery.id, delivery.body, secret, self._clock()
        )
        now = self._clock()
        fields = {
            "webhook_id": delivery.id,
            "prediction_id": delivery.prediction_id,
            "webhook_event": delivery.event,
            "host": urlsplit(delivery.url).hostname,
            "attempt": delivery.attempts,
        }
        if isinstance(outcome, Delivered):
            await self._deliveries.delivered(delivery.id, now)
            log.info("webhook.delivered", status=outcome.status, **fields)
            return
        retry_at = None
        if not outcome.permanent:
            retry_at = self._retry.next_attempt(
                attempts=delivery.attempts, due_at=delivery.due_at, now=now
            )
        if retry_at is None:
            await self._deliveries.gave_up(delivery.id, now, outcome.error)
            log.warning("webhook.gave_up", error=outcome.error, **fields)
        else:
            await self._deliveries.retry_at(delivery.id, retry_at, outcome.error)
            log.info(
                "webhook.retry_scheduled",
                error=outcome.error,
                next_attempt_at=retry_at.isoformat(),
                **fields,
            )

    async def _stop(self) -> None:
        """Abandon the attempts under way and unlock their events for whoever runs next."""
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        abandoned = list(self._in_flight)
        self._in_flight.clear()
        try:
            await self._deliveries.release(abandoned)
        except (SQLAlchemyError, OSError):  # their locks expire on their own
            log.exception("webhook.release_failed", webhook_ids=abandoned)
        finally:
            await self._sender.close()
