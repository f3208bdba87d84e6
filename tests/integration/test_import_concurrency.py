"""Imports at the same time (issue 17): two that both create a new organization both succeed;
one that waits behind a long write either waits its turn (PostgreSQL) or, past SQLite's busy
timeout, is refused with a message — never a traceback, nothing half-written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db import engine as engine_module
from usage_tracker.db.engine import make_engine, make_session_factory
from usage_tracker.db.models import ImportRun, Organization
from usage_tracker.services.ledger.imports import ImportFailed, import_file

FILES = ("costs_grouped_by_user.json", "usage_completions_1d.json")


def _together(*jobs: object) -> list[object]:
    """Run the callables at the same instant; their results or the exceptions they raised."""
    results: list[object] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(i: int, job: object) -> None:
        start.wait()
        try:
            results[i] = job()  # type: ignore[operator]
        except Exception as exc:  # the test asserts what they are
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_two_imports_creating_the_same_new_organization_both_succeed(
    session_factory: sessionmaker[Session], samples_dir: Path
) -> None:
    for round_ in range(4):
        slug = f"fresh-{round_}"
        results = _together(
            *(
                lambda n=name, s=slug: import_file(session_factory, s, samples_dir / n)
                for name in FILES
            )
        )
        assert [getattr(r, "outcome", r) for r in results] == ["imported", "imported"]
        with session_factory() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(Organization).where(Organization.slug == slug)
                )
                == 1
            )


def test_an_import_behind_a_long_write_waits_or_is_refused_with_a_message(
    engine: Engine,
    db_url: str,
    samples_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    importer = make_engine(db_url)  # a short busy timeout: SQLite gives up after 0.3 s
    factory = make_session_factory(importer)
    sqlite = engine.dialect.name == "sqlite"
    holder = engine.connect()
    try:
        if sqlite:
            holder.exec_driver_sql("BEGIN IMMEDIATE")  # the long import or sync, mid-write
        else:
            holder.execute(text("LOCK TABLE organizations IN EXCLUSIVE MODE"))
        release = threading.Timer(1.5, holder.rollback)
        release.start()
        began = time.monotonic()
        try:
            result = import_file(factory, "acme", samples_dir / FILES[0])
        except ImportFailed as exc:
            assert sqlite, "PostgreSQL waits its turn"
            assert "busy with another import or sync" in str(exc)
            assert str(exc).startswith(FILES[0]) and "nothing was changed" in str(exc)
            release.join()
            with make_session_factory(engine)() as session:
                assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
        else:
            assert result.outcome == "imported"
            if not sqlite:
                assert time.monotonic() - began >= 1.0  # it waited for the lock to go
        release.join()
    finally:
        holder.close()
        importer.dispose()
