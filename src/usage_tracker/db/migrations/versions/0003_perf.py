"""perf: usage day totals on record_set_days (fast daily reports)

Revision ID: 0003_perf
Revises: 0001_ledger
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_perf"
down_revision: str | Sequence[str] | None = "0001_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOTALS = (
    "num_model_requests",
    "input_tokens",
    "input_cached_tokens",
    "output_tokens",
    "input_audio_tokens",
    "output_audio_tokens",
)


def upgrade() -> None:
    with op.batch_alter_table("record_set_days", schema=None) as batch_op:
        for name in TOTALS:
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), server_default=sa.text("0"), nullable=False)
            )
    # Existing data: each usage day's totals from its day rollups.
    for name in TOTALS:
        op.execute(
            f"UPDATE record_set_days SET {name} = COALESCE(("
            f"SELECT SUM(r.{name}) FROM usage_rollups r "
            "WHERE r.record_set_id = record_set_days.record_set_id "
            "AND r.grain = 'day' AND r.period = record_set_days.day), 0)"
        )


def downgrade() -> None:
    with op.batch_alter_table("record_set_days", schema=None) as batch_op:
        for name in reversed(TOTALS):
            batch_op.drop_column(name)
