"""trainings: a prediction row of kind 'training', with the model it makes a version of

Revision ID: 0009
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TRAININGS = sa.text("kind = 'training'")


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(20), nullable=False, server_default="prediction")
        )
        batch.add_column(sa.Column("destination", sa.String(201)))
    op.create_index(
        "ix_predictions_trainings",
        "predictions",
        ["account_id", "created_at"],
        sqlite_where=TRAININGS,
        postgresql_where=TRAININGS,
    )


def downgrade() -> None:
    op.drop_index("ix_predictions_trainings", table_name="predictions")
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("destination")
        batch.drop_column("kind")
