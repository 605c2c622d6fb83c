"""The schema, declared once for SQLite and PostgreSQL.

The prediction row is the job: status, lease, cancel flag, output and logs live together so a
status change and its lease change commit in one transaction. The naming convention names every
constraint so that a violation can be translated to a domain error by name.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False, default="user"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("webhook_secret", String(100)),
    Column("balance_micros", BigInteger, nullable=False, default=0, server_default="0"),
    Column("admin", Boolean, nullable=False, default=False, server_default=false()),
    Column("disabled_at", DateTime(timezone=True)),
)

memberships = Table(
    "memberships",
    metadata,
    Column(
        "organization_id",
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("member_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_memberships_member_id", memberships.c.member_id)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
)
Index("ix_api_tokens_account_id", api_tokens.c.account_id)

models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("description", Text),
    Column("visibility", String(20), nullable=False, default="public"),
    Column("hardware", String(50), nullable=False, default="cpu"),
    Column("github_url", Text),
    Column("paper_url", Text),
    Column("license_url", Text),
    Column("cover_image_url", Text),
    Column("run_count", BigInteger, nullable=False, default=0),
    Column("latest_version_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("readme", Text),
    UniqueConstraint("owner", "name", name="uq_models_owner_name"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", String(64), nullable=False),
    Column("model_id", ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("cog_version", String(40), nullable=False),
    Column("openapi_schema", JSON, nullable=False),
    Column("build", JSON, nullable=False),
    Column("archive_key", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("model_id", "id", name="uq_versions_model_id_id"),
)
Index("ix_versions_id", versions.c.id)

predictions = Table(
    "predictions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(201), nullable=False),
    Column("version", String(64), nullable=False),
    Column("input", JSON, nullable=False),
    Column("output", JSON),
    Column("logs", Text, nullable=False, default=""),
    Column("error", Text),
    Column("status", String(20), nullable=False),
    Column("source", String(20), nullable=False, default="api"),
    Column("data_removed", Boolean, nullable=False, default=False),
    Column("metrics", JSON, nullable=False, default=dict),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("lease_owner", String(40)),
    Column("lease_expires_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("deadline_at", DateTime(timezone=True)),
    Column("webhook", Text),
    Column("webhook_events_filter", JSON),
    Column("hardware", String(50), nullable=False, default="cpu", server_default="cpu"),
    Column("deployment", String(201)),
    # The values of its cog.Secret inputs, sealed (``store.sealing``) while it may still run;
    # NULL once it ended. ``input`` shows them redacted.
    Column("sealed_secrets", Text),
    Column("kind", String(20), nullable=False, default="prediction", server_default="prediction"),
    Column("destination", String(201)),
    # A training is a prediction row of kind 'training': it shares the queue, leases, sweeps,
    # streams and webhooks; ``destination`` is the model its weights become a version of.
)
Index("ix_predictions_account_created", predictions.c.account_id, predictions.c.created_at)
Index("ix_predictions_lease_expiry", predictions.c.lease_expires_at)
TRAININGS = text("kind = 'training'")
Index(
    "ix_predictions_trainings",
    predictions.c.account_id,
    predictions.c.created_at,
    sqlite_where=TRAININGS,
    postgresql_where=TRAININGS,
)
QUEUED_ROWS = text("status = 'starting' AND lease_owner IS NULL")
IN_FLIGHT_ROWS = text("lease_owner IS NOT NULL")
QUEUED_WITH_DEADLINE = text(
    "status = 'starting' AND lease_owner IS NULL AND deadline_at IS NOT NULL"
)
# Partial indexes keep a claim flat however deep the queue: the queued rows by version and
# hardware in creation order, and the few leased rows a fairness or cap count looks at.
Index(
    "ix_predictions_queued",
    predictions.c.version,
    predictions.c.hardware,
    predictions.c.created_at,
    predictions.c.id,
    sqlite_where=QUEUED_ROWS,
    postgresql_where=QUEUED_ROWS,
)
Index(
    "ix_predictions_queued_deadline",
    predictions.c.deadline_at,
    sqlite_where=QUEUED_WITH_DEADLINE,
    postgresql_where=QUEUED_WITH_DEADLINE,
)
Index(
    "ix_predictions_in_flight",
    predictions.c.version,
    sqlite_where=IN_FLIGHT_ROWS,
    postgresql_where=IN_FLIGHT_ROWS,
)
Index(
    "ix_predictions_deployment_in_flight",
    predictions.c.deployment,
    sqlite_where=IN_FLIGHT_ROWS,
    postgresql_where=IN_FLIGHT_ROWS,
)

deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("release_number", Integer, nullable=False),
    Column("release_created_at", DateTime(timezone=True), nullable=False),
    Column("model", String(201), nullable=False),
    Column("version", String(64), nullable=False),
    Column("hardware", String(50), nullable=False),
    Column("min_instances", Integer, nullable=False),
    Column("max_instances", Integer, nullable=False),
    Column("max_in_flight", Integer, nullable=False),
    UniqueConstraint("owner", "name", name="uq_deployments_owner_name"),
)

files = Table(
    "files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("md5", String(32), nullable=False),
    Column("metadata", JSON, nullable=False, default=dict),
    Column("blob_key", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
)
Index("ix_files_account_created", files.c.account_id, files.c.created_at)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("prediction_id", ForeignKey("predictions.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("prediction_id", "seq", name="uq_webhook_deliveries_prediction_id_seq"),
)
Index(
    "ix_webhook_deliveries_due",
    webhook_deliveries.c.delivered_at,
    webhook_deliveries.c.failed_at,
    webhook_deliveries.c.next_attempt_at,
)

server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

workers = Table(
    "workers",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("status", JSON, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("full_description", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

collection_models = Table(
    "collection_models",
    metadata,
    Column("collection_id", ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("model_id", ForeignKey("models.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)
Index("ix_collection_models_model_id", collection_models.c.model_id)

model_examples = Table(
    "model_examples",
    metadata,
    Column("model_id", ForeignKey("models.id", ondelete="CASCADE"), primary_key=True),
    Column("prediction_id", ForeignKey("predictions.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)
Index("ix_model_examples_prediction_id", model_examples.c.prediction_id)
ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount_micros", BigInteger, nullable=False),
    Column("duration_us", BigInteger, nullable=False, default=0),
    Column("hardware", String(50)),
    Column("model", String(201)),
    Column("deployment", String(201)),
    Column("prediction_id", String(32), unique=True),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Every change of a balance, signed: credit granted is positive, usage negative. The unique
prediction id is what makes a completion's charge happen once however often it is retried."""
Index("ix_ledger_account_created", ledger.c.account_id, ledger.c.created_at)

instance_meters = Table(
    "instance_meters",
    metadata,
    Column("worker_id", String(100), primary_key=True),
    Column("instance", String(200), primary_key=True),
    Column("billed_until", DateTime(timezone=True), nullable=False),
    Column("closed", Boolean, nullable=False, default=False),
)
"""How far each billed instance's time has been charged: a heartbeat charges from here to
now and moves it, in one transaction, so a retried heartbeat charges nothing twice. A
``closed`` meter's instance has stopped and been charged to its stop; it is kept a while, so a
stop reported again is not charged again."""
