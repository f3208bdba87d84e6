"""Generated exports at the ledger's edges: buckets off the UTC grid, and exports of the same
days whose non-null dimensions differ (a user-grouped file whose first days are service-account
rows, in JSON and in CSV, costs and usage). Expected sums are computed from the generated rows.
"""

from __future__ import annotations

import csv
import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import (
    DAY,
    T0,
    bucket,
    completion,
    cost,
    page,
    table_counts,
    write_json,
)
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.ledger.imports import ImportFailed, import_file
from usage_tracker.services.reports.totals import breakdown, summary
from usage_tracker.services.reports.types import ReportQuery

DAY0 = date(2024, 7, 1)
DAYS = 4
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

Row = tuple[int, str, str | None, str | None, Decimal]  # day, project, user, key, amount

rows_strategy = st.lists(
    st.tuples(
        st.integers(0, DAYS - 1),
        st.sampled_from(["proj_a", "proj_b"]),
        st.sampled_from(["u1", "u2", None]),
        st.sampled_from(["k1", None]),
        st.decimals("-3", "30", places=4).filter(lambda d: d != 0),
    ),
    min_size=1,
    max_size=20,
)


def _org() -> str:
    return f"o{uuid.uuid4().hex[:10]}"


def _whole(org: str) -> ReportQuery:
    return ReportQuery(DAY0, DAY0 + timedelta(days=DAYS + 2), org=org)


def _blank_first_days(rows: list[Row], days: int) -> list[Row]:
    """No user and no key on the file's first `days` days (service accounts, key-less rows)."""
    first = min(r[0] for r in rows)
    return [
        (d, p, None, None, v) if d < first + days else (d, p, u, k, v) for d, p, u, k, v in rows
    ]


def _cost_json(rows: list[Row], path: Path) -> Path:
    per_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for day, project, user, key, value in rows:
        per_day[day].append(cost(str(value), project, "m1, input", user_id=user, api_key_id=key))
    return write_json(path, page([bucket(d, per_day[d]) for d in sorted(per_day)]))


def _cost_csv(rows: list[Row], path: Path) -> Path:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["start_time", "end_time", "project_id", "user_id", "api_key_id",
                      "line_item", "amount_value", "amount_currency"])  # fmt: skip
        for day, project, user, key, value in rows:
            start = T0 + day * DAY
            out.writerow([start, start + DAY, project, user or "", key or "", "m1, input",
                          str(value), "usd"])  # fmt: skip
    return path


def _per_user(rows: list[Row]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for _d, _p, user, _k, value in rows:
        out[user or "(none)"] += to_nanos(value)
    return out


@pytest.mark.parametrize("shape", ["json", "csv"])
@SETTINGS
@given(
    old=rows_strategy, new=rows_strategy, blank_old=st.integers(0, 2), blank_new=st.integers(0, 2)
)
def test_a_newer_export_replaces_the_older_whatever_dimensions_are_null(
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    shape: str,
    old: list[Row],
    new: list[Row],
    blank_old: int,
    blank_new: int,
) -> None:
    """Two user-grouped exports of the same days; the newer one's first days carry no user (or
    the older one's do): every slice reads the newer file's money, each dollar once."""
    days = sorted({r[0] for r in old} | {r[0] for r in new})
    # Both exports cover the same days: pad each with a zero-free row where it has none.
    old += [(d, "proj_a", "u1", "k1", Decimal("1")) for d in days if d not in {r[0] for r in old}]
    new += [(d, "proj_b", "u2", "k1", Decimal("2")) for d in days if d not in {r[0] for r in new}]
    old, new = _blank_first_days(old, blank_old), _blank_first_days(new, blank_new)
    org = _org()
    write = _cost_json if shape == "json" else _cost_csv
    for name, rows in (("old", old), ("new", new)):
        import_file(session_factory, org, write(rows, tmp_path / f"{org}-{name}.{shape}"))
    expected = sum(to_nanos(r[4]) for r in new)
    with session_factory() as session:
        q = _whole(org)
        assert summary(session, q).cost_nanos == expected
        for by in ("day", "project", "user", "api_key", "line_item"):
            assert sum(r.cost_nanos or 0 for r in breakdown(session, q, by)) == expected, by
        users = {r.key: r.cost_nanos for r in breakdown(session, q, "user")}
        for user, nanos in _per_user(new).items():
            if user != "(none)":
                assert users.get(user) == nanos, user
                one = ReportQuery(q.since, q.until, org=org, user=user)
                assert summary(session, one).cost_nanos == nanos


@SETTINGS
@given(
    requests=st.lists(
        st.tuples(
            st.integers(0, DAYS - 1), st.sampled_from(["u1", "u2", None]), st.integers(1, 40)
        ),
        min_size=1,
        max_size=15,
    ),
    blank=st.integers(0, 2),
)
def test_a_usage_file_is_grouped_by_every_dimension_it_has(
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    requests: list[tuple[int, str | None, int]],
    blank: int,
) -> None:
    first = min(d for d, *_ in requests)
    requests = [(d, None if d < first + blank else u, n) for d, u, n in requests]
    per_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for day, user, n in requests:
        per_day[day].append(completion(n, project_id="proj_a", user_id=user, model="m1"))
    org = _org()
    path = write_json(
        tmp_path / f"{org}.json", page([bucket(d, per_day[d]) for d in sorted(per_day)])
    )
    result = import_file(session_factory, org, path)
    has_users = any(u for _d, u, _n in requests)
    assert ("user_id" in (result.grouping or "").split(",")) == has_users
    with session_factory() as session:
        assert summary(session, _whole(org)).requests == sum(n for *_x, n in requests)
        for user in ("u1", "u2"):
            one = ReportQuery(DAY0, DAY0 + timedelta(days=DAYS + 2), org=org, user=user)
            want = sum(n for _d, u, n in requests if u == user)
            got = summary(session, one).requests
            assert (got or 0) == want, user


@SETTINGS
@given(
    offset=st.integers(1, DAY - 1),
    width=st.sampled_from([DAY, 3600]),
    rows=rows_strategy,
)
def test_buckets_off_the_utc_grid_are_refused_and_change_nothing(
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    offset: int,
    width: int,
    rows: list[Row],
) -> None:
    if offset % width == 0:
        offset += 1  # on the grid: not this test's case
    org = _org()
    import_file(session_factory, org, _cost_json(rows, tmp_path / f"{org}-aligned.json"))
    before = table_counts(session_factory)
    shifted = page([
        {**bucket(d, [cost("1.5", "proj_a")], width), "start_time": T0 + d * DAY + offset,
         "end_time": T0 + d * DAY + offset + width}
        for d in range(DAYS)
    ])  # fmt: skip
    with pytest.raises(ImportFailed) as refused:
        import_file(session_factory, org, write_json(tmp_path / f"{org}-local.json", shifted))
    message = str(refused.value)
    assert "UTC" in message and "Export again" in message and "Nothing was imported" in message
    assert table_counts(session_factory) == before
    with session_factory() as session:
        assert summary(session, _whole(org)).cost_nanos == sum(to_nanos(r[4]) for r in rows)


@SETTINGS
@given(rows=rows_strategy, offset=st.integers(1, DAY - 1))
def test_empty_buckets_off_the_grid_hold_nothing_and_are_skipped(
    session_factory: sessionmaker[Session], tmp_path: Path, rows: list[Row], offset: int
) -> None:
    per_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for day, project, user, key, value in rows:
        per_day[day].append(cost(str(value), project, user_id=user, api_key_id=key))
    buckets = []
    for d in sorted(per_day):
        buckets.append(bucket(d, per_day[d]))
        empty = bucket(d, [])
        buckets.append({**empty, "start_time": empty["start_time"] + offset,
                        "end_time": empty["end_time"] + offset})  # fmt: skip
    org = _org()
    result = import_file(session_factory, org, write_json(tmp_path / f"{org}.json", page(buckets)))
    assert result.buckets == len(per_day)
    with session_factory() as session:
        assert summary(session, _whole(org)).cost_nanos == sum(to_nanos(r[4]) for r in rows)
