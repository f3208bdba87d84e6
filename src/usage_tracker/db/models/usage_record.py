from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, BigIntPK


class UsageRecord(Base):
    """A usage result of one endpoint for one bucket (1m, 1h or 1d), with every metric."""

    __tablename__ = "usage_records"
    __table_args__ = (Index("ix_usage_records_set_day", "record_set_id", "day"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    bucket_id: Mapped[int] = mapped_column(ForeignKey("buckets.id", ondelete="CASCADE"), index=True)
    record_set_id: Mapped[int] = mapped_column(ForeignKey("record_sets.id", ondelete="CASCADE"))
    bucket_start: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    project_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    api_key_id: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(120))
    batch: Mapped[bool | None] = mapped_column(Boolean)
    service_tier: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[str | None] = mapped_column(String(64))
    context_level: Mapped[str | None] = mapped_column(String(64))
    vector_store_id: Mapped[str | None] = mapped_column(String(64))
    num_model_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    num_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_cached_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_cache_write_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_uncached_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_text_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_text_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_cached_text_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_audio_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_cached_audio_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_audio_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_image_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    input_cached_image_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_image_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    images: Mapped[int] = mapped_column(BigInteger, default=0)
    characters: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    num_sessions: Mapped[int] = mapped_column(BigInteger, default=0)
    usage_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
