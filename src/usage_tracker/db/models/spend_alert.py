from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class SpendAlert(Base):
    """An OpenAI spend alert of the organization (project_id "") or of a project, in cents."""

    __tablename__ = "spend_alerts"
    __table_args__ = (UniqueConstraint("organization_id", "alert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[str] = mapped_column(String(120))
    project_id: Mapped[str] = mapped_column(String(64), default="")
    threshold_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8), default="usd")
    interval: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(Text)  # JSON of the notification channel
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
