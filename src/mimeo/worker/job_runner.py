"""Run one claimed prediction on an instance and relay what happens to the API, never dropping it.

Reports go out at most every ``REPORT_INTERVAL_SECONDS`` while output and logs flow, and at
least every third of the lease as a heartbeat; the answer carries the cancel flag, which is
relayed to the Cog server. Any failure of the model, its environment or its process ends the
prediction as ``failed`` with a reason; if this worker dies instead, the API's sweeper recovers
the lease.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import structlog

from mimeo.core.errors import LeaseLost, MimeoError
from mimeo.core.protocol import Job
from mimeo.core.records import TRAINING
from mimeo.core.secret_inputs import secret_texts
from mimeo.runtime.cog_events import Completed
from mimeo.runtime.instance import InstanceDied, SetupFailed
from mimeo.worker.api_client import ChannelError, WorkerChannel
from mimeo.worker.files import OutputFiles, inline_inputs
from mimeo.worker.pool import Instance, InstancePool, NoCapacity
from mimeo.worker.relay import Relay
from mimeo.worker.running_job import (
    Canceled,
    HandedBack,
    InstanceFate,
    Phase,
    RunningJob,
    TimedOut,
)

log = structlog.get_logger()
REPORT_INTERVAL_SECONDS = 0.1
MAX_HEARTBEAT_SECONDS = 1.0
START_COALESCE_SECONDS = 0.01


class JobRunner:
    def __init__(self, api: WorkerChannel, pool: InstancePool) -> None:
        self.api = api
        self.pool = pool

    def place(self, running: RunningJob) -> None:
        """Take the job's slot in the pool as soon as it is claimed, before the next offer is
        made: a slot taken only once the job's task first runs was offered again meanwhile,
        and the prediction claimed for it came back as ``NoCapacity`` (handed back, the log
        telling the user the worker shut down). Without a slot, ``run`` hands the job back."""
        with contextlib.suppress(NoCapacity):
            running.instance = self._assign(running.job)

    def _assign(self, job: Job) -> Instance:
        """A slot on an instance of the job's version, hardware and kind; a new instance is
        started for (and billed to) the job's deployment."""
        return self.pool.assign(job.version, job.hardware, job.kind, job.deployment)

    async def run(self, running: RunningJob) -> None:
        job = running.job
        log.info("prediction.claimed", prediction_id=job.prediction_id, attempt=job.attempt)
        relay = Relay(
            self.api.worker_id,
            iterator_output=False,
            secrets=secret_texts({f: job.input.get(f) for f in job.secret_fields}),
            training=job.kind == TRAINING,
        )
        relay.metrics["queue_time"] = job.queued_seconds
        reporter = asyncio.create_task(self._report_until_done(running, relay))
        try:
            instance = running.instance or self._assign(job)
            running.instance = instance
            await self._run_on_instance(running, instance, relay)
        except NoCapacity:
            relay.hand_back()
        except SetupFailed as error:
            relay.fail(f"Model setup failed: {error.detail}", error.logs)
        except InstanceDied as error:
            running.lose_instance()
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
            # The instance is free once the model is done: it may take the next prediction
            # while this one's last report is still on its way to the API.
            await asyncio.gather(self._return(running), reporter)

    async def _run_on_instance(self, running: RunningJob, instance: Instance, relay: Relay) -> None:
        job = running.job
        setup_seconds = (
            None  # warm: nothing to wait for, so nothing to race an intervention against
            if instance.started
            else await running.unless_intervened(self.pool.ready(instance))
        )
        match running.intervention:
            case HandedBack():
                relay.hand_back()
                return
            case Canceled():
                relay.cancel("canceled before the model started it")
                return
        assert instance.server is not None
        relay.iterator_output = instance.iterator_output
        if setup_seconds is not None:
            relay.metrics["setup_time"] = setup_seconds
            relay.note(
                f"cold start: waited {job.queued_seconds:.2f} s in the queue; "
                f"starting the model took {setup_seconds:.2f} s"
            )
        payload = await inline_inputs(job.input, self.api.blob)
        files = self._output_files(job) if instance.file_output else None
        running.phase = Phase.PREDICTING
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

    @staticmethod
    def _end_after_stop(running: RunningJob, relay: Relay, otherwise: str) -> None:
        """The one place a prediction's ending is chosen when mimeo had to step in."""
        stopped = running.instance_fate is InstanceFate.STOPPED
        match running.intervention:
            case HandedBack():
                relay.hand_back()
            case TimedOut(limit=limit):
                relay.fail(
                    f"Prediction timed out: it ran longer than the model's limit of {limit:.0f} s"
                )
            case Canceled() if stopped:
                relay.cancel("the model did not stop when asked, so its instance was stopped")
            case _:
                relay.fail(otherwise)

    async def _return(self, running: RunningJob) -> None:
        instance = running.instance
        if instance is None:
            return
        if running.instance_fate is InstanceFate.HEALTHY:
            self.pool.release(instance)
        else:
            await self.pool.discard(instance)

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
            await _set_within(relay.changed, heartbeat)
            if relay.outcome is None and relay.start_pending:
                # A fast prediction's start and end then travel in one report.
                await _set_within(relay.finished, START_COALESCE_SECONDS)
            done = relay.done
            batch = relay.take()
            try:
                answer = await self.api.report(job.prediction_id, batch.report)
            except LeaseLost:
                log.warning("lease.lost", prediction_id=job.prediction_id)
                await running.cancel()
                return
            except (httpx.HTTPError, ChannelError) as error:
                log.warning("worker.report_failed", error=str(error))
                relay.changed.set()
                await asyncio.sleep(0.5)
                continue
            relay.sent(batch)
            if done:
                return
            if answer.cancel_requested and not cancel_sent:
                cancel_sent = True
                log.info("prediction.cancel_relayed", prediction_id=job.prediction_id)
                await running.cancel()
            await _set_within(relay.flush_now, REPORT_INTERVAL_SECONDS)


async def _set_within(event: asyncio.Event, seconds: float) -> None:
    """Wait until ``event`` is set or ``seconds`` pass. A deadline on the wait rather than
    ``wait_for``, which runs each wait as a task of its own: this waits up to three times per
    prediction."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
