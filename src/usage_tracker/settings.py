"""Settings, read from the environment (prefix ``USAGE_TRACKER_``) and validated at start-up.

The Admin API key and base URL keep the OpenAI SDK's own names, ``OPENAI_ADMIN_KEY`` and
``OPENAI_BASE_URL``. Secrets are ``SecretStr`` so they never print by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from usage_tracker.data_dir import default_data_dir, sqlite_url

__all__ = ["Settings", "default_data_dir", "load_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="USAGE_TRACKER_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None,
        description="Any SQLAlchemy URL; default a SQLite file in the data directory.",
    )
    default_org: str = Field(
        default="default",
        description="Organization (slug) that file imports go to when --org is not given.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key from which the at-rest encryption key for stored admin keys is derived.",
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="Where the generated at-rest key lives (default <data_dir>/secret.key); "
        "keep it outside the data directory to back the two up apart.",
    )
    openai_admin_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_ADMIN_KEY", "USAGE_TRACKER_OPENAI_ADMIN_KEY"),
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "USAGE_TRACKER_OPENAI_BASE_URL"),
    )

    sync_interval_minutes: int = Field(
        default=60, ge=0, description="Minutes between scheduled syncs in `serve`; 0 turns it off."
    )
    sync_trailing_days: int = Field(
        default=3, ge=0, le=60, description="Days re-pulled on every sync (recent buckets change)."
    )
    sync_backfill_days: int = Field(
        default=90, ge=1, le=3660, description="Days a first sync (or `sync --full`) pulls."
    )
    sync_hourly_completions: bool = Field(
        default=False, description="Also sync completions usage in hourly buckets."
    )
    sync_audit_logs: bool = Field(
        default=True,
        description="Also sync OpenAI's own audit log (audit logging must be on for the org).",
    )
    sync_max_pages: int = Field(
        default=10_000, ge=1, description="Most pages one Admin API pull follows (has_more bound)."
    )
    sync_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Read timeout of each Admin API request, in seconds."
    )
    sync_max_retries: int = Field(
        default=3, ge=0, le=10, description="Retries of a failed Admin API request (429, 5xx…)."
    )

    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail alerts.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port (587 with STARTTLS).")
    smtp_from: str = Field(
        default="usage-tracker@localhost", description="From address of alert e-mails."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login, when needed.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Upgrade SMTP with STARTTLS.")
    budget_check_interval_minutes: int = Field(
        default=15, ge=0, description="Minutes between budget evaluations in `serve`; 0: off."
    )
    anomaly_min_usd: float = Field(
        default=10.0, ge=0, description="Smallest daily excess (USD) that can be an anomaly."
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token for `/metrics`; unset: the endpoint is off."
    )

    @field_validator("database_url")
    @classmethod
    def _non_empty_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return sqlite_url(self.data_dir)

    def masked(self) -> dict[str, Any]:
        """Effective settings for display, every field of the model, with every secret masked.

        Derived from the fields, so a new setting shows up (and a new secret stays hidden)
        without touching this method."""
        from usage_tracker.domain.secrets import mask_url, redact_key

        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "set"
            elif value is None:
                value = "not set"
            elif isinstance(value, Path):
                value = str(value)
            out[name] = value
        out["database_url"] = mask_url(self.effective_database_url)
        if self.openai_admin_key is not None:
            out["openai_admin_key"] = redact_key(self.openai_admin_key.get_secret_value())
        if self.openai_base_url is None:
            out["openai_base_url"] = "SDK default"
        return out


def load_settings() -> Settings:
    """Read and validate settings now (call once at start-up; pass the object on)."""
    return Settings()
