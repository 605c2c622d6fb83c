"""Settings, read once from ``MIMEO_*`` environment variables at the CLI edge and passed down.

Defaults that a part also needs without settings (tests, the pure policies) are defined in
``core`` once and taken from there."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mimeo.core.errors import InvalidInput
from mimeo.core.leases import LEASE_SECONDS
from mimeo.core.money import parse_dollars
from mimeo.core.prices import (
    DEFAULT_PRICES_PER_SECOND,
    DEFAULT_STARTING_CREDIT,
    PriceList,
    unknown_skus,
)
from mimeo.core.webhook_policy import INITIAL_BACKOFF_SECONDS, RETRY_WINDOW_SECONDS
from mimeo.core.worker_limits import DRAIN_TIMEOUT_SECONDS, PoolLimits

_POOL = PoolLimits()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MIMEO_", extra="ignore", validate_by_name=True)

    data_dir: Path = Path(".mimeo")
    database_url: str | None = None
    """Defaults to a SQLite file in the data dir; ``postgresql://...`` for cluster mode."""
    env_dir: Path | None = None
    """Where model environments are built; shared by every version that needs the same ones.
    Unset, the user's cache directory (``$XDG_CACHE_HOME/mimeo/envs``, else
    ``~/.cache/mimeo/envs``): a build cache, so ``mimeo push`` run anywhere leaves nothing in
    the directory it was run from, and a server and the CLI on one machine share it."""
    xdg_cache_home: Path | None = Field(
        default=None, validation_alias=AliasChoices("XDG_CACHE_HOME")
    )
    bootstrap_token: str | None = None
    bootstrap_username: str = "admin"
    worker_token: str | None = None
    """The token workers present on ``/internal``; generated per start when unset."""
    max_wait_seconds: float = Field(default=60.0, gt=0)
    lease_seconds: float = Field(default=LEASE_SECONDS, gt=0)
    public_url: str | None = None
    """Base of absolute URLs when behind a proxy that does not send X-Forwarded-* headers."""
    allow_private_urls: bool | None = None
    """Fetch file inputs from and send webhooks to private/loopback addresses. Unset means
    allowed in embedded mode (the operator is the user) and refused in cluster mode."""
    storage_url: str | None = None
    """Where blobs live: a directory by default (the data dir), or ``s3://bucket/prefix``.
    S3 credentials come from the usual AWS chain (``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, an instance or pod role)."""
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "MIMEO_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"
        ),
    )
    """An S3-compatible service other than AWS (MinIO, Ceph, R2, ...), e.g.
    ``http://minio:9000``; the AWS SDKs' own variables count too, in that order."""
    s3_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MIMEO_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    """The bucket's region; ``us-east-1`` for a custom endpoint when unset."""
    webhook_initial_backoff_seconds: float = Field(default=INITIAL_BACKOFF_SECONDS, gt=0)
    """The wait after a webhook attempt first fails; it doubles with each failure (to 10 min)."""
    webhook_retry_window_seconds: float = Field(default=RETRY_WINDOW_SECONDS, gt=0)
    """How long an undelivered webhook event is retried before it is given up (at least)."""
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    """The largest request body for files and prediction inputs (413 beyond it)."""
    rate_limit_predictions_per_second: float = Field(default=50.0, ge=0)
    """How fast one API token may create predictions, per API node; 0 turns the limit off."""
    rate_limit_burst: int = Field(default=100, ge=1)
    """How many predictions a token that was quiet may create at once, over the rate."""
    rate_limit_max_delay_seconds: float = Field(default=10.0, ge=0)
    """A create request over the limit waits up to this long for its turn (never longer than
    its own ``Prefer: wait``) before it is answered 429: the official Python client does not
    retry a POST, so pacing is what lets it succeed."""
    tls_cert: Path | None = None
    """Serve HTTPS with the operator's certificate (PEM, chain allowed); needs ``tls_key``."""
    tls_key: Path | None = None
    tls_self_signed: bool = False
    """Serve HTTPS with a certificate from a local CA made once in ``<data_dir>/tls``."""
    nvidia_smi: str | None = "nvidia-smi"
    """The command a worker asks for its GPUs (a name on ``PATH`` or a path); empty to offer
    no GPUs. Tests point it at a fake script."""

    max_instances: int = Field(default=_POOL.max_instances, ge=1)
    """Model instances (Cog server processes) a worker runs at once, across versions."""
    max_deployment_instances: int | None = Field(default=None, ge=1)
    """The most instances one deployment may ask for (its ``min_instances`` and
    ``max_instances``): what the fleet can hold. Unset, ``max_instances``, one worker's pool,
    which is the whole fleet in embedded mode; set it to the fleet's size in cluster mode."""
    idle_timeout_seconds: float = Field(default=_POOL.idle_timeout, gt=0)
    """An instance unused this long stops (scale to zero); the next prediction cold-starts it.
    Instances a deployment's ``min_instances`` asks for stay up."""
    setup_timeout_seconds: float = Field(default=_POOL.setup_timeout, gt=0)
    predict_timeout_seconds: float = Field(default=_POOL.predict_timeout, gt=0)
    """Defaults for every model; a model's ``mimeo.yaml`` (``timeouts: {setup, predict}``)
    sets its own."""
    drain_timeout_seconds: float = Field(default=DRAIN_TIMEOUT_SECONDS, ge=0)
    """On SIGTERM a worker stops claiming, and running predictions get this long to finish
    before they are handed back to the queue (under Kubernetes' default 30 s grace)."""

    prices: dict[str, str] = Field(default_factory=dict)
    """Dollars per second of each hardware SKU, over Replicate's list prices, as JSON:
    ``MIMEO_PRICES='{"gpu-t4": "0.000300", "cpu": "0"}'``. Whole micro-dollars only."""
    starting_credit: str = DEFAULT_STARTING_CREDIT
    """Dollars a new account may spend before an administrator adds credit."""

    @field_validator("prices")
    @classmethod
    def _known_prices(cls, prices: dict[str, str]) -> dict[str, str]:
        if (message := unknown_skus(prices)) is not None:
            raise ValueError(message)
        for sku, dollars in prices.items():
            if _micros(dollars, f"prices.{sku}") < 0:
                raise ValueError(f"prices.{sku}: a price is never negative")
        return prices

    @field_validator("starting_credit")
    @classmethod
    def _credit_in_dollars(cls, dollars: str) -> str:
        _micros(dollars, "starting_credit")
        return dollars

    @property
    def price_list(self) -> PriceList:
        listed = {**DEFAULT_PRICES_PER_SECOND, **self.prices}
        return PriceList({sku: parse_dollars(dollars) for sku, dollars in listed.items()})

    @property
    def starting_credit_micros(self) -> int:
        return parse_dollars(self.starting_credit)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'mimeo.db').resolve()}"

    @property
    def deployment_instance_ceiling(self) -> int:
        return self.max_deployment_instances or self.max_instances

    @property
    def resolved_env_dir(self) -> Path:
        if self.env_dir is not None:
            return self.env_dir
        return (self.xdg_cache_home or Path.home() / ".cache") / "mimeo" / "envs"


def _micros(dollars: str, field: str) -> int:
    """pydantic reports a ``ValueError`` as a settings error naming the variable."""
    try:
        return parse_dollars(dollars, field)
    except InvalidInput as error:
        raise ValueError(error.detail) from error
