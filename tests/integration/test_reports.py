"""Reports against truth computed straight from the files, on every backend."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, completion, cost, page, write_json
from usage_tracker.domain.line_items import parse_line_item
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.ledger.demo import generate_files
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.reports.coverage import available_dimensions, data_bounds
from usage_tracker.services.reports.totals import ReportQuery, breakdown, previous_period, summary

Factory = sessionmaker[Session]


def _truth(path: Path, key: str) -> dict[str, int]:
    """Cost nanos per key computed directly from a costs file."""
    doc = json.loads(path.read_text(), parse_float=Decimal)
    out: dict[str, int] = defaultdict(int)
    for b in doc["data"]:
        day = datetime.fromtimestamp(b["start_time"], tz=UTC).date().isoformat()
        for r in b["results"]:
            value = to_nanos(r["amount"]["value"])
            k = {"day": day, "model": parse_line_item(r["line_item"]).model}.get(key, r.get(key))
            out[k] += value
    return dict(out)


@pytest.fixture
def loaded(session_factory: Factory, samples_dir: Path) -> Factory:
    for name in (
        "costs_by_project_line_item_key.json",
        "costs_grouped_by_user.json",
        "usage_completions_1d.json",
    ):
        import_file(session_factory, "acme", samples_dir / name)
    return session_factory


JULY = ReportQuery(date(2024, 7, 1), date(2024, 7, 31))


@pytest.mark.parametrize(
    ("by", "key"),
    [
        ("day", "day"),
        ("project", "project_id"),
        ("user", "user_id"),
        ("model", "model"),
        ("api_key", "api_key_id"),
    ],
)
def test_breakdowns_match_the_file(loaded: Factory, samples_dir: Path, by: str, key: str) -> None:
    source = "costs_grouped_by_user.json" if by == "user" else "costs_by_project_line_item_key.json"
    with loaded() as session:
        rows = breakdown(session, JULY, by)
    assert {r.key: r.cost_nanos for r in rows} == _truth(samples_dir / source, key)
    if by not in ("day",):
        costs = [r.cost_nanos or 0 for r in rows]
        assert costs == sorted(costs, reverse=True)
    assert sum(r.share or 0 for r in rows) == pytest.approx(1.0)


def test_filters_narrow_cost_and_usage_alike(loaded: Factory, samples_dir: Path) -> None:
    truth = _truth(samples_dir / "costs_by_project_line_item_key.json", "project_id")
    project = max(truth, key=lambda k: truth[k])
    usage = json.loads((samples_dir / "usage_completions_1d.json").read_text())
    requests = sum(
        r["num_model_requests"]
        for b in usage["data"]
        for r in b["results"]
        if r["project_id"] == project
    )
    with loaded() as session:
        result = summary(session, ReportQuery(JULY.since, JULY.until, project=project))
    assert result.cost_nanos == truth[project]
    assert result.requests == requests


def test_partial_months_and_whole_months_agree(loaded: Factory) -> None:
    with loaded() as session:
        daily = {r.key: r.cost_nanos for r in breakdown(session, JULY, "day")}
        for since, until in [
            (date(2024, 7, 3), date(2024, 7, 17)),
            (date(2024, 6, 1), date(2024, 8, 31)),
            (date(2024, 7, 30), date(2024, 7, 30)),
        ]:
            q = ReportQuery(since, until)
            expected = sum(
                v or 0 for k, v in daily.items() if since.isoformat() <= k <= until.isoformat()
            )
            assert summary(session, q).cost_nanos == expected
            assert sum(r.cost_nanos or 0 for r in breakdown(session, q, "month")) == expected
            assert sum(r.cost_nanos or 0 for r in breakdown(session, q, "user")) == expected


def test_split_by_model_adds_up_to_the_row(loaded: Factory) -> None:
    with loaded() as session:
        for row in breakdown(session, JULY, "day", split="model"):
            assert sum(row.split.values()) == row.cost_nanos


def test_days_are_utc_whatever_the_server_zone(
    session_factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Seoul")
    time.tzset()
    try:
        import_file(
            session_factory, "acme", write_json(tmp_path / "c.json", page([bucket(0, [cost("1")])]))
        )
        with session_factory() as session:
            assert [r.key for r in breakdown(session, JULY, "day")] == ["2024-07-01"]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_unknown_cost_dimension_is_none_not_zero(session_factory: Factory, tmp_path: Path) -> None:
    import_file(
        session_factory,
        "acme",
        write_json(
            tmp_path / "u.json",
            page([bucket(0, [completion(5, user_id="user-1", model="gpt-4o")])]),
        ),
    )
    with session_factory() as session:
        result = summary(session, JULY)
        rows = breakdown(session, JULY, "user")
    assert result.cost_nanos is None and result.requests == 5
    assert [(r.key, r.cost_nanos, r.requests) for r in rows] == [("user-1", None, 5)]


def test_previous_period_and_bounds(loaded: Factory) -> None:
    prev = previous_period(ReportQuery(date(2024, 7, 11), date(2024, 7, 20)))
    assert (prev.since, prev.until) == (date(2024, 7, 1), date(2024, 7, 10))
    with loaded() as session:
        assert data_bounds(session) == (date(2024, 7, 1), date(2024, 7, 30))
        assert data_bounds(session, "acme") == (date(2024, 7, 1), date(2024, 7, 30))
        assert {
            "user",
            "project",
            "model",
            "api_key",
            "line_item",
            "endpoint",
        } <= available_dimensions(session)


def test_organizations_are_kept_apart(loaded: Factory, samples_dir: Path) -> None:
    import_file(loaded, "other", samples_dir / "costs_by_project_line_item_key.json")
    with loaded() as session:
        acme = summary(session, ReportQuery(JULY.since, JULY.until, org="acme")).cost_nanos
        other = summary(session, ReportQuery(JULY.since, JULY.until, org="other")).cost_nanos
        both = summary(session, JULY).cost_nanos
    assert acme == other and both == (acme or 0) * 2


def test_demo_is_deterministic_and_consistent(session_factory: Factory, tmp_path: Path) -> None:
    until = date(2025, 3, 31)
    first = [p.read_bytes() for p in generate_files(tmp_path / "a", seed=3, until=until, days=40)]
    second = [p.read_bytes() for p in generate_files(tmp_path / "b", seed=3, until=until, days=40)]
    assert first == second
    for path in generate_files(tmp_path / "c", seed=3, until=until, days=40):
        import_file(session_factory, "demo", path)
    q = ReportQuery(until - timedelta(days=39), until)
    with session_factory() as session:
        result = summary(session, q)
        by_user = sum(r.cost_nanos or 0 for r in breakdown(session, q, "user"))
        by_project = sum(r.cost_nanos or 0 for r in breakdown(session, q, "project"))
        models = breakdown(session, q, "model")
    assert result.cost_nanos == by_user == by_project > 0
    assert result.active_users > 20 and result.projects == 8 and len(models) >= 12
