"""A worker channel that is the API, in memory: it hands out the jobs a test queues, keeps every
report, answers with the cancel flag a test sets, and can refuse reports, say the lease is lost or
hold a prediction's outcome until the test lets it through.

A real implementation of ``WorkerChannel`` (as ``httpx.MockTransport`` is of a transport), so the
director, the job runner and the relay run exactly as they do against the API.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from mimeo.core.errors import LeaseLost
from mimeo.core.ids import new_prediction_id
from mimeo.core.protocol import (
    Finished,
    HandBack,
    Job,
    Offer,
    Report,
    ReportAnswer,
    WarmTarget,
    WorkerStatus,
)
from mimeo.worker.api_client import ChannelError

WORKER_ID = "wkr_in_memory"


class InMemoryChannel:
    def __init__(self, archives: dict[str, bytes]) -> None:
        self.worker_id = WORKER_ID
        self.archives = archives
        self.blobs: dict[str, bytes] = {}
        self.outputs: dict[str, bytes] = {}
        self.reports: dict[str, list[Report]] = defaultdict(list)
        self.cancel_requested: set[str] = set()
        self.lease_lost: set[str] = set()
        self.refuse_reports = 0
        """How many of the next reports fail as if the API were unreachable."""
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._ended: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._reported: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._held: dict[str, asyncio.Event] = {}

    def hold_outcome(self, prediction_id: str) -> None:
        """The prediction's outcome report is not taken until ``let_outcome_through``."""
        self._held[prediction_id] = asyncio.Event()

    def let_outcome_through(self, prediction_id: str) -> None:
        self._held[prediction_id].set()

    def queue(self, version: str, **inputs: Any) -> str:
        prediction_id = new_prediction_id()
        self._jobs.put_nowait(
            Job(
                prediction_id=prediction_id,
                model="fixtures/model",
                version=version,
                input=inputs,
                lease_expires_at=datetime.now(UTC) + timedelta(seconds=30),
                lease_seconds=30.0,
                attempt=1,
            )
        )
        return prediction_id

    async def ended(self, prediction_id: str, timeout: float = 120.0) -> Report:
        """The report that ended the prediction: its outcome, or its hand-back."""
        await asyncio.wait_for(self._ended[prediction_id].wait(), timeout)
        return self.reports[prediction_id][-1]

    async def first_report(self, prediction_id: str, timeout: float = 120.0) -> None:
        await asyncio.wait_for(self._reported[prediction_id].wait(), timeout)

    def logs(self, prediction_id: str) -> str:
        return "".join(
            report.logs
            for report in self.reports[prediction_id]
            if not isinstance(report, HandBack)
        )

    async def claim(self, wait_seconds: float, offer: Offer) -> Job | None:
        try:
            return await asyncio.wait_for(self._jobs.get(), wait_seconds)
        except TimeoutError:
            return None

    async def report(self, prediction_id: str, report: Report) -> ReportAnswer:
        if self.refuse_reports:
            self.refuse_reports -= 1
            raise ChannelError("the API is unreachable")
        if prediction_id in self.lease_lost:
            raise LeaseLost(f"Prediction {prediction_id} is not leased to {self.worker_id}")
        if isinstance(report, Finished) and prediction_id in self._held:
            await self._held[prediction_id].wait()
        self.reports[prediction_id].append(report)
        self._reported[prediction_id].set()
        if isinstance(report, Finished | HandBack):
            self._ended[prediction_id].set()
        return ReportAnswer(cancel_requested=prediction_id in self.cancel_requested)

    async def archive(self, version_id: str) -> bytes:
        return self.archives[version_id]

    async def weights(self, version_id: str) -> tuple[str, bytes] | None:
        """No version here was trained."""
        return None

    async def blob(self, key: str) -> bytes:
        return self.blobs[key]

    async def store_output(
        self, prediction_id: str, name: str, data: bytes, media_type: str
    ) -> str:
        key = f"outputs/{prediction_id}/{name}"
        self.outputs[key] = data
        return f"mimeo-blob:{key}"

    async def heartbeat(self, status: WorkerStatus) -> list[WarmTarget]:
        return []

    async def close(self) -> None:
        return None
