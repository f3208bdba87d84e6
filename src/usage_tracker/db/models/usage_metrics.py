"""Every usage metric column, typed once: usage records and usage rollups mix it in.

The names are `domain.endpoints.USAGE_METRICS` (the Admin API's spelling), in that order;
importing this module checks that the two agree.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.domain.endpoints import USAGE_METRICS


class UsageMetricColumns:
    """One BIGINT column per usage metric, 0 when the endpoint does not report it."""

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


_TYPED = tuple(n for n in UsageMetricColumns.__annotations__)
if _TYPED != USAGE_METRICS:  # pragma: no cover - a developer's mistake, caught at import
    raise RuntimeError(f"usage metric columns {_TYPED} differ from USAGE_METRICS")
