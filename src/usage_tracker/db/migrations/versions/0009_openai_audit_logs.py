"""openai audit logs: OpenAI's own audit-log events per organization

Revision ID: 0009_openai_audit_logs
Revises: 0008_perf2
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_openai_audit_logs"
down_revision: str | Sequence[str] | None = "0008_perf2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "openai_audit_events",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=32), nullable=True),
        sa.Column("actor_id", sa.String(length=120), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("api_key_id", sa.String(length=120), nullable=True),
        sa.Column("api_key_type", sa.String(length=32), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("project_name", sa.String(length=200), nullable=True),
        sa.Column("resource_id", sa.String(length=300), nullable=True),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_openai_audit_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_openai_audit_events")),
    )
    with op.batch_alter_table("openai_audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_openai_audit_events_org_at", ["organization_id", "effective_at"], unique=False
        )
        batch_op.create_index(
            "ix_openai_audit_events_org_project", ["organization_id", "project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("openai_audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_openai_audit_events_org_project")
        batch_op.drop_index("ix_openai_audit_events_org_at")
    op.drop_table("openai_audit_events")
