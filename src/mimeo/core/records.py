"""Rows as frozen values: what repositories return and the API serialises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mimeo.core.hardware import CPU
from mimeo.core.status import TERMINAL, PredictionStatus

PREDICTION = "prediction"
TRAINING = "training"
"""The two kinds of job a prediction row holds: a run of ``predict`` or of ``train``."""


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every moment mimeo stores is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Account:
    """A user or an organization, as a request's token opens it."""

    id: int
    username: str
    name: str
    type: str
    admin: bool = False
    organizations: frozenset[str] = frozenset()
    """The organizations this user belongs to (disabled ones left out): it acts as each."""

    @property
    def namespaces(self) -> frozenset[str]:
        """The owners this account may push to, deploy as and see the private models of."""
        return self.organizations | {self.username}


@dataclass(frozen=True)
class Version:
    id: str
    model_id: int
    cog_version: str
    openapi_schema: dict[str, Any]
    build: dict[str, Any]
    archive_key: str
    created_at: datetime


@dataclass(frozen=True)
class Model:
    id: int
    owner: str
    name: str
    account_id: int
    description: str | None
    visibility: str
    hardware: str
    github_url: str | None
    paper_url: str | None
    license_url: str | None
    cover_image_url: str | None
    run_count: int
    created_at: datetime
    latest_version: Version | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class Prediction:
    id: str
    account_id: int
    model: str
    version: str
    input: dict[str, Any]
    output: Any
    logs: str
    error: str | None
    status: PredictionStatus
    source: str
    data_removed: bool
    metrics: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    attempts: int = 0
    cancel_requested: bool = False
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    deadline_at: datetime | None = None
    webhook: str | None = None
    webhook_events_filter: list[str] | None = None
    hardware: str = CPU
    deployment: str | None = None
    kind: str = PREDICTION
    """``prediction`` or ``training`` (cog.yaml's ``train:`` function on the version)."""
    destination: str | None = None
    """A training's ``owner/name``: the model its weights become a new version of."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def training(self) -> bool:
        return self.kind == TRAINING

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def from_row(cls, row: Any) -> Prediction:
        m = row._mapping
        return cls(
            id=m["id"],
            account_id=m["account_id"],
            model=m["model"],
            version=m["version"],
            input=m["input"],
            output=m["output"],
            logs=m["logs"],
            error=m["error"],
            status=PredictionStatus(m["status"]),
            source=m["source"],
            data_removed=m["data_removed"],
            metrics=m["metrics"] or {},
            created_at=as_utc(m["created_at"]) or m["created_at"],
            started_at=as_utc(m["started_at"]),
            completed_at=as_utc(m["completed_at"]),
            attempts=m["attempts"],
            cancel_requested=m["cancel_requested"],
            lease_owner=m["lease_owner"],
            lease_expires_at=as_utc(m["lease_expires_at"]),
            deadline_at=as_utc(m["deadline_at"]),
            webhook=m["webhook"],
            webhook_events_filter=m["webhook_events_filter"],
            hardware=m["hardware"],
            deployment=m["deployment"],
            kind=m["kind"],
            destination=m["destination"],
        )


@dataclass(frozen=True)
class Deployment:
    """A deployment and its current release: the version and configuration it runs now.

    ``max_in_flight`` is ``max_instances`` times the version's concurrency, kept with the row
    so the queue's claim can cap the deployment without reading the version.
    """

    id: int
    account_id: int
    owner: str
    name: str
    created_at: datetime
    release_number: int
    release_created_at: datetime
    model: str
    version: str
    hardware: str
    min_instances: int
    max_instances: int
    max_in_flight: int

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @classmethod
    def from_row(cls, row: Any) -> Deployment:
        m = row._mapping
        return cls(
            id=m["id"],
            account_id=m["account_id"],
            owner=m["owner"],
            name=m["name"],
            created_at=as_utc(m["created_at"]) or m["created_at"],
            release_number=m["release_number"],
            release_created_at=as_utc(m["release_created_at"]) or m["release_created_at"],
            model=m["model"],
            version=m["version"],
            hardware=m["hardware"],
            min_instances=m["min_instances"],
            max_instances=m["max_instances"],
            max_in_flight=m["max_in_flight"],
        )


@dataclass(frozen=True)
class StoredFile:
    """A file uploaded through ``/v1/files``; its bytes live in blob storage under ``blob_key``."""

    id: str
    account_id: int
    name: str
    content_type: str
    size: int
    sha256: str
    md5: str
    metadata: dict[str, Any]
    blob_key: str
    created_at: datetime
    expires_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> StoredFile:
        m = row._mapping
        return cls(
            id=m["id"],
            account_id=m["account_id"],
            name=m["name"],
            content_type=m["content_type"],
            size=m["size"],
            sha256=m["sha256"],
            md5=m["md5"],
            metadata=m["metadata"] or {},
            blob_key=m["blob_key"],
            created_at=as_utc(m["created_at"]) or m["created_at"],
            expires_at=as_utc(m["expires_at"]),
        )


@dataclass(frozen=True)
class NewPrediction:
    """What a caller decides about a prediction it creates; the queue adds the rest (status,
    timestamps on its own clock, the deadline from ``cancel_after_seconds``)."""

    id: str
    account_id: int
    model: str
    version: str
    input: dict[str, Any]
    hardware: str
    deployment: str | None = None
    webhook: str | None = None
    webhook_events_filter: list[str] | None = None
    cancel_after_seconds: float | None = None
    source: str = "api"
    sealed_secrets: str | None = None
    """Its ``cog.Secret`` values, sealed; ``input`` holds them redacted."""
    kind: str = PREDICTION
    destination: str | None = None


@dataclass(frozen=True)
class Collection:
    """A named set of models an operator curates, as Replicate's collections are."""

    id: int
    slug: str
    name: str
    description: str
    full_description: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Collection:
        m = row._mapping
        return cls(
            id=m["id"],
            slug=m["slug"],
            name=m["name"],
            description=m["description"],
            full_description=m["full_description"],
            created_at=as_utc(m["created_at"]) or m["created_at"],
        )
