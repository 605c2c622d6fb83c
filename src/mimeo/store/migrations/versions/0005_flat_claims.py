"""partial indexes that keep a claim flat however deep the queue is

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

QUEUED_ROWS = sa.text("status = 'starting' AND lease_owner IS NULL")
IN_FLIGHT_ROWS = sa.text("lease_owner IS NOT NULL")
QUEUED_WITH_DEADLINE = sa.text(
    "status = 'starting' AND lease_owner IS NULL AND deadline_at IS NOT NULL"
)


def upgrade() -> None:
    op.drop_index("ix_predictions_version_lease", table_name="predictions")
    op.drop_index("ix_predictions_queue", table_name="predictions")
    op.create_index(
        "ix_predictions_queued_deadline",
        "predictions",
        ["deadline_at"],
        sqlite_where=QUEUED_WITH_DEADLINE,
        postgresql_where=QUEUED_WITH_DEADLINE,
    )
    op.create_index(
        "ix_predictions_queued",
        "predictions",
        ["version", "hardware", "created_at", "id"],
        sqlite_where=QUEUED_ROWS,
        postgresql_where=QUEUED_ROWS,
    )
    op.create_index(
        "ix_predictions_in_flight",
        "predictions",
        ["version"],
        sqlite_where=IN_FLIGHT_ROWS,
        postgresql_where=IN_FLIGHT_ROWS,
    )
    op.create_index(
        "ix_predictions_deployment_in_flight",
        "predictions",
        ["deployment"],
        sqlite_where=IN_FLIGHT_ROWS,
        postgresql_where=IN_FLIGHT_ROWS,
    )


def downgrade() -> None:
    op.drop_index("ix_predictions_deployment_in_flight", table_name="predictions")
    op.drop_index("ix_predictions_in_flight", table_name="predictions")
    op.drop_index("ix_predictions_queued", table_name="predictions")
    op.drop_index("ix_predictions_queued_deadline", table_name="predictions")
    op.create_index(
        "ix_predictions_queue",
        "predictions",
        ["status", "lease_owner", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_predictions_version_lease", "predictions", ["version", "lease_owner"], unique=False
    )
