"""Estimated cost of usage: tokens, images, seconds and characters × unit prices.

Completions: input tokens minus cached at the input price, cached at the cached-input price,
output at the output price. Embeddings: input tokens. Images, speech (characters) and
transcription (seconds): per unit. Moderations are free. Other endpoints (vector stores, tool
calls) are not estimated. A model without a price is unpriced: its estimate is None, never $0.
Estimates are computed when read, from the usage rollups, so a price edit applies everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import RecordSet, UsageRollup
from usage_tracker.db.models.rollup import UsageDayModel
from usage_tracker.domain.money import NANOS_PER_UNIT
from usage_tracker.services.ledger.record_sets import (
    Choice,
    candidate_sets,
    choose,
    day_ranges,
    rollup_condition,
)
from usage_tracker.services.reports.prices import PriceBook, price_book
from usage_tracker.services.reports.types import ReportQuery

ESTIMATED_ENDPOINTS = (
    "completions",
    "embeddings",
    "moderations",
    "images",
    "audio_speeches",
    "audio_transcriptions",
)
FREE_ENDPOINTS = ("moderations",)
METRICS = (
    "input_tokens",
    "input_cached_tokens",
    "output_tokens",
    "images",
    "seconds",
    "characters",
    "num_model_requests",
)
# Report dimension → usage rollup column.
DIM_COLUMNS = {
    "project": "project_id",
    "user": "user_id",
    "api_key": "api_key_id",
    "model": "model",
}


def _parts(endpoint: str, m: dict[str, int]) -> list[tuple[str, int]]:
    if endpoint == "completions":
        cached = m["input_cached_tokens"]
        return [("input", m["input_tokens"] - cached), ("cached_input", cached),
                ("output", m["output_tokens"])]  # fmt: skip
    if endpoint == "embeddings":
        return [("input", m["input_tokens"])]
    unit = {"images": "images", "audio_speeches": "characters", "audio_transcriptions": "seconds"}
    return [(unit[endpoint], m[unit[endpoint]])] if endpoint in unit else []


def estimate_nanos(
    book: PriceBook,
    endpoint: str,
    model: str | None,
    m: dict[str, int],
    cache: dict[Any, Decimal | int | None] | None = None,
) -> int | None:
    """Estimated cost of one usage row in nano-dollars; None when a needed price is missing.

    `cache` keeps each (model, kind)'s price per unit across the calls of one report; a price
    that is a whole number of nano-dollars per unit (most are) is kept as an int, whose
    products are exact, so only the others go through Decimal."""
    if endpoint in FREE_ENDPOINTS:
        return 0
    whole = 0
    fraction: Decimal | None = None
    for kind, quantity in _parts(endpoint, m):
        if not quantity:
            continue
        key = (id(book), model, kind)
        if cache is not None and key in cache:
            per = cache[key]
        else:
            per = _per_unit(book, model, kind)
            if cache is not None:
                cache[key] = per
        if per is None:
            return None
        if type(per) is int:
            whole += per * quantity
        else:
            fraction = (fraction or Decimal(0)) + per * quantity
    if fraction is None:
        return whole
    return int((fraction + whole).to_integral_value(ROUND_HALF_EVEN))


def _per_unit(book: PriceBook, model: str | None, kind: str) -> Decimal | int | None:
    price = book.get(model, kind)
    if price is None:
        return None
    per = price.per_quantity * NANOS_PER_UNIT
    return int(per) if per == per.to_integral_value() else per


@dataclass
class UsageCell:
    """Usage summed over one group, with its estimate."""

    key: tuple[Any, ...]
    endpoint: str
    model: str | None
    metrics: dict[str, int]
    estimated_nanos: int | None


@dataclass
class Estimate:
    """An estimate over many cells: the priced part, and which models had no price."""

    nanos: int = 0
    priced: int = 0
    unpriced_models: set[str] = field(default_factory=set)

    def add(self, cell: UsageCell) -> None:
        if cell.estimated_nanos is None:
            self.unpriced_models.add(cell.model or "(no model)")
        else:
            self.nanos += cell.estimated_nanos
            self.priced += 1

    @property
    def value(self) -> int | None:
        """The estimate; None when nothing in it could be priced."""
        return self.nanos if self.priced or not self.unpriced_models else None


@dataclass
class SharedUsage:
    """Usage a breakdown summed in its own pass over the rollups, per (record set, model, key):
    when its choice of rows is the one the estimate would make, the estimate reads no more."""

    choices: list[Choice]
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # (rs, model, key, *METRICS)


def usage_cells(
    session: Session,
    q: ReportQuery,
    dims: Sequence[str],
    shared: SharedUsage | None = None,
    keys: Sequence[Any] | None = None,
) -> list[UsageCell]:
    """Usage of the estimated endpoints grouped by `dims` ("day" and report dimensions);
    `keys`: only these values of the one report dimension (the rows a report shows)."""
    wanted = [d for d in dims if d in DIM_COLUMNS]
    required = {"model", *(DIM_COLUMNS[d] for d in wanted)}
    sets = [
        s
        for s in candidate_sets(
            session, costs=False, org=q.org, required=required, endpoint=q.endpoint
        )
        if s.kind in ESTIMATED_ENDPOINTS
    ]
    if not sets:
        return []
    # By day and model at most, and no other filter: the per-day, per-model totals (thousands of
    # rows a year). Else whole months from the month rollups unless single days are needed.
    per_model = set(wanted) <= {"model"} and not (q.project or q.user or q.api_key)
    table: Any = UsageDayModel if per_model else UsageRollup
    choices = choose(session, sets, q.since, q.until, months="day" not in dims and not per_model)
    orgs = {s.id: s.organization_id for s in sets}
    group: list[Any] = [table.record_set_id, table.model]
    if "day" in dims:
        group.append(table.day if per_model else table.period)
    group += [getattr(table, DIM_COLUMNS[d]) for d in wanted if d != "model"]
    rows: Iterable[Sequence[Any]]
    if shared is not None and not per_model and len(group) == 3 and shared.choices == choices:
        rows = shared.rows
    else:
        where = [_day_model_condition(choices) if per_model else rollup_condition(table, choices)]
        for dim, value in (("project", q.project), ("user", q.user), ("model", q.model),
                           ("api_key", q.api_key)):  # fmt: skip
            if value:
                where.append(getattr(table, DIM_COLUMNS[dim]) == value)
        if keys is not None and len(wanted) == 1:
            column = getattr(table, DIM_COLUMNS[wanted[0]])
            where.append(or_(column.in_([k for k in keys if k is not None]), column.is_(None)))
        sums = [func.coalesce(func.sum(getattr(table, m)), 0) for m in METRICS]
        rows = session.execute(select(*group, *sums).where(*where).group_by(*group))
    kinds = dict(
        session.execute(select(RecordSet.id, RecordSet.kind).where(RecordSet.id.in_(orgs))).all()
    )
    books: dict[int, PriceBook] = {}
    cache: dict[Any, Decimal | int | None] = {}
    names = [d for d in dims if d == "day"] + [d for d in wanted if d != "model"]
    width = len(group)
    # Where each of `dims` is in a row (model: 1; endpoint: -1, the record set's kind).
    where_in_row = {name: 2 + i for i, name in enumerate(names)} | {"model": 1, "endpoint": -1}
    positions = [where_in_row.get(d) for d in dims]
    out = []
    for row in rows:
        rs_id, model = row[0], row[1]
        org_id = orgs.get(rs_id)
        if org_id is None:
            continue
        metrics = dict(zip(METRICS, [int(v or 0) for v in row[width:]], strict=True))
        book = books.get(org_id) or books.setdefault(org_id, price_book(session, org_id))
        endpoint = kinds[rs_id]
        key = tuple(None if i is None else endpoint if i == -1 else row[i] for i in positions)
        nanos = estimate_nanos(book, endpoint, model, metrics, cache)
        out.append(UsageCell(key, endpoint, model, metrics, nanos))
    return out


def _day_model_condition(choices: Sequence[Choice]) -> ColumnElement[bool]:
    parts = [
        and_(UsageDayModel.record_set_id == c.record_set_id, UsageDayModel.day.between(lo, hi))
        for c in choices
        for lo, hi in day_ranges(c.days)
    ]
    return or_(*parts) if parts else false()


def estimate_by(
    session: Session, q: ReportQuery, dims: Sequence[str]
) -> dict[tuple[Any, ...], Estimate]:
    """Estimates keyed by the values of `dims`."""
    out: dict[tuple[Any, ...], Estimate] = defaultdict(Estimate)
    for cell in usage_cells(session, q, dims):
        out[cell.key].add(cell)
    return dict(out)


def _time_key(by: str, day: Any) -> str:
    if by == "month":
        return str(day.strftime("%Y-%m"))
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return str(day.isoformat())


def add_estimates(
    session: Session,
    q: ReportQuery,
    by: str | None,
    rows: Sequence[Any],
    shared: SharedUsage | None = None,
) -> None:
    """Fill `estimated_cost_nanos` and `unpriced_models` of report rows keyed by `by`
    (None: a single summary). Line items have no usage, so they get no estimate."""
    if by == "line_item" or not rows:
        return
    if by is None:
        dims: tuple[str, ...] = ()
    elif by in ("day", "week", "month"):
        dims = ("day",)
    else:
        dims = (by,)
    merged: dict[Any, Estimate] = defaultdict(Estimate)
    # A short list of rows (a top N) needs the usage of its keys only.
    keys = (
        [getattr(r, "key", None) for r in rows] if by in DIM_COLUMNS and len(rows) <= 100 else None
    )
    for cell in usage_cells(session, q, dims, shared, keys):
        key = cell.key[0] if dims else None
        if by in ("day", "week", "month"):
            key = _time_key(by, key)
        merged[key].add(cell)
    for row in rows:
        found = merged.get(getattr(row, "key", None) if by else None)
        if found is not None:
            row.estimated_cost_nanos = found.value
            row.unpriced_models = sorted(found.unpriced_models)
