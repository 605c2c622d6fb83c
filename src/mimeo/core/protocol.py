"""Messages between a worker and the API under ``/internal``: typed on both sides.

The worker never touches the database; these are all it says and hears.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from mimeo.core.hardware import CPU
from mimeo.core.records import PREDICTION

WEIGHTS_KEY_HEADER = "X-Mimeo-Weights-Key"
"""Names a trained version's weights file in the answer that carries its bytes."""


class WarmSlot(BaseModel):
    """Room for one more prediction on a running instance of ``version`` on ``hardware``; an
    instance runs either predictions or trainings (coglet's train mode), as ``kind`` says."""

    version: str
    hardware: str
    kind: str = PREDICTION


class Offer(BaseModel):
    """What a worker can take on now: a free slot on a warm instance of these versions, or a new
    instance on these hardware SKUs. The queue hands out only what fits, so a full worker
    never holds a prediction it cannot start while another worker could."""

    warm: list[WarmSlot] = Field(default_factory=list)
    startable_hardware: list[str] = Field(default_factory=lambda: [CPU])

    @property
    def empty(self) -> bool:
        return not self.warm and not self.startable_hardware


class ClaimRequest(BaseModel):
    worker_id: str
    wait_seconds: float = Field(default=20.0, ge=0, le=60)
    offer: Offer = Field(default_factory=Offer)


class Job(BaseModel):
    prediction_id: str
    model: str
    version: str
    input: dict[str, Any]
    lease_expires_at: datetime
    lease_seconds: float
    attempt: int
    hardware: str = CPU
    deployment: str | None = None
    queued_seconds: float = 0.0
    """Time from creation to this claim: the queue time a user sees in the metrics."""
    secret_fields: list[str] = Field(default_factory=list)
    """The ``input`` fields that hold ``cog.Secret`` values, in clear for the model only."""
    kind: str = PREDICTION
    """``training`` runs cog.yaml's ``train:`` on an instance in train mode."""


class Outcome(BaseModel):
    status: Literal["succeeded", "failed", "canceled"]
    output: Any = None
    error: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)


class OutputSoFar(BaseModel):
    """The whole output so far (a list of chunks for iterators): it replaces what was stored.
    Wrapped so that an output of ``None`` differs from no new output."""

    value: Any


class Progress(BaseModel):
    """A batch of what happened since the last report; also renews the lease (a heartbeat is a
    progress report with nothing in it)."""

    kind: Literal["progress"] = "progress"
    worker_id: str
    started: bool = False
    logs: str = ""
    output: OutputSoFar | None = None


class Finished(BaseModel):
    """The prediction ended on this worker; the logs not yet sent travel with the outcome."""

    kind: Literal["finished"] = "finished"
    worker_id: str
    logs: str = ""
    outcome: Outcome
    training: bool = False
    """A training's end: the API makes the destination's new version before it records it."""


class HandBack(BaseModel):
    """The worker is shutting down before it could finish: requeue the prediction untouched."""

    kind: Literal["hand_back"] = "hand_back"
    worker_id: str


Report = Annotated[Progress | Finished | HandBack, Field(discriminator="kind")]


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


class InstanceReport(BaseModel):
    """One model instance on a worker, as the fleet registry shows it."""

    version: str
    hardware: str
    state: Literal["starting", "idle", "busy"]
    since: datetime
    """When the instance was started."""
    deployment: str | None = None
    """The deployment whose ``min_instances`` it counts toward, if any."""
    serves: str | None = None
    """The deployment whose prediction started it, if any: that deployment's owner pays for the
    instance's time (as for ``deployment``), setup and idle included."""


class StoppedInstance(BaseModel):
    """An instance that stopped since the worker was last heard: its time is billed up to
    ``stopped_at``. The worker repeats it until a heartbeat is answered."""

    instance: InstanceReport
    stopped_at: datetime


class WorkerStatus(BaseModel):
    """What a worker tells the fleet registry with each heartbeat: its hardware and instances.
    The answer is its share of the deployments' warm instances."""

    worker_id: str
    hardware: list[str]
    """The SKUs this worker can start instances on."""
    cpus: int
    memory_bytes: int
    gpus: int
    max_instances: int
    instances: list[InstanceReport] = Field(default_factory=list)
    stopped: list[StoppedInstance] = Field(default_factory=list)
    cold_starts: int = 0
    cold_start_seconds: float = 0.0
    """Instances started since this worker started, and the seconds their setup took."""
