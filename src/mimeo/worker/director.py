"""The claim loop: take a prediction, run it on an instance, relay what happens, never drop it.

Each job has a lease. Reports go out at most every ``REPORT_INTERVAL_SECONDS`` while output and
logs flow, and at least every third of the lease as a heartbeat; the answer carries the cancel
flag, which is relayed to the Cog server. Any failure of the model, its environment or its
process ends the prediction as ``failed`` with a reason; if this worker dies instead, the API's
sweeper recovers the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import structlog

from mimeo.core.errors import MimeoError
from mimeo.core.protocol import Job
from mimeo.runtime.instance import InstanceDied, SetupFailed
from mimeo.worker.api_client import ChannelError, LeaseGone, WorkerChannel
from mimeo.worker.files import OutputFiles, inline_inputs
from mimeo.worker.pool import InstancePool, Slot
from mimeo.worker.relay import Relay

log = structlog.get_logger()
REPORT_INTERVAL_SECONDS = 0.1
CLAIM_WAIT_SECONDS = 20.0
MAX_HEARTBEAT_SECONDS = 1.0
START_COALESCE_SECONDS = 0.01
CANCEL_GRACE_SECONDS = 5.0


class Director:
    def __init__(self, api: WorkerChannel, pool: InstancePool, concurrency: int = 1) -> None:
        self.api = api
        self.pool = pool
        self.concurrency = concurrency
        self._draining = asyncio.Event()

    async def run(self) -> None:
        """Run ``concurrency`` claim loops until ``drain()``; finish what is held, then stop."""
        try:
            await asyncio.gather(*(self._loop() for _ in range(self.concurrency)))
        finally:
            await self.pool.close()

    def drain(self) -> None:
        self._draining.set()

    async def _loop(self) -> None:
        backoff = 0.5
        while not self._draining.is_set():
            try:
                job = await self.api.claim(CLAIM_WAIT_SECONDS)
                backoff = 0.5
            except (httpx.HTTPError, ChannelError, ValueError) as error:
                log.warning("worker.claim_failed", error=str(error))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if job is not None:
                await self.run_job(job)

    async def run_job(self, job: Job) -> None:
        log.info("prediction.claimed", prediction_id=job.prediction_id, attempt=job.attempt)
        relay = Relay(self.api.worker_id, iterator_output=False)
        running = RunningJob(job)
        reporter = asyncio.create_task(self._report_until_done(running, relay))
        began = time.monotonic()
        try:
            running.slot, cold = await self.pool.acquire(job.version)
            relay.iterator_output = running.slot.iterator_output
            if cold:
                relay.metrics["setup_time"] = time.monotonic() - began
            if running.cancel_requested:
                relay.cancel("canceled before the model started it")
                return
            payload = await inline_inputs(job.input, self.api.blob)
            files = self._output_files(job) if running.slot.file_output else None
            async for event in running.slot.instance.predict(job.prediction_id, payload):
                relay.add(await files.store_in(event) if files is not None else event)
        except SetupFailed as error:
            relay.fail(f"Model setup failed: {error.detail}", error.logs)
        except InstanceDied as error:
            relay.fail(str(error.detail))
            running.instance_lost = True
        except MimeoError as error:
            relay.fail(error.detail)
        except Exception as error:  # a worker bug must still end the prediction
            log.exception("worker.job_crashed", prediction_id=job.prediction_id)
            relay.fail(f"mimeo worker error: {type(error).__name__}: {error}")
        finally:
            if running.stopped_for_cancel:
                relay.cancel("the model did not stop when asked, so its instance was stopped")
            if relay.outcome is None:
                relay.fail("the model server ended the prediction without a result")
            running.settle()
            await reporter
            if running.slot is not None:
                if running.instance_lost or running.stopped_for_cancel:
                    await self.pool.discard(running.slot)
                else:
                    self.pool.release(running.slot)

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
            done = relay.outcome is not None
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
    predictor in a blocking call) has its instance stopped after a grace period."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.slot: Slot | None = None
        self.stopped_for_cancel = False
        self.cancel_requested = False
        self.instance_lost = False
        self._enforcer: asyncio.Task[None] | None = None

    async def cancel(self) -> None:
        self.cancel_requested = True
        if self.slot is not None:
            await self.slot.instance.cancel(self.job.prediction_id)
            self._enforcer = asyncio.create_task(self._stop_after_grace(self.slot))

    async def _stop_after_grace(self, slot: Slot) -> None:
        await asyncio.sleep(CANCEL_GRACE_SECONDS)
        if self.slot is slot:
            log.warning("prediction.cancel_forced", prediction_id=self.job.prediction_id)
            self.stopped_for_cancel = True
            await slot.instance.stop(grace_seconds=1.0)

    def settle(self) -> None:
        if self._enforcer is not None:
            self._enforcer.cancel()
