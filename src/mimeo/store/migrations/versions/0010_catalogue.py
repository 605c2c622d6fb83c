"""the catalogue: a model's README, collections of models, and a model's example predictions

Revision ID: 0010
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("readme", sa.Text(), nullable=True))
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("full_description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("slug", name=op.f("uq_collections_slug")),
    )
    op.create_table(
        "collection_models",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_models_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_collection_models_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_id", "model_id", name=op.f("pk_collection_models")),
    )
    op.create_index("ix_collection_models_model_id", "collection_models", ["model_id"])
    op.create_table(
        "model_examples",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("prediction_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_examples_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prediction_id"],
            ["predictions.id"],
            name=op.f("fk_model_examples_prediction_id_predictions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "prediction_id", name=op.f("pk_model_examples")),
    )
    op.create_index("ix_model_examples_prediction_id", "model_examples", ["prediction_id"])


def downgrade() -> None:
    op.drop_index("ix_model_examples_prediction_id", table_name="model_examples")
    op.drop_table("model_examples")
    op.drop_index("ix_collection_models_model_id", table_name="collection_models")
    op.drop_table("collection_models")
    op.drop_table("collections")
    with op.batch_alter_table("models") as batch:
        batch.drop_column("readme")
