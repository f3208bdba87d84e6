"""The stored allocation of billed dollars to users and keys gives the answers the computation
gives, for every question shape; it is refreshed day by day; an out-of-date day is computed.

Each question is asked twice: once with the stored allocation (after `refresh_allocations`),
once with the stored tables emptied (the computation `attribution.compute_allocation` does on
its own). Both databases.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, completion, cost, page, write_json
from usage_tracker.db.models import AllocationDay, AllocationMonth, AllocationPart
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.reports import memo
from usage_tracker.services.reports.allocation_store import refresh_allocations
from usage_tracker.services.reports.prices import set_price
from usage_tracker.services.reports.reconcile import reconcile
from usage_tracker.services.reports.totals import breakdown, summary
from usage_tracker.services.reports.types import ReportQuery

DAYS = 40  # 2024-07-01 … 2024-08-09: one whole month and part of the next
Q = ReportQuery(date(2024, 7, 1), date(2024, 8, 9), org="acme")
USERS = ("u1", "u2", "u3")
PROJECTS = ("proj_a", "proj_b")


def _usage(day: int, extra: int) -> list[dict[str, Any]]:
    out = []
    for i, user in enumerate(USERS):
        if (day + i) % 4 == 3:  # not every user every day
            continue
        project = PROJECTS[(day + i) % 2]
        model = "gpt-4o" if i != 2 else "not-a-priced-model"  # token share where unpriced
        out.append(
            completion(1 + (day * 7 + i + extra) % 5, tokens_in=100 * (i + 1) + day, tokens_out=10 + day,
                       project_id=project, user_id=user, api_key_id=f"key_{user}", model=model)
        )  # fmt: skip
    out.append(completion(2, project_id="proj_a", user_id=None, api_key_id="key_svc",
                          model="gpt-4o"))  # fmt: skip
    return out


def _import(
    factory: sessionmaker[Session], tmp: Path, name: str, days: range, extra: int = 0
) -> None:
    def results(d: int) -> list[dict[str, Any]]:
        return [
            cost(f"{3 + d % 7 + extra}.25", "proj_a", "gpt-4o, input"),
            cost(f"{1 + d % 3}.5", "proj_b", "gpt-4o, output"),
            cost("0.75", "proj_b", "not-a-priced-model, input"),
        ]

    costs = page([bucket(d, results(d)) for d in days])
    import_file(factory, "acme", write_json(tmp / f"costs-{name}.json", costs))
    # Usage stops two days before the costs: those days are billed with nothing to split by.
    usage = page([bucket(d, _usage(d, extra)) for d in days if d < days.stop - 2])
    import_file(factory, "acme", write_json(tmp / f"usage-{name}.json", usage))


def _questions(session: Session, every: bool = True) -> dict[str, Any]:
    """Every question shape (`every`), or those that read the user and key allocation, which
    the refresh tests follow from day to day."""
    part = replace(Q, since=date(2024, 7, 5), until=date(2024, 7, 20))
    out: dict[str, Any] = {}
    if not every:
        for name, q in (("all", Q), ("part", part)):
            for by in ("user", "api_key"):
                out[f"{name} by {by}"] = breakdown(session, q, by)
            out[f"{name} user top 2"] = breakdown(session, q, "user", top=2)
            one = replace(q, user="u1")
            out[f"{name} u1 summary"] = summary(session, one).cost_nanos
            out[f"{name} u1 by day"] = breakdown(session, one, "day")
            out[f"{name} key by month"] = breakdown(session, replace(q, api_key="key_u2"), "month")
            out[f"{name} proj_a by user"] = breakdown(session, replace(q, project="proj_a"), "user")
        return out
    for name, q in (("all", Q), ("part", part)):
        for by in ("user", "api_key", "day", "month", "project", "model"):
            out[f"{name} by {by}"] = breakdown(session, q, by)
        out[f"{name} user top 2"] = breakdown(session, q, "user", top=2)
        out[f"{name} user split project"] = [
            (r.key, r.cost_nanos, sorted(r.split.items()))
            for r in breakdown(session, q, "user", split="project")
        ]
        for user in ("u1", "u3"):
            one = replace(q, user=user)
            out[f"{name} {user} summary"] = summary(session, one).cost_nanos
            for by in ("day", "week", "project", "model"):
                out[f"{name} {user} by {by}"] = breakdown(session, one, by)
            out[f"{name} {user} proj_b by day"] = breakdown(
                session, replace(one, project="proj_b"), "day"
            )
        keyed = replace(q, api_key="key_u2")
        out[f"{name} key summary"] = summary(session, keyed).cost_nanos
        out[f"{name} key by month"] = breakdown(session, keyed, "month")
        out[f"{name} proj_a by user"] = breakdown(session, replace(q, project="proj_a"), "user")
        out[f"{name} gpt-4o by key"] = breakdown(session, replace(q, model="gpt-4o"), "api_key")
        rec = reconcile(session, q)
        out[f"{name} reconcile"] = (rec.users, rec.api_keys)
    return out


def _answers(factory: sessionmaker[Session], every: bool = True) -> dict[str, Any]:
    memo.clear()
    with factory() as session:
        return {k: repr(v) for k, v in _questions(session, every).items()}


def _stored_days(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(AllocationDay)) or 0


def _forget(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        for table in (AllocationPart, AllocationDay, AllocationMonth):
            session.execute(delete(table))


def _assert_same(stored: dict[str, Any], computed: dict[str, Any]) -> None:
    different = [k for k in computed if stored[k] != computed[k]]
    assert not different, f"stored and computed differ: {different[:5]}"


@pytest.fixture
def ledger(session_factory: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    _import(session_factory, tmp_path, "first", range(DAYS))
    return session_factory


def test_stored_allocations_answer_every_question_as_the_computation_does(
    ledger: sessionmaker[Session],
) -> None:
    computed = _answers(ledger)
    assert "None" not in computed["all by user"] or "not attributed" in computed["all by user"]
    assert refresh_allocations(ledger, "acme") == 2 * DAYS  # every day, users and keys
    assert _stored_days(ledger) == 2 * DAYS
    _assert_same(_answers(ledger), computed)
    with ledger() as session:  # the billed total, the users column and the keys column agree
        total = summary(session, Q).cost_nanos
        for by in ("user", "api_key"):
            assert sum(r.cost_nanos or 0 for r in breakdown(session, Q, by)) == total
        unknown = breakdown(session, replace(Q, user="u1"), "day")
        assert [r.cost_nanos for r in unknown[-2:]] == [None, None], "billed, no usage: unknown"


def test_a_refresh_recomputes_only_the_days_that_changed(
    ledger: sessionmaker[Session], tmp_path: Path
) -> None:
    refresh_allocations(ledger, "acme")
    assert refresh_allocations(ledger, "acme") == 0
    # A newer copy of days 10–13 (different amounts; usage for days 10–11).
    _import(ledger, tmp_path, "newer", range(10, 14), extra=2)
    stale = _answers(ledger, every=False)  # days 10–13 out of date: computed, the rest stored
    _forget(ledger)
    computed = _answers(ledger, every=False)
    _assert_same(stale, computed)
    assert refresh_allocations(ledger, "acme") == 2 * DAYS  # the store was emptied
    _import(ledger, tmp_path, "newest", range(20, 25), extra=1)
    assert refresh_allocations(ledger, "acme") == 2 * 5
    fresh = _answers(ledger, every=False)
    _forget(ledger)
    _assert_same(fresh, _answers(ledger, every=False))


def test_a_price_change_makes_every_stored_day_out_of_date(
    ledger: sessionmaker[Session],
) -> None:
    refresh_allocations(ledger, "acme")
    with ledger.begin() as session:
        set_price(session, "not-a-priced-model", "input", "1.00")  # now priced: shares move
    moved = _answers(ledger, every=False)  # every stored day is out of date: all computed
    _forget(ledger)
    assert moved == _answers(ledger, every=False)
    assert refresh_allocations(ledger, "acme") == 2 * DAYS
    stored = _answers(ledger, every=False)
    _assert_same(stored, moved)


def test_a_refresh_that_fails_changes_nothing_and_the_answers_stay_right(
    ledger: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from usage_tracker.services.reports import allocation_store

    computed = _answers(ledger, every=False)

    def busy(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(allocation_store, "_write_month", busy)
    assert refresh_allocations(ledger, "acme") == 0
    assert _stored_days(ledger) == 0, "all or nothing"
    _assert_same(_answers(ledger, every=False), computed)
