"""perf2: usage per day and model (fast daily estimates); merges the heads

Revision ID: 0008_perf2
Revises: 0002_web, 0003_perf, 0004_sync, 0005_governance, 0006_budgets
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_perf2"
down_revision: str | Sequence[str] | None = (
    "0002_web",
    "0003_perf",
    "0004_sync",
    "0005_governance",
    "0006_budgets",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METRICS = (
    "num_model_requests",
    "input_tokens",
    "input_cached_tokens",
    "output_tokens",
    "input_audio_tokens",
    "output_audio_tokens",
    "images",
    "characters",
    "seconds",
)


def upgrade() -> None:
    op.create_table(
        "usage_day_models",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_set_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=True),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in METRICS),
        sa.ForeignKeyConstraint(
            ["record_set_id"],
            ["record_sets.id"],
            name=op.f("fk_usage_day_models_record_set_id_record_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_day_models")),
    )
    with op.batch_alter_table("usage_day_models", schema=None) as batch_op:
        batch_op.create_index("ix_usage_day_models_set_day", ["record_set_id", "day"], unique=False)
    # Existing data: from the day rollups.
    columns = ", ".join(METRICS)
    sums = ", ".join(f"COALESCE(SUM({name}), 0)" for name in METRICS)
    op.execute(
        f"INSERT INTO usage_day_models (record_set_id, day, model, {columns}) "
        f"SELECT record_set_id, period, model, {sums} FROM usage_rollups "
        "WHERE grain = 'day' GROUP BY record_set_id, period, model"
    )


def downgrade() -> None:
    with op.batch_alter_table("usage_day_models", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_day_models_set_day")
    op.drop_table("usage_day_models")
