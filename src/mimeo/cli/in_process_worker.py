"""The embedded worker's channel to the API in the same process: the worker protocol as direct
calls, with the same semantics as over HTTP: lease loss is ``LeaseLost`` on both, and database
trouble is a ``ChannelError`` as a 5xx is."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from mimeo.api.context import AppContext
from mimeo.api.services.worker_protocol import (
    apply_report,
    claim_job,
    heartbeat,
    read_blob,
    store_output,
    version_archive,
    version_weights,
)
from mimeo.core.protocol import Job, Offer, Report, ReportAnswer, WarmTarget, WorkerStatus
from mimeo.worker.api_client import ChannelError

T = TypeVar("T")


async def _answer(call: Awaitable[T]) -> T:
    """Database trouble is transient for the worker, as a 5xx is over HTTP."""
    try:
        return await call
    except (SQLAlchemyError, OSError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}") from error


class InProcessWorkerChannel:
    def __init__(self, context: AppContext, worker_id: str) -> None:
        self.context = context
        self.worker_id = worker_id

    async def claim(self, wait_seconds: float, offer: Offer) -> Job | None:
        return await _answer(claim_job(self.context, self.worker_id, wait_seconds, offer))

    async def report(self, prediction_id: str, report: Report) -> ReportAnswer:
        return await _answer(apply_report(self.context, prediction_id, report))

    async def archive(self, version_id: str) -> bytes:
        return await _answer(version_archive(self.context, version_id))

    async def weights(self, version_id: str) -> tuple[str, bytes] | None:
        return await _answer(version_weights(self.context, version_id))

    async def blob(self, key: str) -> bytes:
        return await _answer(read_blob(self.context, key))

    async def store_output(
        self, prediction_id: str, name: str, data: bytes, media_type: str
    ) -> str:
        return await _answer(
            store_output(self.context, prediction_id, self.worker_id, name, data, media_type)
        )

    async def heartbeat(self, status: WorkerStatus) -> list[WarmTarget]:
        return await _answer(heartbeat(self.context, status))

    async def close(self) -> None:
        return None
