from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class ImportRun(Base):
    """A file that was imported into the ledger (failed files leave no trace here or elsewhere)."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_org_sha256", "organization_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(80))  # e.g. "costs", "usage:completions", "users"
    grouping: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[str | None] = mapped_column(String(4))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    buckets: Mapped[int] = mapped_column(Integer, default=0)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16), default="imported")
    message: Mapped[str | None] = mapped_column(Text)
