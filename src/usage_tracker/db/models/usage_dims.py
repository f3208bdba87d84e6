"""Combinations of usage dimensions, one row each, shared by every usage row that has them."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, BigIntPK


class UsageDims(Base):
    """One combination of a usage row's dimensions; `id` is `domain.usage_dims.dims_id` of its
    values, so every process agrees on it. Rows are only ever added (they hold no amounts)."""

    __tablename__ = "usage_dims"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
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
