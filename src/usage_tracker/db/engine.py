"""Engine and session factory for any SQLAlchemy URL (SQLite: WAL, foreign keys, busy timeout)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.files import create_private_file


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


BUSY_TIMEOUT_MS = 30000
BUSY_MESSAGE = (
    "the database stayed busy with another import or sync for {seconds} s; nothing was "
    "changed — run it again when that one has finished"
)


def is_busy(exc: BaseException) -> bool:
    """True for a write that gave up waiting for another one (SQLite's busy timeout, or a
    PostgreSQL lock timeout): a message for the user, not a traceback."""
    text = str(getattr(exc, "orig", exc)).lower()
    return (
        "database is locked" in text or "lock timeout" in text or "database table is locked" in text
    )


def busy_message() -> str:
    return BUSY_MESSAGE.format(seconds=BUSY_TIMEOUT_MS // 1000)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; creates the SQLite file's directory when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # A new database file is created 0600 in a 0700 directory; SQLite gives its -wal
            # and -shm files the database file's mode.
            create_private_file(Path(parsed.database).expanduser())
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together at the end or not at all."""
    with factory() as session, session.begin():
        yield session
