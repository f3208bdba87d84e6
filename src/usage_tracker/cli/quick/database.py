"""The SQLite database the settings name, found without pydantic, or None to decline.

The settings (`settings.py`) read `USAGE_TRACKER_*` variables case-insensitively. Those whose
field takes any string (`STRING_SETTINGS`, a test holds it to the model) cannot make the
settings invalid; any other one might (`USAGE_TRACKER_SMTP_PORT=x`), so the quick path declines
and the Typer app reports it. A database URL that is not a plain `sqlite:///PATH`
(PostgreSQL, a driver, query parameters, `~`, escapes, `:memory:`) is declined too.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from usage_tracker.data_dir import default_data_dir, sqlite_url

PREFIX = "usage_tracker_"
STRING_SETTINGS = frozenset(
    {
        "data_dir",
        "database_url",
        "default_org",
        "secret_key",
        "secret_key_file",
        "openai_admin_key",
        "openai_base_url",
        "smtp_host",
        "smtp_from",
        "smtp_username",
        "smtp_password",
        "metrics_token",
    }
)
SQLITE = "sqlite:///"
BUSY_SECONDS = 30.0  # as db/engine.py's BUSY_TIMEOUT_MS (a test holds them equal)


def database_url(environ: Mapping[str, str]) -> str | None:
    """The effective database URL of `environ`'s settings, or None when they might be invalid."""
    values: dict[str, str] = {}
    for name, value in environ.items():
        lowered = name.lower()
        if not lowered.startswith(PREFIX):
            continue
        field = lowered[len(PREFIX) :]
        if field not in STRING_SETTINGS or field in values:
            return None
        values[field] = value
    url = values.get("database_url", "").strip()
    if url:
        return values["database_url"]
    data_dir = values.get("data_dir")
    if data_dir is not None and not data_dir.strip():
        return None
    return sqlite_url(Path(data_dir) if data_dir is not None else default_data_dir())


def sqlite_path(url: str) -> str | None:
    """The file of a plain `sqlite:///PATH` URL, or None."""
    if not url.startswith(SQLITE):
        return None
    path = url[len(SQLITE) :]
    if not path or path == ":memory:" or path.startswith(("~", "//")):
        return None
    if any(c in path for c in "?%#"):  # a query, escapes: and these would need quoting in a URI
        return None
    return path


def open_existing(path: str) -> sqlite3.Connection | None:
    """A connection to the database file at `path` if it exists (never creating it). `path`
    has no `?`, `%` or `#` and does not start with `//` (`sqlite_path`), so it is a URI path."""
    if not os.path.isfile(path):
        return None
    try:
        return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=BUSY_SECONDS)
    except sqlite3.Error:
        return None
