from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class SpendLimit(Base):
    """An OpenAI spend limit of the organization (project_id "") or of a project, in cents."""

    __tablename__ = "spend_limits"
    __table_args__ = (UniqueConstraint("organization_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64), default="")
    threshold_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8), default="usd")
    interval: Mapped[str | None] = mapped_column(String(16))
    enforcement: Mapped[str | None] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
