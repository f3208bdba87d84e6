"""What each view shows, built from the report services; pages render it, /api/v1 returns it."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.domain.money import usd_string
from usage_tracker.services.ledger.names import labels
from usage_tracker.services.reports import totals as reports
from usage_tracker.services.reports.coverage import data_bounds
from usage_tracker.services.reports.types import BreakdownRow, ReportQuery, Summary, previous_period

# View name → the ledger dimension it needs (None: always available).
VIEWS: dict[str, str | None] = {
    "overview": None,
    "users": "user",
    "projects": "project",
    "models": "model",
    "keys": "api_key",
    "data": None,
}
STACKS = ("model", "project")
TOPS = (5, 10, 20)


def rows_json(rows: list[BreakdownRow], by: str) -> list[dict[str, Any]]:
    return [row.to_json(by) for row in rows]


@dataclass
class Projection:
    month: str  # YYYY-MM
    month_to_date_nanos: int  # the completed days' cost
    projected_nanos: int
    days_elapsed: int  # completed UTC days with data the pace is taken from
    days_in_month: int
    through: date | None = None  # the last of those days

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "month_to_date_usd": usd_string(self.month_to_date_nanos),
            "projected_usd": usd_string(self.projected_nanos),
            "days_elapsed": self.days_elapsed,
            "days_in_month": self.days_in_month,
            "through": self.through.isoformat() if self.through else None,
        }


def month_projection(
    session: Session, q: ReportQuery, daily: list[BreakdownRow], today: date | None = None
) -> Projection | None:
    """Month-end cost at the pace of the month's completed days, for the month of `q.until`.

    A completed day is a UTC day that has ended (never today, which is still being spent) and
    that the ledger has data through; None when the month has no such day yet. When the period
    covers the whole month so far, the daily rows already hold the answer."""
    today = today or datetime.now(UTC).date()
    start = q.until.replace(day=1)
    days_in_month = calendar.monthrange(q.until.year, q.until.month)[1]
    bounds = data_bounds(session, q.org)
    if bounds is None:
        return None
    last = min(q.until, today - timedelta(days=1), bounds[1])
    if last < start:
        return None
    mtd: int | None
    if q.since <= start:
        span = (start.isoformat(), last.isoformat())
        costs = [r.cost_nanos for r in daily if r.key and span[0] <= r.key <= span[1]]
        known = [c for c in costs if c is not None]
        mtd = sum(known) if known else None
    else:
        mtd = reports.summary(session, replace(q, since=start, until=last)).cost_nanos
    if mtd is None:
        return None
    projected = mtd * days_in_month // last.day
    return Projection(start.strftime("%Y-%m"), mtd, projected, last.day, days_in_month, last)


@dataclass
class Overview:
    summary: Summary
    previous: Summary
    change: float | None
    stack: str
    daily: list[BreakdownRow]
    split_labels: dict[str, str]
    top_users: list[BreakdownRow] | None
    top_projects: list[BreakdownRow] | None
    top_models: list[BreakdownRow] | None
    projection: Projection | None

    def to_json(self) -> dict[str, Any]:
        def opt(rows: list[BreakdownRow] | None, by: str) -> list[dict[str, Any]] | None:
            return None if rows is None else rows_json(rows, by)

        return {
            "summary": self.summary.to_json(),
            "previous": self.previous.to_json(),
            "cost_change": None if self.change is None else round(self.change, 6),
            "stack": self.stack,
            "daily": rows_json(self.daily, "day"),
            "top_users": opt(self.top_users, "user"),
            "top_projects": opt(self.top_projects, "project"),
            "top_models": opt(self.top_models, "model"),
            "projection": None if self.projection is None else self.projection.to_json(),
        }


def change(now: int | None, before: int | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before


def split_labels(session: Session, by: str, rows: list[BreakdownRow]) -> dict[str, str]:
    keys = {key for row in rows for key in row.split}
    return labels(session, by, keys) if by in ("user", "project", "api_key") else {}


def overview(
    session: Session,
    q: ReportQuery,
    dims: set[str],
    stack: str,
    *,
    page: bool = False,
    first_day: date | None = None,
) -> Overview:
    """The overview. For the page (`page=True`) nothing it does not show is computed twice:
    the models ranking (a cost chart) comes from the daily rows when they are stacked by model,
    and a previous period that ends before `first_day` (the first day with data) is not read."""
    stack = stack if stack in STACKS and stack in dims else "model"
    current = reports.summary(session, q)
    before = previous_period(q)
    if page and first_day is not None and before.until < first_day:
        previous = Summary(since=before.since, until=before.until)
    else:
        previous = reports.summary(session, before)
    # The page draws billed cost per day; the JSON twin also carries the daily estimates.
    daily = reports.breakdown(
        session, q, "day", split=stack if stack in dims else None, estimates=not page
    )

    def top(by: str) -> list[BreakdownRow] | None:
        if by not in dims:
            return None
        if page and by == "model" and stack == "model":
            return split_ranking(daily, 10)
        return reports.breakdown(session, q, by, top=10)

    return Overview(
        summary=current,
        previous=previous,
        change=change(current.cost_nanos, previous.cost_nanos),
        stack=stack,
        daily=daily,
        split_labels=split_labels(session, stack, daily),
        top_users=top("user"),
        top_projects=top("project"),
        top_models=top("model"),
        projection=month_projection(session, q, daily),
    )


def split_ranking(daily: list[BreakdownRow], top: int) -> list[BreakdownRow]:
    """Cost per split key summed over the daily rows, largest first (for a cost chart)."""
    totals: dict[str, int] = {}
    for row in daily:
        for key, nanos in row.split.items():
            totals[key] = totals.get(key, 0) + nanos
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [BreakdownRow(key=None if k == "(none)" else k, cost_nanos=v) for k, v in ranked]


@dataclass
class Table:
    """A breakdown by one dimension: the ranking, the rows and what the period totals."""

    by: str
    summary: Summary | None  # None on pages, which do not show it
    rows: list[BreakdownRow]

    def to_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "summary": None if self.summary is None else self.summary.to_json(),
            "rows": rows_json(self.rows, self.by),
        }


def table(session: Session, q: ReportQuery, by: str, *, with_summary: bool = True) -> Table:
    total = reports.summary(session, q) if with_summary else None
    return Table(by, total, reports.breakdown(session, q, by))


@dataclass
class Detail:
    """One user, project or key: daily cost by model, and related breakdowns."""

    by: str
    key: str
    daily: list[BreakdownRow]
    related: dict[str, list[BreakdownRow]]

    def to_json(self) -> dict[str, Any]:
        return {
            KEY_FIELD[self.by]: self.key,
            "daily": rows_json(self.daily, "day"),
            **{name: rows_json(rows, name) for name, rows in self.related.items()},
        }


KEY_FIELD = {"user": "user_id", "project": "project_id", "api_key": "api_key_id", "model": "model"}
RELATED = {
    "user": ("project", "model"),
    "project": ("model", "api_key", "user"),
    "api_key": ("model",),
    "model": ("project",),
}


def detail(session: Session, q: ReportQuery, by: str, key: str, dims: set[str]) -> Detail:
    narrowed = {
        "user": lambda: replace(q, user=key),
        "project": lambda: replace(q, project=key),
        "model": lambda: replace(q, model=key),
        "api_key": lambda: replace(q, api_key=key),
    }[by]()
    split = "model" if "model" in dims else None
    daily = reports.breakdown(session, narrowed, "day", split=split)
    related = {
        name: reports.breakdown(session, narrowed, name, top=20)
        for name in RELATED[by]
        if name in dims
    }
    return Detail(by, key, daily, related)


def efficiency(rows: list[BreakdownRow]) -> list[BreakdownRow]:
    """Rows with any cost or usage, cheapest per 1,000 tokens first; rows whose cost per 1K
    tokens is unknown (no cost data, or no tokens) last, by cost per request."""

    def order(row: BreakdownRow) -> tuple[int, int]:
        per_k, per_request = row.cost_per_1k_tokens_nanos(), row.cost_per_request_nanos()
        if per_k is not None:
            return (0, per_k)
        return (1, per_request if per_request is not None else 2**62)

    used = [r for r in rows if r.cost_nanos or r.requests or r.total_tokens]
    return sorted(used, key=order)


def overview_daily(session: Session, q: ReportQuery, split: str) -> list[BreakdownRow]:
    return reports.breakdown(session, q, "day", split=split)
