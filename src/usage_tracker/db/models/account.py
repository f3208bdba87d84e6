from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, UTCDateTime, utcnow


class Account(Base):
    """A person who signs in to the web dashboard (viewer or admin); not an OpenAI member."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="viewer")  # "viewer" | "admin"
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(16))
    theme: Mapped[str | None] = mapped_column(String(8))  # "light" | "dark" | "system"
    currency: Mapped[str | None] = mapped_column(String(3))  # display currency: "USD" | "KRW"
    # Bumped on password reset or disable: every session cookie signed with an older value dies.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
