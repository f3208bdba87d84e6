from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class Bucket(Base):
    """A time bucket of one record set. A newer copy of a bucket replaces the older one whole."""

    __tablename__ = "buckets"
    __table_args__ = (UniqueConstraint("record_set_id", "start_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    start_time: Mapped[int] = mapped_column(BigInteger)  # epoch seconds, UTC
    end_time: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)  # UTC day of start_time
    rows: Mapped[int] = mapped_column(Integer, default=0)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
