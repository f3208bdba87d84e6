from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, BigIntPK


class UsageRecord(Base):
    """A usage result of one endpoint for one bucket (1m, 1h or 1d), with every metric.

    Its dimensions (project, user, key, model, batch, tier…) are one `dims_id`, a row of
    `usage_dims`; its record set and day are its bucket's. A row is a few dozen bytes, which is
    what lets an import write millions of them a minute. `dims_id` has no foreign key: the
    combination is written in the same transaction before any row that uses it and is never
    deleted, and the check would cost a lookup per row (a sixth of the import's write time).
    """

    __tablename__ = "usage_records"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    bucket_id: Mapped[int] = mapped_column(ForeignKey("buckets.id", ondelete="CASCADE"), index=True)
    dims_id: Mapped[int] = mapped_column(BigInteger)
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
