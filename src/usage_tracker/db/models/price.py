from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class Price(Base):
    """A unit price (USD, exact decimal text) for a model and token kind or unit.

    organization_id NULL is the installation-wide table (shipped or edited); a row with an
    organization is derived from that organization's own cost line items (amount ÷ quantity).
    """

    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("organization_id", "model", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    model: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))  # input | cached_input | output | images | …
    usd_per_unit: Mapped[str] = mapped_column(String(40))  # Decimal as text: exact everywhere
    unit: Mapped[str] = mapped_column(String(24))  # "token", "image", "second", "character"
    source: Mapped[str] = mapped_column(String(16))  # shipped | manual | derived
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
