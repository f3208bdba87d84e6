"""Settings, read from the environment (prefix ``USAGE_TRACKER_``) and validated at start-up.

The Admin API key and base URL keep the OpenAI SDK's own names, ``OPENAI_ADMIN_KEY`` and
``OPENAI_BASE_URL``. Secrets are ``SecretStr`` so they never print by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("openai-usage-tracker", appauthor=False))


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
    openai_admin_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_ADMIN_KEY", "USAGE_TRACKER_OPENAI_ADMIN_KEY"),
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "USAGE_TRACKER_OPENAI_BASE_URL"),
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
        return f"sqlite:///{self.data_dir / 'usage-tracker.sqlite3'}"

    def masked(self) -> dict[str, Any]:
        """Effective settings for display, with every secret masked."""
        from usage_tracker.domain.secrets import mask_url, redact_key

        return {
            "data_dir": str(self.data_dir),
            "database_url": mask_url(self.effective_database_url),
            "default_org": self.default_org,
            "secret_key": "set" if self.secret_key else "not set",
            "openai_admin_key": redact_key(self.openai_admin_key.get_secret_value())
            if self.openai_admin_key
            else "not set",
            "openai_base_url": self.openai_base_url or "SDK default",
        }


def load_settings() -> Settings:
    """Read and validate settings now (call once at start-up; pass the object on)."""
    return Settings()
