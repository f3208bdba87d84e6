"""Rollups maintained on write so reports over a year read thousands of rows, not millions.

Grain ``day`` sums a record set's rows per UTC day; grain ``month`` per calendar month (period is
the first day). Both keep the dimensions reports group and filter by.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, BigIntPK
from usage_tracker.db.models.usage_metrics import UsageMetricColumns


class CostRollup(Base):
    __tablename__ = "cost_rollups"
    __table_args__ = (
        Index("ix_cost_rollups_set_grain_period", "record_set_id", "grain", "period"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    grain: Mapped[str] = mapped_column(String(5))  # "day" | "month"
    period: Mapped[date] = mapped_column(Date)
    project_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    api_key_id: Mapped[str | None] = mapped_column(String(64))
    line_item: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(120))
    token_kind: Mapped[str | None] = mapped_column(String(40))
    amount_nanos: Mapped[int] = mapped_column(BigInteger, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)


class UsageRollup(UsageMetricColumns, Base):
    __tablename__ = "usage_rollups"
    __table_args__ = (
        Index("ix_usage_rollups_set_grain_period", "record_set_id", "grain", "period"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    grain: Mapped[str] = mapped_column(String(5))
    period: Mapped[date] = mapped_column(Date)
    project_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    api_key_id: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(120))
    rows: Mapped[int] = mapped_column(Integer, default=0)


class UsageDayModel(Base):
    """Usage of one record set per UTC day and model: the day rollups summed over projects,
    users and keys (migration 0008), maintained with them. Daily estimates read it: a year is
    a few thousand rows instead of the day rollups' million."""

    __tablename__ = "usage_day_models"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    model: Mapped[str | None] = mapped_column(String(120))
    num_model_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_cached_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_audio_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_audio_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    images: Mapped[int] = mapped_column(BigInteger, default=0)
    characters: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_usage_day_models_set_day", "record_set_id", "day"),)


class CostDayModel(Base):
    """Billed cost of one record set per UTC day and model: the day rollups summed over
    projects, users, keys and line items (migration 0014), maintained with them. The daily
    cost by model (the overview's stacked chart, the models trend) reads it: a year of a
    user-grouped export is ≈ 10,000 rows instead of its half a million day rollups."""

    __tablename__ = "cost_day_models"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    model: Mapped[str | None] = mapped_column(String(120))
    amount_nanos: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_cost_day_models_set_day", "record_set_id", "day"),)
