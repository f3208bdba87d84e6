"""Run the package's Alembic migrations (``usage-tracker db upgrade``) and check the schema.

The check every command makes (`is_up_to_date`) loads neither Alembic nor its environment: the
database's revisions are read from its `alembic_version` table, and the newest ones from the
`revision` / `down_revision` lines of the files in `migrations/versions` (a test holds them equal
to Alembic's own `ScriptDirectory` heads). Alembic is imported only when a migration runs.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "alembic_version"
REVISIONS_SQL = f"SELECT version_num FROM {VERSION_TABLE}"
_REVISION = re.compile(r"^revision\b[^=\n]*=\s*['\"]([^'\"]+)['\"]", re.M)
# `down_revision = "a"`, `= None`, or a tuple that may span lines up to its closing parenthesis
_DOWN = re.compile(r"^down_revision\b[^=\n]*=\s*(\([^)]*\)|[^\n]*)", re.M)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (every head)."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at (empty for a database never migrated)."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        rows = connection.execute(text(REVISIONS_SQL))
        return {row[0] for row in rows}


def dbapi_revisions(connection: Any) -> set[str]:
    """`current_revisions` over a plain DBAPI connection (the quick CLI path: no SQLAlchemy).
    A database without the version table raises the driver's error."""
    cursor = connection.cursor()
    try:
        cursor.execute(REVISIONS_SQL)
        return {row[0] for row in cursor.fetchall()}
    finally:
        cursor.close()


@cache
def head_revisions() -> frozenset[str]:
    """The newest revisions shipped in `migrations/versions`: those no other file revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in VERSIONS_DIR.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            revised.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - revised)


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()
