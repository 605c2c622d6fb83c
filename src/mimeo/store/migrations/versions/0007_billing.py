"""billing: account balances, the ledger and instance meters; existing accounts get the
default starting credit, so an upgrade refuses nobody's predictions

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from mimeo.core.money import parse_dollars
from mimeo.core.prices import DEFAULT_STARTING_CREDIT

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("balance_micros", sa.BigInteger(), nullable=False, server_default="0")
        )
    ledger = op.create_table(
        "ledger",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_micros", sa.BigInteger(), nullable=False),
        sa.Column("duration_us", sa.BigInteger(), nullable=False),
        sa.Column("hardware", sa.String(50)),
        sa.Column("model", sa.String(201)),
        sa.Column("deployment", sa.String(201)),
        sa.Column("prediction_id", sa.String(32)),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_ledger_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ledger"),
        sa.UniqueConstraint("prediction_id", name="uq_ledger_prediction_id"),
    )
    op.create_index("ix_ledger_account_created", "ledger", ["account_id", "created_at"])
    op.create_table(
        "instance_meters",
        sa.Column("worker_id", sa.String(100), nullable=False),
        sa.Column("instance", sa.String(200), nullable=False),
        sa.Column("billed_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", "instance", name="pk_instance_meters"),
    )
    credit = parse_dollars(DEFAULT_STARTING_CREDIT)
    accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("balance_micros"))
    existing = op.get_bind().execute(sa.select(accounts.c.id)).scalars().all()
    if existing:
        now = datetime.now(UTC)
        op.bulk_insert(
            ledger,
            [
                {
                    "account_id": account_id,
                    "kind": "grant",
                    "amount_micros": credit,
                    "duration_us": 0,
                    "note": "starting credit",
                    "created_at": now,
                }
                for account_id in existing
            ],
        )
        op.execute(sa.update(accounts).values(balance_micros=credit))


def downgrade() -> None:
    op.drop_table("instance_meters")
    op.drop_index("ix_ledger_account_created", table_name="ledger")
    op.drop_table("ledger")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("balance_micros")
