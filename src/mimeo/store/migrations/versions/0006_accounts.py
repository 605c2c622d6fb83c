"""administrators, disabled accounts, organizations and their members; named tokens with ids

Every model owner that is not an account yet (``examples``, ``fixtures``: owners were free
text) becomes an organization whose members are the accounts that made its models, so what
they could change before they still can.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts", sa.Column("admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("accounts", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "memberships",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["accounts.id"],
            name=op.f("fk_memberships_organization_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["accounts.id"],
            name=op.f("fk_memberships_member_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "member_id", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_member_id", "memberships", ["member_id"])

    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    # Tokens made before ids existed get one from their digest: unique, and as opaque.
    op.execute("UPDATE api_tokens SET id = 'tok_' || substr(digest, 1, 24), name = 'bootstrap'")
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("id", existing_type=sa.String(length=40), nullable=False)
        batch.create_unique_constraint("uq_api_tokens_id", ["id"])
    op.create_index("ix_api_tokens_account_id", "api_tokens", ["account_id"])

    _owners_become_organizations()


def _owners_become_organizations() -> None:
    bind = op.get_bind()
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.Integer),
        sa.column("username", sa.String),
        sa.column("name", sa.String),
        sa.column("type", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    models = sa.table("models", sa.column("owner", sa.String), sa.column("account_id", sa.Integer))
    memberships = sa.table(
        "memberships",
        sa.column("organization_id", sa.Integer),
        sa.column("member_id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    orphans = bind.execute(
        sa.select(models.c.owner, models.c.account_id)
        .distinct()
        .where(models.c.owner.not_in(sa.select(accounts.c.username)))
        .order_by(models.c.owner, models.c.account_id)
    ).all()
    now = datetime.now(UTC)
    organizations: dict[str, int] = {}
    for owner, member_id in orphans:
        if owner not in organizations:
            organizations[owner] = bind.execute(
                sa.insert(accounts)
                .values(username=owner, name=owner, type="organization", created_at=now)
                .returning(accounts.c.id)
            ).scalar_one()
        bind.execute(
            sa.insert(memberships).values(
                organization_id=organizations[owner], member_id=member_id, created_at=now
            )
        )


def downgrade() -> None:
    op.drop_index("ix_api_tokens_account_id", table_name="api_tokens")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("uq_api_tokens_id", type_="unique")
        batch.drop_column("last_used_at")
        batch.drop_column("name")
        batch.drop_column("id")
    op.drop_index("ix_memberships_member_id", table_name="memberships")
    op.drop_table("memberships")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("admin")
