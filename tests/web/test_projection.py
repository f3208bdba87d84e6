"""The month-end projection takes the pace of the month's completed days only — UTC days that
have ended and that the ledger has data through — and says on how many; page and JSON agree."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, cost, page, write_json
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.reports import totals as reports
from usage_tracker.services.reports.types import ReportQuery
from usage_tracker.services.views.dashboard import month_projection

DAILY = ("1", "2", "3", "100")  # 2024-07-01 .. 2024-07-04


def _load(factory: sessionmaker[Session], tmp_path: Path) -> None:
    doc = page([bucket(d, [cost(v)]) for d, v in enumerate(DAILY)])
    import_file(factory, "acme", write_json(tmp_path / "costs.json", doc))


def _projection(factory: sessionmaker[Session], q: ReportQuery, today: date):  # type: ignore[no-untyped-def]
    with factory() as session:
        daily = reports.breakdown(session, q, "day")
        return month_projection(session, q, daily, today=today)


def test_today_is_never_a_completed_day(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _load(session_factory, tmp_path)
    q = ReportQuery(date(2024, 7, 1), date(2024, 7, 10), org="acme")
    p = _projection(session_factory, q, today=date(2024, 7, 4))  # the $100 day is today
    assert p is not None and (p.days_elapsed, p.through) == (3, date(2024, 7, 3))
    assert p.month_to_date_nanos == to_nanos("6")
    assert p.projected_nanos == to_nanos("6") * 31 // 3  # $62.00, not $1,649.75 with today
    assert _projection(session_factory, q, today=date(2024, 7, 1)) is None  # none completed yet
    later = ReportQuery(date(2024, 7, 3), date(2024, 7, 31), org="acme")  # starts mid-month
    lag = _projection(session_factory, later, today=date(2024, 7, 20))
    assert lag is not None and (lag.days_elapsed, lag.through) == (4, date(2024, 7, 4))
    assert lag.month_to_date_nanos == to_nanos("106")  # the whole month so far, not the range


def test_page_and_json_say_on_how_many_days(
    admin: TestClient, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _load(session_factory, tmp_path)
    qs = "?org=acme&since=2024-07-01&until=2024-07-31"
    data = admin.get("/api/v1/overview" + qs).json()["projection"]
    expected = to_nanos("106") * 31 // 4  # data through Jul 4: four completed days
    assert data == {
        "month": "2024-07",
        "month_to_date_usd": "106.00",
        "projected_usd": f"{expected / 1e9:.2f}",
        "days_elapsed": 4,
        "days_in_month": 31,
        "through": "2024-07-04",
    }
    text = html.unescape(admin.get("/" + qs).text)
    assert 'data-projection-days="4"' in text
    assert "$821.50" in text and "4 completed days of 31 (through Jul 4, 2024): $106.00" in text
