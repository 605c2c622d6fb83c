"""The claim loop: take what fits, run it on an instance, relay what happens, never drop it.

The worker claims only what its pool can place (an ``Offer``), so a busy node leaves work to
others. Each job has a lease. Reports go out at most every ``REPORT_INTERVAL_SECONDS`` while
output and logs flow, and at least every third of the lease as a heartbeat; the answer carries
the cancel flag, which is relayed to the Cog server. Any failure of the model, its environment
or its process ends the prediction as ``failed`` with a reason; if this worker dies instead,
the API's sweeper recovers the lease. On ``drain()`` (SIGTERM) it stops claiming at once,
hands back what has not started, and gives running predictions a grace period to finish
before handing them back too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

import httpx
import structlog

from mimeo.core.errors import MimeoError
from mimeo.core.protocol import Job, Offer
from mimeo.runtime.cog_events import Completed
from mimeo.runtime.instance import InstanceDied, SetupFailed
from mimeo.worker.api_client import ChannelError, LeaseGone, WorkerChannel
from mimeo.worker.files import OutputFiles, inline_inputs
from mimeo.worker.pool import Instance, InstancePool, NoCapacity
from mimeo.worker.relay import Relay

log = structlog.get_logger()
REPORT_INTERVAL_SECONDS = 0.1
CLAIM_WAIT_SECONDS = 20.0
PARTIAL_CLAIM_WAIT_SECONDS = 1.0
"""A claim limited by a full pool waits less: capacity freed here does not wake the server."""
MAX_HEARTBEAT_SECONDS = 1.0
START_COALESCE_SECONDS = 0.01
CANCEL_GRACE_SECONDS = 5.0
IDLE_CHECK_SECONDS = 1.0
WARM_SYNC_SECONDS = 5.0


class Director:
    def __init__(
        self, api: WorkerChannel, pool: InstancePool, *, drain_timeout: float = 25.0
    ) -> None:
        self.api = api
        self.pool = pool
        self.drain_timeout = drain_timeout
        self._draining = asyncio.Event()
        self._running: dict[str, RunningJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Claim and run until ``drain()``; then finish or hand back what is held, and stop."""
        housekeeping = [
            asyncio.create_task(self._stop_idle_instances()),
            asyncio.create_task(self._keep_deployments_warm()),
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
        self._running[job.prediction_id] = running
        task = asyncio.create_task(self.run_job(running))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish_or_hand_back(self) -> None:
        if not self._tasks:
            return
        log.info("worker.draining", running=len(self._tasks), grace=self.drain_timeout)
        for running in list(self._running.values()):
            if not running.predicting:
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

    async def _keep_deployments_warm(self) -> None:
        while True:
            try:
                self.pool.keep_warm(await self.api.warm_targets())
            except (httpx.HTTPError, ChannelError, ValueError) as error:
                log.warning("worker.warm_sync_failed", error=str(error))
            await asyncio.sleep(WARM_SYNC_SECONDS)

    async def run_job(self, running: RunningJob) -> None:
        job = running.job
        log.info("prediction.claimed", prediction_id=job.prediction_id, attempt=job.attempt)
        relay = Relay(self.api.worker_id, iterator_output=False)
        relay.metrics["queue_time"] = job.queued_seconds
        reporter = asyncio.create_task(self._report_until_done(running, relay))
        try:
            running.instance = self.pool.assign(job.version, job.hardware)
            await self._run_on_instance(running, running.instance, relay)
        except NoCapacity:
            relay.hand_back()
        except SetupFailed as error:
            relay.fail(f"Model setup failed: {error.detail}", error.logs)
        except InstanceDied as error:
            running.instance_lost = True
            self._end_after_stop(running, relay, error.detail)
        except MimeoError as error:
            relay.fail(error.detail)
        except Exception as error:  # a worker bug must still end the prediction
            log.exception("worker.job_crashed", prediction_id=job.prediction_id)
            relay.fail(f"mimeo worker error: {type(error).__name__}: {error}")
        finally:
            if not relay.done:
                self._end_after_stop(
                    running, relay, "the model server ended the prediction without a result"
                )
            running.settle()
            await reporter
            self._running.pop(job.prediction_id, None)
            await self._return(running)

    async def _run_on_instance(self, running: RunningJob, instance: Instance, relay: Relay) -> None:
        job = running.job
        setup_seconds = await running.unless_handed_back(self.pool.ready(instance))
        if running.handed_back:
            return
        assert instance.server is not None
        relay.iterator_output = instance.iterator_output
        if setup_seconds is not None:
            relay.metrics["setup_time"] = setup_seconds
            relay.note(
                f"cold start: waited {job.queued_seconds:.2f} s in the queue; "
                f"starting the model took {setup_seconds:.2f} s"
            )
        if running.cancel_requested:
            relay.cancel("canceled before the model started it")
            return
        payload = await inline_inputs(job.input, self.api.blob)
        files = self._output_files(job) if instance.file_output else None
        running.predicting = True
        watchdog = asyncio.get_running_loop().call_later(
            instance.predict_timeout, running.time_out, instance.predict_timeout
        )
        try:
            async for event in instance.server.predict(job.prediction_id, payload):
                if isinstance(event, Completed) and running.stepped_in:
                    break
                relay.add(await files.store_in(event) if files is not None else event)
        finally:
            watchdog.cancel()

    def _end_after_stop(self, running: RunningJob, relay: Relay, otherwise: str) -> None:
        """The one place a prediction's ending is chosen when mimeo had to step in."""
        if running.handed_back:
            relay.hand_back()
        elif running.timed_out is not None:
            relay.fail(
                f"Prediction timed out: it ran longer than the model's limit of "
                f"{running.timed_out:.0f} s"
            )
        elif running.cancel_requested and running.stopped:
            relay.cancel("the model did not stop when asked, so its instance was stopped")
        else:
            relay.fail(otherwise)

    async def _return(self, running: RunningJob) -> None:
        instance = running.instance
        if instance is None:
            return
        if running.instance_lost or running.stopped:
            await self.pool.discard(instance)
        else:
            self.pool.release(instance)

    def _output_files(self, job: Job) -> OutputFiles:
        async def store(name: str, data: bytes, media_type: str) -> str:
            return await self.api.store_output(job.prediction_id, name, data, media_type)

        return OutputFiles(store)

    async def _report_until_done(self, running: RunningJob, relay: Relay) -> None:
        """Flush batches until the outcome is sent; relay a cancel request to the instance."""
        job = running.job
        heartbeat = min(job.lease_seconds / 3, MAX_HEARTBEAT_SECONDS)
        cancel_sent = False
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(relay.changed.wait(), heartbeat)
            if relay.outcome is None and relay.start_pending:
                # A fast prediction's start and end then travel in one report.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(relay.finished.wait(), START_COALESCE_SECONDS)
            done = relay.done
            try:
                answer = await self.api.report(job.prediction_id, relay.take())
            except LeaseGone:
                log.warning("lease.lost", prediction_id=job.prediction_id)
                await running.cancel()
                return
            except (httpx.HTTPError, ChannelError) as error:
                log.warning("worker.report_failed", error=str(error))
                relay.changed.set()
                await asyncio.sleep(0.5)
                continue
            if done:
                return
            if answer.cancel_requested and not cancel_sent:
                cancel_sent = True
                log.info("prediction.cancel_relayed", prediction_id=job.prediction_id)
                await running.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(relay.flush_now.wait(), REPORT_INTERVAL_SECONDS)


class RunningJob:
    """Cog's servers only ask a predictor to stop; one that ignores the request (a sync
    predictor in a blocking call) has its instance stopped after a grace period. A timeout and
    a hand-back stop it the same way."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.instance: Instance | None = None
        self.predicting = False
        self.cancel_requested = False
        self.stopped = False
        self.instance_lost = False
        self.timed_out: float | None = None
        self.handed_back = False
        self._handing_back = asyncio.Event()
        self._stopping: asyncio.Task[None] | None = None
        self._enforcer: asyncio.Task[None] | None = None

    async def cancel(self) -> None:
        self.cancel_requested = True
        await self._ask_to_stop()

    def time_out(self, limit: float) -> None:
        log.warning("prediction.timed_out", prediction_id=self.job.prediction_id, limit=limit)
        self.timed_out = limit
        self._stopping = asyncio.get_running_loop().create_task(self._ask_to_stop())

    async def hand_back(self) -> None:
        """Give the prediction back to the queue: at once while it waits for its instance, by
        stopping the instance once it runs (the ending is then decided in ``run_job``)."""
        if self.handed_back:
            return
        self.handed_back = True
        self._handing_back.set()
        if self.predicting:
            await self._stop_now()

    async def unless_handed_back(self, waiting: Awaitable[float | None]) -> float | None:
        """``waiting``'s result, or None as soon as the prediction is handed back."""
        result: asyncio.Future[Any] = asyncio.ensure_future(waiting)
        handed_back: asyncio.Future[Any] = asyncio.create_task(self._handing_back.wait())
        await asyncio.wait({result, handed_back}, return_when=asyncio.FIRST_COMPLETED)
        handed_back.cancel()
        if not result.done():
            result.cancel()
            return None
        setup_seconds: float | None = result.result()
        return setup_seconds

    async def _ask_to_stop(self) -> None:
        instance = self.instance
        if instance is None or instance.server is None or not self.predicting:
            return
        await instance.server.cancel(self.job.prediction_id)
        if self._enforcer is None:
            self._enforcer = asyncio.create_task(self._stop_after_grace(instance))

    async def _stop_after_grace(self, instance: Instance) -> None:
        await asyncio.sleep(CANCEL_GRACE_SECONDS)
        if self.instance is instance:
            log.warning("prediction.cancel_forced", prediction_id=self.job.prediction_id)
            await self._stop_now()

    async def _stop_now(self) -> None:
        instance = self.instance
        if instance is not None and instance.server is not None:
            self.stopped = True
            await instance.server.stop(grace_seconds=1.0)

    @property
    def stepped_in(self) -> bool:
        """mimeo, not the model, decides how this prediction ends."""
        return self.stopped or self.handed_back or self.timed_out is not None

    def settle(self) -> None:
        if self._enforcer is not None:
            self._enforcer.cancel()
