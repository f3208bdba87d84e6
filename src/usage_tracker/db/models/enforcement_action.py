from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class EnforcementAction(Base):
    """What a budget at 100 % did (or proposes to do) in a period, and how it was undone."""

    __tablename__ = "enforcement_actions"
    __table_args__ = (UniqueConstraint("budget_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    budget_id: Mapped[int] = mapped_column()
    period_start: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(16))  # spend-limit | disable | revoke-keys
    targets: Mapped[Any] = mapped_column(JSON)  # project or key ids
    # proposed | applied | partial | failed | restored | restore-partial | dismissed
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
