"""The date range and filters every view takes from its URL, so a view can be shared."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import quote_plus, urlencode

from fastapi import HTTPException
from starlette.datastructures import QueryParams

from usage_tracker.services.reports.totals import ReportQuery

RANGES = ("7d", "30d", "this_month", "last_month", "custom")
FILTER_KEYS = ("org", "project", "user", "model", "api_key")
MAX_DAYS = 3700
# The days a URL may name: the ledger's buckets are Unix times, and a day near year 9999 would
# overflow the date arithmetic of a view (the day after, the period before).
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def check_day(day: date, name: str) -> date:
    """`day` when a view can use it, else a 422 naming the allowed span."""
    if not FIRST_DAY <= day <= LAST_DAY:
        detail = f"{name} must be between {FIRST_DAY} and {LAST_DAY}"
        raise HTTPException(status_code=422, detail=detail)
    return day


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD query parameter (None when empty), or a 422 that says what is wrong."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"{name} must be YYYY-MM-DD") from exc
    return check_day(day, name)


class ReversedRange(HTTPException):
    """A URL whose start day is after its end day: the API's 422 says so in its detail; a page
    shows its own frame, the filter form holding the days as given, and what to do
    (frame.range_error_page, RANGE_HINT)."""

    def __init__(self, since: date, until: date) -> None:
        super().__init__(status_code=422, detail="since must not be after until")
        self.since, self.until = since, until


@dataclass(frozen=True)
class ViewFilters:
    range: str
    since: date
    until: date
    org: str | None = None
    project: str | None = None
    user: str | None = None
    model: str | None = None
    api_key: str | None = None

    @property
    def query(self) -> ReportQuery:
        return ReportQuery(
            since=self.since,
            until=self.until,
            org=self.org,
            project=self.project,
            user=self.user,
            model=self.model,
            api_key=self.api_key,
        )

    def params(self, **overrides: str | None) -> dict[str, str]:
        values: dict[str, str | None] = {"range": self.range}
        if self.range == "custom":
            values |= {"since": self.since.isoformat(), "until": self.until.isoformat()}
        values |= {key: getattr(self, key) for key in FILTER_KEYS}
        values |= overrides
        return {k: v for k, v in values.items() if v}

    def qs(self, **overrides: str | None) -> str:
        """The query string (with its leading `?`) for these filters, with overrides: the same
        as `urlencode(self.params(**overrides))`, with each parameter encoded once per request
        (a table of 2,000 rows asks for 4,000 links that differ in one parameter)."""
        if not overrides:
            parts: Iterable[str | None] = self._encoded.values()
        else:
            encoded = dict(self._encoded)
            for key, value in overrides.items():
                encoded[key] = f"{quote_plus(key)}={quote_plus(value)}" if value else None
            parts = encoded.values()
        query = "&".join(p for p in parts if p)
        return "?" + query if query else ""

    @cached_property
    def _encoded(self) -> dict[str, str | None]:
        """Every parameter `params` starts from, in its order, encoded (None: left out)."""
        values: dict[str, str | None] = {"range": self.range}
        if self.range == "custom":
            values |= {"since": self.since.isoformat(), "until": self.until.isoformat()}
        values |= {key: getattr(self, key) for key in FILTER_KEYS}
        return {k: urlencode({k: v}) if v else None for k, v in values.items()}

    def without(self, key: str) -> ViewFilters:
        values: dict[str, str | None] = {k: getattr(self, k) for k in FILTER_KEYS}
        values[key] = None
        return replace(
            self,
            org=values["org"],
            project=values["project"],
            user=values["user"],
            model=values["model"],
            api_key=values["api_key"],
        )

    @property
    def active(self) -> dict[str, str]:
        return {k: v for k in FILTER_KEYS if (v := getattr(self, k))}


def preset(name: str, today: date) -> tuple[date, date]:
    """A calendar preset's days, relative to today (never to the last day with data):
    this_month is the 1st to today, last_month the whole previous month."""
    anchor = today
    if name == "7d":
        return anchor - timedelta(days=6), anchor
    if name == "this_month":
        return anchor.replace(day=1), anchor
    if name == "last_month":
        last = anchor.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return anchor - timedelta(days=29), anchor


def parse_filters(params: QueryParams, today: date) -> ViewFilters:
    """Filters from the URL; presets and an open-ended custom range end today."""
    anchor = today
    since = parse_day(params.get("since"), "since")
    until = parse_day(params.get("until"), "until")
    name = params.get("range") or ("custom" if since or until else "30d")
    if name not in RANGES:
        raise HTTPException(status_code=422, detail=f"range must be one of {', '.join(RANGES)}")
    if name == "custom":
        until = until or anchor
        since = since or until - timedelta(days=29)
    else:
        since, until = preset(name, anchor)
    if since > until:
        raise ReversedRange(since, until)
    if (until - since).days > MAX_DAYS:
        raise HTTPException(status_code=422, detail="the range may span at most ten years")
    extra = {k: (params.get(k) or "").strip() or None for k in FILTER_KEYS}
    return ViewFilters(range=name, since=since, until=until, **extra)
