"""Messages between a worker and the API under ``/internal``: typed on both sides.

The worker never touches the database; these are all it says and hears.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ClaimRequest(BaseModel):
    worker_id: str
    wait_seconds: float = Field(default=20.0, ge=0, le=60)


class Job(BaseModel):
    prediction_id: str
    model: str
    version: str
    input: dict[str, Any]
    lease_expires_at: datetime
    lease_seconds: float
    attempt: int


class Outcome(BaseModel):
    status: Literal["succeeded", "failed", "canceled"]
    output: Any = None
    error: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)


class Report(BaseModel):
    """A batch of what happened since the last report; also renews the lease."""

    worker_id: str
    started: bool = False
    logs: str = ""
    output: Any = None
    has_output: bool = False
    outcome: Outcome | None = None


class ReportAnswer(BaseModel):
    cancel_requested: bool


class WarmTarget(BaseModel):
    """A deployment that keeps ``min_instances`` of its version running on its hardware even
    while idle, so the fleet starts them before the first prediction arrives."""

    deployment: str
    version: str
    hardware: str
    min_instances: int
    max_instances: int
