"""Where the data lives by default, and the SQLite URL of a data directory.

Kept apart from `settings` (pydantic) so that the quick report path (`cli/quick/`) finds the
same database as the settings do without loading pydantic.
"""

from __future__ import annotations

from pathlib import Path


def default_data_dir() -> Path:
    import platformdirs  # only when no database URL is set

    return Path(platformdirs.user_data_dir("openai-usage-tracker", appauthor=False))


def sqlite_url(data_dir: Path) -> str:
    """The database URL when `USAGE_TRACKER_DATABASE_URL` is not set."""
    return f"sqlite:///{data_dir / 'usage-tracker.sqlite3'}"
