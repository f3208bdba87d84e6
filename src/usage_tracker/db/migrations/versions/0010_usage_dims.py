"""usage dims: a usage row's dimensions become one id into usage_dims; record set and day are
its bucket's

Revision ID: 0010_usage_dims
Revises: 0009_openai_audit_logs
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from usage_tracker.domain.usage_dims import dims_id

revision: str = "0010_usage_dims"
down_revision: str | Sequence[str] | None = "0009_openai_audit_logs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_DIMS = {
    "project_id": 64,
    "user_id": 64,
    "api_key_id": 64,
    "model": 120,
    "service_tier": 64,
    "source": 64,
    "size": 64,
    "context_level": 64,
    "vector_store_id": 64,
}
DIMS = ("project_id", "user_id", "api_key_id", "model", "batch", *list(TEXT_DIMS)[4:])
_SEP = "\x1f"  # between the values of a combination's key (never in an id or a model name)
_CHUNK = 1000


def _dims_columns() -> list[sa.Column[object]]:
    return [
        sa.Column(name, sa.Boolean() if name == "batch" else sa.String(TEXT_DIMS[name]))
        for name in DIMS
    ]


def _key(alias: str) -> str:
    """One text per combination, the same SQL on both tables (NULL and '' never both occur:
    imports store an empty value as NULL)."""
    parts = [
        f"CASE WHEN {alias}.batch IS NULL THEN '' WHEN {alias}.batch THEN 't' ELSE 'f' END"
        if name == "batch"
        else f"COALESCE({alias}.{name}, '')"
        for name in DIMS
    ]
    return f" || '{_SEP}' || ".join(parts)


def upgrade() -> None:
    op.create_table(
        "usage_dims",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        *_dims_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_dims")),
    )
    bind = op.get_bind()
    old = sa.table("usage_records", *_dims_columns())
    dims_table = sa.table("usage_dims", sa.column("id", sa.BigInteger()), *_dims_columns())
    combinations = bind.execute(sa.select(*old.c).distinct()).all()
    rows = [{"id": dims_id(tuple(c)), **dict(zip(DIMS, c, strict=True))} for c in combinations]
    for i in range(0, len(rows), _CHUNK):
        bind.execute(sa.insert(dims_table), rows[i : i + _CHUNK])

    op.add_column("usage_records", sa.Column("dims_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "usage_dims_keys",
        sa.Column("k", sa.Text(), primary_key=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
    )
    op.execute(f"INSERT INTO usage_dims_keys (k, id) SELECT {_key('d')}, d.id FROM usage_dims d")
    op.execute(
        "UPDATE usage_records SET dims_id = (SELECT k.id FROM usage_dims_keys k "
        f"WHERE k.k = {_key('usage_records')})"
    )
    op.drop_table("usage_dims_keys")

    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_records_set_day")
        batch_op.drop_constraint("fk_usage_records_record_set_id_record_sets", type_="foreignkey")
        for name in ("record_set_id", "bucket_start", "day", *DIMS):
            batch_op.drop_column(name)
        batch_op.alter_column("dims_id", existing_type=sa.BigInteger(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_set_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("bucket_start", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("day", sa.Date(), nullable=True))
        for column in _dims_columns():
            batch_op.add_column(column)
    from_bucket = {"record_set_id": "record_set_id", "bucket_start": "start_time", "day": "day"}
    sets = [
        f"{name} = (SELECT b.{source} FROM buckets b WHERE b.id = usage_records.bucket_id)"
        for name, source in from_bucket.items()
    ] + [
        f"{name} = (SELECT d.{name} FROM usage_dims d WHERE d.id = usage_records.dims_id)"
        for name in DIMS
    ]
    op.execute(f"UPDATE usage_records SET {', '.join(sets)}")
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.alter_column("record_set_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("bucket_start", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("day", existing_type=sa.Date(), nullable=False)
        batch_op.create_foreign_key(
            "fk_usage_records_record_set_id_record_sets",
            "record_sets",
            ["record_set_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_usage_records_set_day", ["record_set_id", "day"], unique=False)
        batch_op.drop_column("dims_id")
    op.drop_table("usage_dims")
