"""Settings come from USAGE_TRACKER_* (plus the SDK's OPENAI_*) and never show a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from usage_tracker.settings import Settings

FAKE_KEY = "sk-admin-" + "x" * 40 + "wxyz"


@pytest.fixture(autouse=True)
def _no_outer_env(clean_env: None) -> None:
    """Every test here starts from an environment without USAGE_TRACKER_* or OPENAI_*."""


def test_reads_the_usage_tracker_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("USAGE_TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("USAGE_TRACKER_DATABASE_URL", "postgresql+psycopg://u@db/usage")
    monkeypatch.setenv("USAGE_TRACKER_DEFAULT_ORG", "acme")

    settings = Settings()

    assert settings.data_dir == tmp_path
    assert settings.effective_database_url == "postgresql+psycopg://u@db/usage"
    assert settings.default_org == "acme"


def test_defaults_to_a_sqlite_file_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("USAGE_TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("USAGE_TRACKER_DATABASE_URL", "  ")

    settings = Settings()

    assert settings.database_url is None
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'usage-tracker.sqlite3'}"


@pytest.mark.parametrize("variable", ["OPENAI_ADMIN_KEY", "USAGE_TRACKER_OPENAI_ADMIN_KEY"])
def test_admin_key_is_read_under_the_sdk_name_and_the_prefixed_name(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")

    settings = Settings()

    assert settings.openai_admin_key is not None
    assert settings.openai_admin_key.get_secret_value() == FAKE_KEY
    assert settings.openai_base_url == "http://127.0.0.1:9/v1"


def test_no_admin_key_by_default() -> None:
    settings = Settings()

    assert settings.openai_admin_key is None
    assert settings.masked()["openai_admin_key"] == "not set"


def test_masked_never_contains_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ADMIN_KEY", FAKE_KEY)
    monkeypatch.setenv("USAGE_TRACKER_SECRET_KEY", "a-very-secret-value")
    monkeypatch.setenv("USAGE_TRACKER_DATABASE_URL", "postgresql+psycopg://u:hunter2@db/usage")

    settings = Settings()
    shown = repr(settings.masked()) + repr(settings) + str(settings)

    assert FAKE_KEY not in shown
    assert "x" * 40 not in shown
    assert "a-very-secret-value" not in shown
    assert "hunter2" not in settings.masked()["database_url"]
    assert settings.masked()["openai_admin_key"].endswith("wxyz")
    assert settings.masked()["secret_key"] == "set"


def test_settings_fixture_is_isolated_from_the_outer_environment(
    settings: Settings, db_url: str, tmp_path: Path
) -> None:
    assert settings.effective_database_url == db_url
    assert settings.data_dir == tmp_path / "data"
    assert settings.openai_admin_key is None
    assert settings.openai_base_url is None
