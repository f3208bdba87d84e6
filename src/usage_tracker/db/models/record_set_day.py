from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base


def _total() -> Mapped[int]:
    return mapped_column(BigInteger, default=0, server_default=text("0"))


class RecordSetDay(Base):
    """Which days a record set covers, with its row count and its day totals.

    Queries use it to choose exactly one record set per organization, kind and day, and read
    whole-day totals from it (costs: `amount_nanos`; usage: the report metrics) instead of
    summing thousands of rollup rows per day.
    """

    __tablename__ = "record_set_days"

    record_set_id: Mapped[int] = mapped_column(
        ForeignKey("record_sets.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    amount_nanos: Mapped[int] = mapped_column(BigInteger, default=0)
    # Usage day totals of the metrics reports show (see services/report_types.USAGE_SUMS).
    num_model_requests: Mapped[int] = _total()
    input_tokens: Mapped[int] = _total()
    input_cached_tokens: Mapped[int] = _total()
    output_tokens: Mapped[int] = _total()
    input_audio_tokens: Mapped[int] = _total()
    output_audio_tokens: Mapped[int] = _total()
