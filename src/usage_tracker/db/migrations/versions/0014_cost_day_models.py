"""cost per day and model: the daily cost by model (the overview's stacked chart, the models
trend) reads a few thousand rows a year instead of every day rollup of a user-grouped export

Revision ID: 0014_cost_day_models
Revises: 0013_allocations
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_cost_day_models"
down_revision: str | Sequence[str] | None = "0013_allocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cost_day_models",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_set_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=True),
        sa.Column("amount_nanos", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_set_id"],
            ["record_sets.id"],
            name=op.f("fk_cost_day_models_record_set_id_record_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_day_models")),
    )
    with op.batch_alter_table("cost_day_models", schema=None) as batch_op:
        batch_op.create_index("ix_cost_day_models_set_day", ["record_set_id", "day"], unique=False)
    # Existing data: from the day rollups.
    op.execute(
        "INSERT INTO cost_day_models (record_set_id, day, model, amount_nanos) "
        "SELECT record_set_id, period, model, COALESCE(SUM(amount_nanos), 0) FROM cost_rollups "
        "WHERE grain = 'day' GROUP BY record_set_id, period, model"
    )


def downgrade() -> None:
    with op.batch_alter_table("cost_day_models", schema=None) as batch_op:
        batch_op.drop_index("ix_cost_day_models_set_day")
    op.drop_table("cost_day_models")
