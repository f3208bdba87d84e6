"""Billed dollars allocated to users and API keys, stored (services/reports/allocation_store).

Invoice-shaped cost data (project × line item) has no user or key; a question about users or
keys splits each day × project × model by usage share (services/reports/attribution). Computing
that split reads every usage cell of the range, so it is stored per base cost record set, day
and dimension, stamped with what it was computed from; reports read the stored parts of days
whose stamp is current and compute the rest.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, BigIntPK


class AllocationDay(Base):
    """One base record set's day allocated along one dimension ("user" or "api_key")."""

    __tablename__ = "allocation_days"

    record_set_id: Mapped[int] = mapped_column(
        ForeignKey("record_sets.id", ondelete="CASCADE"), primary_key=True
    )
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # What the parts were computed from: the organization's buckets that day and the prices.
    stamp: Mapped[str] = mapped_column(String(200))
    # None: nothing billed that day; True: billed, but no usage to split it by (only the
    # "not attributed" part); False: some of it is attributed.
    unattributed: Mapped[bool | None] = mapped_column(Boolean)


class AllocationPart(Base):
    """The billed nano-dollars of one day × project × model given to one user or key (`who`
    None: to nobody, for want of usage data)."""

    __tablename__ = "allocation_parts"
    __table_args__ = (
        Index("ix_allocation_parts_set_dim_day", "record_set_id", "dim", "day"),
        Index("ix_allocation_parts_set_dim_who", "record_set_id", "dim", "who", "day"),
        Index("ix_allocation_parts_set_dim_project", "record_set_id", "dim", "project_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    dim: Mapped[str] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(Date)
    project_id: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(120))
    who: Mapped[str | None] = mapped_column(String(64))
    nanos: Mapped[int] = mapped_column(BigInteger)


class AllocationMonth(Base):
    """The parts of one calendar month (`month`: its first day) summed per user or key, so a
    year's ranking reads thousands of rows, not the day parts' million."""

    __tablename__ = "allocation_months"
    __table_args__ = (Index("ix_allocation_months_set_dim_month", "record_set_id", "dim", "month"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    dim: Mapped[str] = mapped_column(String(8))
    month: Mapped[date] = mapped_column(Date)
    who: Mapped[str | None] = mapped_column(String(64))
    nanos: Mapped[int] = mapped_column(BigInteger)
