"""allocations: billed dollars given to users and API keys by usage share, stored per base
cost record set, day and dimension (filled by `refresh_allocations` after imports, syncs and
price changes; reports compute what is missing or out of date)

Revision ID: 0013_allocations
Revises: 0012_web_sessions
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_allocations"
down_revision: str | Sequence[str] | None = "0012_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _record_set_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["record_set_id"],
        ["record_sets.id"],
        name=op.f(f"fk_{table}_record_set_id_record_sets"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "allocation_days",
        sa.Column("record_set_id", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("unattributed", sa.Boolean(), nullable=True),
        _record_set_fk("allocation_days"),
        sa.PrimaryKeyConstraint("record_set_id", "dim", "day", name=op.f("pk_allocation_days")),
    )
    op.create_table(
        "allocation_parts",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("record_set_id", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=120), nullable=True),
        sa.Column("who", sa.String(length=64), nullable=True),
        sa.Column("nanos", sa.BigInteger(), nullable=False),
        _record_set_fk("allocation_parts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_parts")),
    )
    with op.batch_alter_table("allocation_parts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_allocation_parts_set_dim_day", ["record_set_id", "dim", "day"], unique=False
        )
        batch_op.create_index(
            "ix_allocation_parts_set_dim_who", ["record_set_id", "dim", "who", "day"], unique=False
        )
        batch_op.create_index(
            "ix_allocation_parts_set_dim_project",
            ["record_set_id", "dim", "project_id", "day"],
            unique=False,
        )
    op.create_table(
        "allocation_months",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("record_set_id", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=True),
        sa.Column("nanos", sa.BigInteger(), nullable=False),
        _record_set_fk("allocation_months"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_months")),
    )
    with op.batch_alter_table("allocation_months", schema=None) as batch_op:
        batch_op.create_index(
            "ix_allocation_months_set_dim_month", ["record_set_id", "dim", "month"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("allocation_months", schema=None) as batch_op:
        batch_op.drop_index("ix_allocation_months_set_dim_month")
    op.drop_table("allocation_months")
    with op.batch_alter_table("allocation_parts", schema=None) as batch_op:
        batch_op.drop_index("ix_allocation_parts_set_dim_project")
        batch_op.drop_index("ix_allocation_parts_set_dim_who")
        batch_op.drop_index("ix_allocation_parts_set_dim_day")
    op.drop_table("allocation_parts")
    op.drop_table("allocation_days")
