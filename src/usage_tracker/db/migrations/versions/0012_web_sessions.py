"""web sessions: a signed-in browser is a row, so signing out ends it server-side; Slack
webhook URLs sealed like the other secrets (`alert_channels.target_ciphertext`)

Revision ID: 0012_web_sessions
Revises: 0011_enforcement_operation
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_web_sessions"
down_revision: str | Sequence[str] | None = "0011_enforcement_operation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_web_sessions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_account_id"), "web_sessions", ["account_id"])
    with op.batch_alter_table("alert_channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_ciphertext", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_channels", schema=None) as batch_op:
        batch_op.drop_column("target_ciphertext")
    op.drop_index(op.f("ix_web_sessions_account_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
