from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class RateLimitTemplateAssignment(Base):
    """The template a project's limits should follow (one per project); drift is measured to it."""

    __tablename__ = "rate_limit_template_assignments"
    __table_args__ = (UniqueConstraint("organization_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[int] = mapped_column(
        ForeignKey("rate_limit_templates.id", ondelete="CASCADE")
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
