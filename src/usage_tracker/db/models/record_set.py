from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class RecordSet(Base):
    """One view of an organization's spend or usage: kind × bucket width × grouping.

    Record sets of the same organization and kind are alternative views of the same money or
    usage; queries read exactly one of them per day (see services/ledger/record_sets.py).
    """

    __tablename__ = "record_sets"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "width", "grouping"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # "costs" or a usage endpoint
    width: Mapped[str] = mapped_column(String(4))  # 1m, 1h, 1d
    grouping: Mapped[str] = mapped_column(String(200))  # comma-separated sorted dimensions
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
