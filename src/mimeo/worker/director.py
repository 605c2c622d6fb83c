"""The claim loop: take what fits, hand it to the job runner, keep the pool tidy, drain.

The worker claims only what its pool can place (an ``Offer``), so a busy node leaves work to
others; ``JobRunner`` runs each claimed prediction and relays it. On ``drain()`` (SIGTERM) the
director stops claiming at once, hands back what has not started, and gives running
predictions a grace period to finish before handing them back too.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import structlog

from mimeo.core.fleet import HEARTBEAT_SECONDS
from mimeo.core.protocol import Job, Offer, WorkerStatus
from mimeo.core.worker_limits import DRAIN_TIMEOUT_SECONDS
from mimeo.worker.api_client import ChannelError, WorkerChannel
from mimeo.worker.hardware import Inventory
from mimeo.worker.job_runner import JobRunner
from mimeo.worker.pool import InstancePool
from mimeo.worker.running_job import Phase, RunningJob

log = structlog.get_logger()
CLAIM_WAIT_SECONDS = 20.0
PARTIAL_CLAIM_WAIT_SECONDS = 1.0
"""A claim limited by a full pool waits less: capacity freed here does not wake the server."""
IDLE_CHECK_SECONDS = 1.0


class Director:
    def __init__(
        self,
        api: WorkerChannel,
        pool: InstancePool,
        *,
        drain_timeout: float = DRAIN_TIMEOUT_SECONDS,
        inventory: Inventory | None = None,
    ) -> None:
        self.api = api
        self.pool = pool
        self.inventory = inventory
        self.drain_timeout = drain_timeout
        self._draining = asyncio.Event()
        self._runner = JobRunner(api, pool)
        self._running: dict[str, RunningJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Claim and run until ``drain()``; then finish or hand back what is held, and stop."""
        housekeeping = [
            asyncio.create_task(self._stop_idle_instances()),
            asyncio.create_task(self._heartbeat_and_keep_warm()),
        ]
        try:
            await self._claim_until_drained()
            await self._finish_or_hand_back()
        finally:
            for task in housekeeping:
                task.cancel()
            await asyncio.gather(*housekeeping, return_exceptions=True)
            await self.pool.close()

    def drain(self) -> None:
        self._draining.set()

    async def _claim_until_drained(self) -> None:
        backoff = 0.5
        while not self._draining.is_set():
            offer = self.pool.offer()
            if offer.empty:
                await self._until_capacity_or_drain()
                continue
            try:
                job = await self._claim(offer)
                backoff = 0.5
            except (httpx.HTTPError, ChannelError, ValueError) as error:
                log.warning("worker.claim_failed", error=str(error))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if job is not None:
                self._start_job(job)

    async def _claim(self, offer: Offer) -> Job | None:
        """A long poll, cut short by ``drain()`` (the API does not hand a prediction to a
        caller that hung up)."""
        full = set(offer.startable_hardware) == set(self.pool.skus)
        wait = CLAIM_WAIT_SECONDS if full else PARTIAL_CLAIM_WAIT_SECONDS
        claim = asyncio.create_task(self.api.claim(wait, offer))
        drained = asyncio.create_task(self._draining.wait())
        await asyncio.wait({claim, drained}, return_when=asyncio.FIRST_COMPLETED)
        drained.cancel()
        if not claim.done():
            claim.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await claim
            return None
        return claim.result()

    async def _until_capacity_or_drain(self) -> None:
        self.pool.changed.clear()
        changed = asyncio.create_task(self.pool.changed.wait())
        drained = asyncio.create_task(self._draining.wait())
        await asyncio.wait({changed, drained}, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
        changed.cancel()
        drained.cancel()

    def _start_job(self, job: Job) -> None:
        running = RunningJob(job)
        self._runner.place(running)
        self._running[job.prediction_id] = running
        task = asyncio.create_task(self._runner.run(running))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _task: self._running.pop(job.prediction_id, None))

    async def _finish_or_hand_back(self) -> None:
        if not self._tasks:
            return
        log.info("worker.draining", running=len(self._tasks), grace=self.drain_timeout)
        for running in list(self._running.values()):
            if running.phase is Phase.WAITING:
                # Waiting for a cold start: another worker may have the model warm.
                await running.hand_back()
        _done, late = await asyncio.wait(set(self._tasks), timeout=self.drain_timeout)
        if late:
            for running in list(self._running.values()):
                await running.hand_back()
            await asyncio.wait(late)

    async def _stop_idle_instances(self) -> None:
        while True:
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            self.pool.stop_idle()

    def status(self) -> WorkerStatus:
        return WorkerStatus(
            worker_id=self.api.worker_id,
            hardware=list(self.pool.skus),
            cpus=self.inventory.cpus if self.inventory else 0,
            memory_bytes=self.inventory.memory_bytes if self.inventory else 0,
            gpus=len(self.pool.gpus),
            max_instances=self.pool.limits.max_instances,
            instances=[instance.report() for instance in self.pool.instances],
            stopped=list(self.pool.stopped),
            cold_starts=self.pool.cold_starts,
            cold_start_seconds=self.pool.cold_start_seconds,
        )

    async def _heartbeat_and_keep_warm(self) -> None:
        """The fleet registry hears this worker; the answer is its share of warm instances."""
        while True:
            try:
                status = self.status()
                self.pool.keep_warm(await self.api.heartbeat(status))
                self.pool.heard(status.stopped)
            except (httpx.HTTPError, ChannelError, ValueError) as error:
                log.warning("worker.heartbeat_failed", error=str(error))
            await asyncio.sleep(HEARTBEAT_SECONDS)
