from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class AlertChannel(Base):
    """Where alerts go: an e-mail list, a Slack incoming webhook or a signed generic webhook."""

    __tablename__ = "alert_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # email | slack | webhook
    target: Mapped[str] = mapped_column(Text)  # URL, or comma-separated addresses
    secret_ciphertext: Mapped[str | None] = mapped_column(Text)  # webhook signing secret
    # A Slack webhook URL is a credential: sealed here, `target` shows only where it goes.
    target_ciphertext: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
