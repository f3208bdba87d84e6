from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, BigIntPK


class CostRecord(Base):
    """A billed cost result for one daily bucket; amount in integer nano-dollars."""

    __tablename__ = "cost_records"
    __table_args__ = (Index("ix_cost_records_set_day", "record_set_id", "day"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    bucket_id: Mapped[int] = mapped_column(ForeignKey("buckets.id", ondelete="CASCADE"), index=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    project_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    api_key_id: Mapped[str | None] = mapped_column(String(64))
    line_item: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(120))
    token_kind: Mapped[str | None] = mapped_column(String(40))
    amount_nanos: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8), default="usd")
    quantity: Mapped[float | None] = mapped_column(Float)
    quantity_unit: Mapped[str | None] = mapped_column(String(40))
