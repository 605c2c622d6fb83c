"""deployments; the hardware and deployment a prediction runs on

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(
            sa.Column("hardware", sa.String(length=50), nullable=False, server_default="cpu")
        )
        batch.add_column(sa.Column("deployment", sa.String(length=201), nullable=True))
    op.create_index(
        "ix_predictions_version_lease", "predictions", ["version", "lease_owner"], unique=False
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_number", sa.Integer(), nullable=False),
        sa.Column("release_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(length=201), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("hardware", sa.String(length=50), nullable=False),
        sa.Column("min_instances", sa.Integer(), nullable=False),
        sa.Column("max_instances", sa.Integer(), nullable=False),
        sa.Column("max_in_flight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_deployments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint("owner", "name", name="uq_deployments_owner_name"),
    )


def downgrade() -> None:
    op.drop_table("deployments")
    op.drop_index("ix_predictions_version_lease", table_name="predictions")
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("deployment")
        batch.drop_column("hardware")
