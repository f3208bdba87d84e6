from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class RateLimit(Base):
    """A project × model rate limit as last read from the Admin API (`fetched_at` is its age)."""

    __tablename__ = "rate_limits"
    __table_args__ = (UniqueConstraint("organization_id", "project_id", "rate_limit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64))
    rate_limit_id: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(120))
    max_requests_per_1_minute: Mapped[int | None] = mapped_column(BigInteger)
    max_tokens_per_1_minute: Mapped[int | None] = mapped_column(BigInteger)
    max_images_per_1_minute: Mapped[int | None] = mapped_column(BigInteger)
    max_audio_megabytes_per_1_minute: Mapped[int | None] = mapped_column(BigInteger)
    max_requests_per_1_day: Mapped[int | None] = mapped_column(BigInteger)
    batch_1_day_max_input_tokens: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
