from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class Budget(Base):
    """A spending budget for one scope (org, project, user, key or team) per calendar period."""

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("organization_id", "scope", "scope_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16))  # org | project | user | key | team
    scope_id: Mapped[str] = mapped_column(String(200))
    amount_nanos: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[str] = mapped_column(String(16), default="monthly")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    thresholds: Mapped[str] = mapped_column(String(100), default="50,80,100")
    rollover: Mapped[bool] = mapped_column(Boolean, default=False)
    enforce: Mapped[str] = mapped_column(String(16), default="none")
    enforce_auto: Mapped[bool] = mapped_column(Boolean, default=False)
    enforce_keys: Mapped[str | None] = mapped_column(String(2000))  # comma-separated key ids
    mirror_openai: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
