"""Generated exports against sums computed independently (Decimal) from the generated rows.

A world of a few days: cost rows by project × line item × user × key (nulls in any dimension,
credits), exported twice — grouped by project (the invoice shape) on some days and by user on
others, overlapping — plus completions and web-search usage. Every report slice of the range must
give the same total, each dollar once; the users and keys columns (with their "not attributed"
row) sum to the billed total; Requests count model requests only.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, completion, cost, page, write_json
from usage_tracker.domain.line_items import parse_line_item
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.reports.allocation_store import refresh_allocations
from usage_tracker.services.reports.totals import breakdown, summary
from usage_tracker.services.reports.types import ReportQuery

DAY0 = date(2024, 7, 1)
PROJECTS = ["proj_a", "proj_b"]
USERS = ["u1", "u2", None]
KEYS = ["k1", "k2", None]
LINES = ["m1, input", "m1, output", "Batch: m1, output", "m2, input", "dall-e-x"]
DAYS = 5


@dataclass
class World:
    rows: list[tuple[int, str, str, str | None, str | None, Decimal]]  # day, proj, line, u, k, $
    project_days: set[int]
    user_days: set[int]
    usage: list[tuple[int, str, str | None, str | None, str, int, int]]  # d, p, u, k, m, req, tok
    searches: list[tuple[int, str, int, int]]  # day, project, model requests, calls
    totals: dict[int, int] = field(default_factory=dict)  # day → nanos, independently
    # How the user and key allocation is read: computed on the fly, stored after every import,
    # or stored after the first file only (later files make some stored days out of date).
    allocations: str = "computed"

    def billed_days(self) -> set[int]:
        return self.project_days | self.user_days


amount = st.decimals("-5", "40", places=4).filter(lambda d: d != 0)
cost_row = st.tuples(
    st.integers(0, DAYS - 1),
    st.sampled_from(PROJECTS),
    st.sampled_from(LINES),
    st.sampled_from(USERS),
    st.sampled_from(KEYS),
    amount,
)
usage_row = st.tuples(
    st.integers(0, DAYS - 1),
    st.sampled_from(PROJECTS),
    st.sampled_from(USERS),
    st.sampled_from(KEYS),
    st.sampled_from(["m1", "m2"]),
    st.integers(1, 50),
    st.integers(1, 5000),
)


@st.composite
def worlds(draw: Any) -> World:
    rows = draw(st.lists(cost_row, min_size=1, max_size=30))
    present = sorted({r[0] for r in rows})
    project_days = set(draw(st.lists(st.sampled_from(present), unique=True)))
    user_days = set(present) - project_days | set(
        draw(st.lists(st.sampled_from(present), unique=True))
    )
    if user_days and draw(st.booleans()):
        # The user file's first day carries no user (service accounts) and maybe no key.
        first, keyless = min(user_days), draw(st.booleans())
        rows = [
            (d, p, line, None if d == first else u, None if d == first and keyless else k, v)
            for d, p, line, u, k, v in rows
        ]
    usage = draw(st.lists(usage_row, max_size=25))
    searches = draw(
        st.lists(
            st.tuples(
                st.integers(0, DAYS - 1),
                st.sampled_from(PROJECTS),
                st.integers(0, 9),
                st.integers(1, 9),
            ),
            max_size=4,
        )
    )
    world = World(rows, project_days, user_days, usage, searches)
    world.allocations = draw(st.sampled_from(["computed", "stored", "stale"]))
    for day, *_rest, value in rows:
        world.totals[day] = world.totals.get(day, 0) + to_nanos(value)
    return world


def _files(world: World, tmp: Path) -> list[Path]:
    by_project: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    by_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for day, project, line, user, key, value in world.rows:
        by_project[day][(project, line)] += value
        by_user[day].append(
            cost(
                str(value),
                project,
                line,
                user_id=user,
                api_key_id=key,
                quantity=1,
                quantity_unit="tokens",
            )
        )
    files = []
    # Buckets of a day with no rows still come first in the user file: grouping is the file's.
    empty_first = [bucket(DAYS + 3, [])]
    project_doc = page([
        bucket(d, [cost(str(v), p, line) for (p, line), v in by_project[d].items()])
        for d in sorted(world.project_days)
    ])  # fmt: skip
    user_doc = page(empty_first + [bucket(d, by_user[d]) for d in sorted(world.user_days)])
    if world.project_days:
        files.append(write_json(tmp / "by_project.json", project_doc))
    if world.user_days:
        files.append(write_json(tmp / "by_user.json", user_doc))
    if world.usage:
        per_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for day, project, user, key, model, requests, tokens in world.usage:
            per_day[day].append(
                completion(
                    requests,
                    tokens,
                    tokens // 10,
                    project_id=project,
                    user_id=user,
                    api_key_id=key,
                    model=model,
                )
            )
        usage_doc = page([bucket(d, per_day[d]) for d in sorted(per_day)])
        files.append(write_json(tmp / "usage.json", usage_doc))
    if world.searches:
        per_day = defaultdict(list)
        for day, project, model_requests, calls in world.searches:
            per_day[day].append({
                "object": "organization.usage.web_searches.result", "project_id": project,
                "num_model_requests": model_requests, "num_requests": calls,
            })  # fmt: skip
        files.append(
            write_json(tmp / "web.json", page([bucket(d, per_day[d]) for d in sorted(per_day)]))
        )
    return files


def _sum(rows: list[Any]) -> int:
    return sum(r.cost_nanos or 0 for r in rows)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_every_slice_of_generated_exports_gives_the_billed_total(
    session_factory: sessionmaker[Session], tmp_path: Path, world: World
) -> None:
    org = f"o{uuid.uuid4().hex[:10]}"
    tmp = tmp_path / org
    tmp.mkdir()
    for i, path in enumerate(_files(world, tmp)):
        import_file(session_factory, org, path)
        if world.allocations == "stored" or (world.allocations == "stale" and i == 0):
            refresh_allocations(session_factory, org)
    q = ReportQuery(DAY0, DAY0 + timedelta(days=DAYS + 5), org=org)
    expected = sum(world.totals[d] for d in world.billed_days())
    with session_factory() as session:
        total = summary(session, q)
        assert total.cost_nanos == expected, "one dollar once, whichever files hold it"
        for by in ("day", "month", "project", "model", "line_item", "user", "api_key"):
            rows = breakdown(session, q, by)
            assert _sum(rows) == expected, f"{by} slice"
        per_day = {r.key: r.cost_nanos for r in breakdown(session, q, "day")}
        for day in world.billed_days():
            assert per_day[(DAY0 + timedelta(days=day)).isoformat()] == world.totals[day]
        # A model's totals include its batch spend.
        m1 = sum(
            to_nanos(v) for d, _, line, *_x, v in world.rows
            if d in world.billed_days() and parse_line_item(line).model == "m1"
        )  # fmt: skip
        models = {r.key: r.cost_nanos for r in breakdown(session, q, "model")}
        assert models.get("m1", 0) == m1
        # The daily cost by model (the overview's stacked chart) is each day's bill per model.
        by_model = {r.key: r.split for r in breakdown(session, q, "day", split="model")}
        for day in world.billed_days():
            split: dict[str, int] = {}
            for d, _p, line, *_x, v in world.rows:
                if d == day:
                    name = parse_line_item(line).model or "(none)"
                    split[name] = split.get(name, 0) + to_nanos(v)
            assert by_model[(DAY0 + timedelta(days=day)).isoformat()] == split, day
        # Requests are model requests: completions only, never web-search counts.
        assert total.requests == sum(r[5] for r in world.usage)
        calls = sum(s[3] for s in world.searches)
        tools = {t.endpoint: t.count for t in total.tools}
        assert tools.get("web_search_calls", 0) == calls
        # On days only the user-grouped file covers, a user's cost is billed, to the nano.
        only_users = world.user_days - world.project_days
        for user in ("u1", "u2"):
            billed = sum(
                to_nanos(v) for d, _p, _l, u, _k, v in world.rows if d in only_users and u == user
            )
            mine = {}
            for day in only_users:
                one = ReportQuery(
                    DAY0 + timedelta(days=day), DAY0 + timedelta(days=day), org=org, user=user
                )
                mine[day] = summary(session, one).cost_nanos or 0
                assert mine[day] == sum(
                    to_nanos(v) for d, _p, _l, u, _k, v in world.rows if d == day and u == user
                )
            assert billed == sum(mine.values())
