"""A new prediction handed straight to a worker's claim that waits for it on this node.

A worker waiting in ``claim_job`` looked at the queue and found nothing it could take. If no
work was announced since (the bus's work generation is the one it looked at), a new prediction
that fits its offer is exactly what its next look would claim: it is created already leased to
that worker (``PredictionQueue.enqueue_claimed``) and handed over, without a claim transaction
or a wake-up. Everything after is a normal claim's: the lease expires if the worker dies, a
cancel is a flag on the row, the attempt is counted.

Claims wait here with an offer (the embedded worker's, and a remote worker's over HTTP), never
for a deployment's prediction (its ``max_in_flight`` is counted by the claim) nor one whose
``Cancel-After`` leaves it no time (the claim leaves those to the sweeper). A claim that stops
waiting after it was chosen (the worker is draining) gives the prediction back, as does an HTTP
claim whose worker hung up: the hand-off never leases a prediction to a worker known to be gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import structlog

from mimeo.core.protocol import Offer
from mimeo.core.records import NewPrediction, Prediction
from mimeo.queue import Claim, PredictionQueue

log = structlog.get_logger()


@dataclass(eq=False)
class WaitingClaim:
    worker_id: str
    offer: Offer
    generation: int
    """The bus's work generation when this claim last looked and found nothing."""
    handed: asyncio.Future[Claim | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    """A claim handed over, or None: look again (the hand-off failed)."""

    def fits(self, new: NewPrediction) -> bool:
        """What this worker's claim would take: a warm slot of the version, hardware and kind,
        or room to start an instance on the hardware."""
        if new.hardware in self.offer.startable_hardware:
            return True
        return any(
            (slot.version, slot.hardware, slot.kind) == (new.version, new.hardware, new.kind)
            for slot in self.offer.warm
        )


class HandOffs:
    def __init__(self) -> None:
        self._waiting: list[WaitingClaim] = []

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def wait(self, worker_id: str, offer: Offer, generation: int) -> WaitingClaim:
        waiting = WaitingClaim(worker_id, offer, generation)
        self._waiting.append(waiting)
        return waiting

    def leave(self, waiting: WaitingClaim) -> bool:
        """False when ``waiting`` was chosen for a hand-off meanwhile: its ``handed`` is
        resolved soon."""
        if waiting in self._waiting:
            self._waiting.remove(waiting)
            return True
        return False

    def choose(self, new: NewPrediction, generation: int) -> WaitingClaim | None:
        """The waiting claim ``new`` goes to, taken off the list; None when it is queued."""
        no_time = new.cancel_after_seconds is not None and new.cancel_after_seconds <= 0
        if new.deployment is not None or no_time:
            return None
        for waiting in self._waiting:
            if waiting.generation == generation and waiting.fits(new):
                self._waiting.remove(waiting)
                return waiting
        return None


async def wait_for_work_or_hand_off(
    hand_offs: HandOffs,
    queue: PredictionQueue,
    work: Awaitable[bool],
    waiting: WaitingClaim,
    gone: asyncio.Future[None] | None = None,
) -> Claim | None:
    """Wait on ``work`` (the bus's "work available") unless a prediction is handed to
    ``waiting`` first: then its claim. A wait cut short after it was chosen gives the prediction
    back (or has the hand-off do so), as does one whose worker is ``gone`` by then."""
    woken = asyncio.ensure_future(work)
    either: set[asyncio.Future[Any]] = {woken, waiting.handed}
    if gone is not None:
        either.add(gone)
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if hand_offs.leave(waiting):
            return None
        claim = await waiting.handed
        if claim is not None and gone is not None and gone.done():
            await _give_back(queue, claim.prediction, waiting.worker_id)
            return None
        return claim
    except asyncio.CancelledError:
        if not hand_offs.leave(waiting):
            await _undo(queue, waiting)
        raise
    finally:
        woken.cancel()


async def _undo(queue: PredictionQueue, waiting: WaitingClaim) -> None:
    handed = waiting.handed
    if not handed.done():
        handed.cancel()  # the hand-off, under way, gives the prediction back itself
    elif not handed.cancelled() and (claim := handed.result()) is not None:
        await _give_back(queue, claim.prediction, waiting.worker_id)


async def _give_back(queue: PredictionQueue, prediction: Prediction, worker_id: str) -> Prediction:
    try:
        return await queue.hand_back(prediction.id, worker_id)
    except Exception:  # committed all the same: the lease expires and the sweeper requeues it
        log.exception("prediction.hand_off_undone", prediction_id=prediction.id)
        return prediction


async def hand_off_or_enqueue(
    hand_offs: HandOffs, queue: PredictionQueue, generation: int, new: NewPrediction
) -> Prediction:
    """``new`` created, leased to a waiting claim when one fits it, else queued."""
    waiting = hand_offs.choose(new, generation)
    if waiting is None:
        return await queue.enqueue(new)
    try:
        claim = await queue.enqueue_claimed(new, waiting.worker_id)
    except BaseException:
        if not waiting.handed.done():
            waiting.handed.set_result(None)
        raise
    if not waiting.handed.done():
        waiting.handed.set_result(claim)
        return claim.prediction
    return await _give_back(queue, claim.prediction, waiting.worker_id)
