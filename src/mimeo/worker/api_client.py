"""The worker's side of the ``/internal`` protocol.

``WorkerChannel`` is what the director needs; ``WorkerAPI`` speaks it over HTTP to a remote
API, and ``mimeo serve`` gives its own worker a direct, in-process channel.
"""

from __future__ import annotations

from typing import Protocol

import httpx
from pydantic import TypeAdapter

from mimeo.core.errors import LeaseLost, MimeoError
from mimeo.core.protocol import (
    WEIGHTS_KEY_HEADER,
    ClaimRequest,
    Job,
    Offer,
    Report,
    ReportAnswer,
    WarmTarget,
    WorkerStatus,
)

WARM_TARGETS = TypeAdapter(list[WarmTarget])
REPORT: TypeAdapter[Report] = TypeAdapter(Report)


class ChannelError(MimeoError):
    """The API could not be reached or could not answer now; the worker retries."""

    status = 503
    title = "API unavailable"


class WorkerChannel(Protocol):
    worker_id: str

    async def claim(self, wait_seconds: float, offer: Offer) -> Job | None:
        """Wait up to ``wait_seconds`` for a prediction that fits ``offer``; cancellable."""
        ...

    async def report(self, prediction_id: str, report: Report) -> ReportAnswer:
        """Raises ``LeaseLost`` when the prediction is no longer this worker's."""
        ...

    async def archive(self, version_id: str) -> bytes: ...

    async def weights(self, version_id: str) -> tuple[str, bytes] | None:
        """A trained version's weights (their name and bytes); None for a pushed version."""
        ...

    async def blob(self, key: str) -> bytes:
        """A file the API holds for a prediction's input."""
        ...

    async def store_output(
        self, prediction_id: str, name: str, data: bytes, media_type: str
    ) -> str:
        """Store an output file; returns the reference to put in the output."""
        ...

    async def heartbeat(self, status: WorkerStatus) -> list[WarmTarget]:
        """Tell the fleet registry this worker is alive and what it runs; the answer is this
        worker's share of the deployments that want instances kept running while idle."""
        ...

    async def close(self) -> None: ...


class WorkerAPI:
    def __init__(
        self,
        server: str,
        token: str,
        worker_id: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.worker_id = worker_id
        self._client = httpx.AsyncClient(
            base_url=server.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(30.0, read=90.0),
            transport=transport,
        )

    async def claim(self, wait_seconds: float, offer: Offer) -> Job | None:
        body = ClaimRequest(worker_id=self.worker_id, wait_seconds=wait_seconds, offer=offer)
        response = await self._client.post("/internal/v1/claim", json=body.model_dump())
        if response.status_code == 204:
            return None
        response.raise_for_status()
        return Job.model_validate_json(response.content)

    async def report(self, prediction_id: str, report: Report) -> ReportAnswer:
        response = await self._client.post(
            f"/internal/v1/predictions/{prediction_id}/report",
            content=REPORT.dump_json(report),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code == 409:
            raise LeaseLost(response.json().get("detail", "lease lost"))
        response.raise_for_status()
        return ReportAnswer.model_validate_json(response.content)

    async def archive(self, version_id: str) -> bytes:
        response = await self._client.get(f"/internal/v1/versions/{version_id}/archive")
        response.raise_for_status()
        return response.content

    async def weights(self, version_id: str) -> tuple[str, bytes] | None:
        response = await self._client.get(f"/internal/v1/versions/{version_id}/weights")
        response.raise_for_status()
        if response.status_code == 204:
            return None
        return response.headers[WEIGHTS_KEY_HEADER], response.content

    async def blob(self, key: str) -> bytes:
        response = await self._client.get(f"/internal/v1/blobs/{key}")
        response.raise_for_status()
        return response.content

    async def store_output(
        self, prediction_id: str, name: str, data: bytes, media_type: str
    ) -> str:
        response = await self._client.put(
            f"/internal/v1/predictions/{prediction_id}/outputs/{name}",
            params={"worker_id": self.worker_id},
            content=data,
            headers={"Content-Type": media_type},
        )
        if response.status_code == 409:
            raise LeaseLost(response.json().get("detail", "lease lost"))
        response.raise_for_status()
        return str(response.json()["ref"])

    async def heartbeat(self, status: WorkerStatus) -> list[WarmTarget]:
        response = await self._client.post(
            "/internal/v1/workers/heartbeat",
            content=status.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return WARM_TARGETS.validate_json(response.content)

    async def close(self) -> None:
        await self._client.aclose()
