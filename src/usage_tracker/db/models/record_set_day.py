from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base


class RecordSetDay(Base):
    """Which days a record set covers, with its row count and (for costs) its total.

    Queries use it to choose exactly one record set per organization, kind and day.
    """

    __tablename__ = "record_set_days"

    record_set_id: Mapped[int] = mapped_column(
        ForeignKey("record_sets.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    amount_nanos: Mapped[int] = mapped_column(BigInteger, default=0)
