"""Report answers kept per ledger version: every write a report reads makes a new answer, in
the same transaction too, and each caller gets a copy of its own (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, completion, cost, page, write_json
from usage_tracker.db.models import Project
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.ledger.names import upsert_project_names
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.reports.memo import remembered
from usage_tracker.services.reports.prices import set_price
from usage_tracker.services.reports.totals import ReportQuery, breakdown, summary

Q = ReportQuery(date(2024, 7, 1), date(2024, 7, 31), org="acme")


def _costs(tmp_path: Path, name: str, days: dict[int, str]) -> Path:
    return write_json(
        tmp_path / name, page([bucket(d, [cost(v, project="proj_a")]) for d, v in days.items()])
    )


def test_a_new_import_replaced_bucket_and_price_each_give_a_new_answer(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    import_file(session_factory, "acme", _costs(tmp_path, "a.json", {0: "1.50"}))
    with session_factory() as s:
        assert summary(s, Q).cost_nanos == 1_500_000_000
        assert summary(s, Q).cost_nanos == 1_500_000_000  # kept: the same answer
    import_file(session_factory, "acme", _costs(tmp_path, "b.json", {1: "2.25"}))
    with session_factory() as s:
        assert summary(s, Q).cost_nanos == 3_750_000_000
    # A newer export of day 0 replaces its bucket: same count of buckets, a different answer.
    import_file(session_factory, "acme", _costs(tmp_path, "c.json", {0: "0.50"}))
    with session_factory() as s:
        assert summary(s, Q).cost_nanos == 2_750_000_000

    usage = page([bucket(0, [completion(10, 1_000_000, 0, model="gpt-x", project_id="proj_a")])])
    import_file(session_factory, "acme", write_json(tmp_path / "u.json", usage))
    with session_factory() as s:
        assert summary(s, Q).estimated_cost_nanos in (None, 0)
    with session_factory.begin() as s:
        set_price(s, "gpt-x", "input", "2")
    with session_factory() as s:
        assert summary(s, Q).estimated_cost_nanos == 2_000_000_000
    with session_factory.begin() as s:
        set_price(s, "gpt-x", "input", "3")  # a changed price, not a new one
    with session_factory() as s:
        assert summary(s, Q).estimated_cost_nanos == 3_000_000_000


def test_a_renamed_project_is_seen_and_a_write_in_the_same_transaction_too(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    import_file(session_factory, "acme", _costs(tmp_path, "a.json", {0: "1.50"}))
    with session_factory.begin() as s:
        org = ensure_organization(s, "acme")
        upsert_project_names(s, org.id, {"proj_a": "Alpha"})
    with session_factory() as s:
        assert [r.label for r in breakdown(s, Q, "project")] == ["Alpha"]
    with session_factory() as s:
        s.execute(update(Project).where(Project.project_id == "proj_a").values(name="Beta"))
        assert [r.label for r in breakdown(s, Q, "project")] == ["Beta"]  # uncommitted, seen
        s.rollback()
        assert [r.label for r in breakdown(s, Q, "project")] == ["Alpha"]


def test_each_caller_gets_its_own_copy(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    import_file(session_factory, "acme", _costs(tmp_path, "a.json", {0: "1.50", 1: "2"}))
    with session_factory() as s:
        rows = breakdown(s, Q, "day")
        rows[0].cost_nanos = -1
        rows.clear()
        again = breakdown(s, Q, "day")
    assert [r.cost_nanos for r in again] == [1_500_000_000, 2_000_000_000]


def test_the_same_question_asked_at_once_is_computed_once(
    session_factory: sessionmaker[Session],
) -> None:
    calls: list[int] = []
    started = threading.Event()

    @remembered
    def slow_answer(session: Session, n: int) -> list[int]:
        calls.append(n)
        started.set()
        time.sleep(0.3)
        return [n, n]

    answers: list[list[int]] = []

    def ask() -> None:
        with session_factory() as s:
            answers.append(slow_answer(s, 7))

    first = threading.Thread(target=ask)
    first.start()
    started.wait(5)
    others = [threading.Thread(target=ask) for _ in range(3)]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(10)
    assert calls == [7]
    assert answers == [[7, 7]] * 4
    with session_factory() as s:
        assert slow_answer(s, 8) == [8, 8]  # another question is computed
    assert calls == [7, 8]
