from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class OpenAIAuditEvent(Base):
    """One event of OpenAI's own audit log for an organization (`GET /organization/audit_logs`),
    keyed by OpenAI's event id; `event` is the event exactly as the Admin API returned it."""

    __tablename__ = "openai_audit_events"
    __table_args__ = (
        Index("ix_openai_audit_events_org_at", "organization_id", "effective_at"),
        Index("ix_openai_audit_events_org_project", "organization_id", "project_id"),
    )

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # OpenAI's event id
    type: Mapped[str] = mapped_column(String(120))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_type: Mapped[str | None] = mapped_column(String(32))  # session | api_key
    actor_id: Mapped[str | None] = mapped_column(String(120))  # user or service account id
    actor_email: Mapped[str | None] = mapped_column(String(320))
    api_key_id: Mapped[str | None] = mapped_column(String(120))
    api_key_type: Mapped[str | None] = mapped_column(String(32))  # user | service_account
    ip_address: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(String(64))
    project_name: Mapped[str | None] = mapped_column(String(200))
    resource_id: Mapped[str | None] = mapped_column(String(300))  # what the event acted on
    event: Mapped[Any] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
