"""enforcement operation: an enforcement action points at the bulk operation carrying it out

Its status while that operation runs and after it ends is derived from the operation (see
`EnforcementAction.status`), not copied into the action when the operation finishes.

Revision ID: 0011_enforcement_operation
Revises: 0010_usage_dims
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_enforcement_operation"
down_revision: str | Sequence[str] | None = "0010_usage_dims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTION_KEY = "enforcement_action_id"


def upgrade() -> None:
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_enforcement_actions_operation_id_bulk_operations"),
            "bulk_operations",
            ["operation_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Each action's latest tagged operation carries it out (what settled its status before).
    conn = op.get_bind()
    latest: dict[int, int] = {}
    for op_id, params in conn.execute(sa.text("SELECT id, params FROM bulk_operations")):
        data = json.loads(params) if isinstance(params, str) else (params or {})
        action_id = data.get(ACTION_KEY)
        if action_id is not None:
            latest[int(action_id)] = max(op_id, latest.get(int(action_id), 0))
    for action_id, op_id in latest.items():
        conn.execute(
            sa.text("UPDATE enforcement_actions SET operation_id = :op WHERE id = :id"),
            {"op": op_id, "id": action_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_enforcement_actions_operation_id_bulk_operations"), type_="foreignkey"
        )
        batch_op.drop_column("operation_id")
