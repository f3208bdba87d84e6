"""Settings that only the web dashboard reads (same ``USAGE_TRACKER_`` prefix)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="USAGE_TRACKER_", extra="ignore")

    krw_per_usd: Decimal | None = Field(
        default=None,
        gt=0,
        description="Won per US dollar; when set, people may show amounts in KRW at this rate.",
    )
    session_hours: int = Field(
        default=168, ge=1, description="How long a dashboard sign-in lasts, in hours."
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Secure flag on cookies: auto sets it when the request arrived over HTTPS.",
    )
    page_concurrency: int = Field(
        default=2,
        ge=1,
        description="HTML pages rendered at once (the JSON API is not held back by them).",
    )
    max_upload_mb: int = Field(default=200, ge=1, description="Largest file one upload may be.")
