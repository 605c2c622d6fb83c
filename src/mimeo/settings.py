"""Settings, read once from ``MIMEO_*`` environment variables at the CLI edge and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MIMEO_", extra="ignore")

    data_dir: Path = Path(".mimeo")
    database_url: str | None = None
    """Defaults to a SQLite file in the data dir; ``postgresql://...`` for cluster mode."""
    env_dir: Path | None = None
    """Where model environments are built; shared by every version that needs the same ones."""
    bootstrap_token: str | None = None
    bootstrap_username: str = "admin"
    worker_token: str | None = None
    """The token workers present on ``/internal``; generated per start when unset."""
    max_wait_seconds: float = Field(default=60.0, gt=0)
    lease_seconds: float = Field(default=30.0, gt=0)
    public_url: str | None = None
    """Base of absolute URLs when behind a proxy that does not send X-Forwarded-* headers."""
    allow_private_urls: bool | None = None
    """Fetch file inputs from and send webhooks to private/loopback addresses. Unset means
    allowed in embedded mode (the operator is the user) and refused in cluster mode."""
    webhook_initial_backoff_seconds: float = Field(default=5.0, gt=0)
    """The wait after a webhook attempt first fails; it doubles with each failure (to 10 min)."""
    webhook_retry_window_seconds: float = Field(default=3600.0, gt=0)
    """How long an undelivered webhook event is retried before it is given up (at least)."""
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    """The largest request body for files and prediction inputs (413 beyond it)."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'mimeo.db').resolve()}"

    @property
    def resolved_env_dir(self) -> Path:
        return self.env_dir or self.data_dir / "envs"
