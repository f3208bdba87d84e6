"""Estimated cost of usage: tokens, images, seconds and characters × unit prices.

Completions: input tokens minus cached at the input price, cached at the cached-input price,
output at the output price. Embeddings: input tokens. Images, speech (characters) and
transcription (seconds): per unit. Moderations are free. Other endpoints (vector stores, tool
calls) are not estimated. A model without a price is unpriced: its estimate is None, never $0.
Estimates are computed when read, from the usage rollups, so a price edit applies everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import RecordSet, UsageRollup
from usage_tracker.domain.money import NANOS_PER_UNIT
from usage_tracker.services.prices import PriceBook, price_book
from usage_tracker.services.record_sets import candidate_sets, choose, rollup_condition
from usage_tracker.services.report_types import ReportQuery

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
    book: PriceBook, endpoint: str, model: str | None, m: dict[str, int]
) -> int | None:
    """Estimated cost of one usage row in nano-dollars; None when a needed price is missing."""
    if endpoint in FREE_ENDPOINTS:
        return 0
    total = Decimal(0)
    for kind, quantity in _parts(endpoint, m):
        if not quantity:
            continue
        price = book.get(model, kind)
        if price is None:
            return None
        total += price.per_quantity * quantity
    return int((total * NANOS_PER_UNIT).to_integral_value(ROUND_HALF_EVEN))


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


def usage_cells(session: Session, q: ReportQuery, dims: Sequence[str]) -> list[UsageCell]:
    """Usage of the estimated endpoints grouped by `dims` ("day" and report dimensions)."""
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
    # Whole months come from the month rollups unless the caller needs single days.
    choices = choose(session, sets, q.since, q.until, months="day" not in dims)
    orgs = {s.id: s.organization_id for s in sets}
    group: list[Any] = [UsageRollup.record_set_id, UsageRollup.model]
    if "day" in dims:
        group.append(UsageRollup.period)
    group += [getattr(UsageRollup, DIM_COLUMNS[d]) for d in wanted if d != "model"]
    where = [rollup_condition(UsageRollup, choices)]
    for dim, value in (("project", q.project), ("user", q.user), ("model", q.model),
                       ("api_key", q.api_key)):  # fmt: skip
        if value:
            where.append(getattr(UsageRollup, DIM_COLUMNS[dim]) == value)
    sums = [func.coalesce(func.sum(getattr(UsageRollup, m)), 0) for m in METRICS]
    kinds = dict(
        session.execute(select(RecordSet.id, RecordSet.kind).where(RecordSet.id.in_(orgs))).all()
    )
    books: dict[int, PriceBook] = {}
    out = []
    for row in session.execute(select(*group, *sums).where(*where).group_by(*group)):
        values = list(row)
        rs_id, model = values[0], values[1]
        rest = values[2 : len(group)]
        metrics = {m: int(v or 0) for m, v in zip(METRICS, values[len(group) :], strict=True)}
        org_id = orgs[rs_id]
        book = books.get(org_id) or books.setdefault(org_id, price_book(session, org_id))
        by_dim = dict(
            zip(
                [d for d in dims if d == "day"] + [d for d in wanted if d != "model"],
                rest,
                strict=True,
            )
        )
        by_dim["model"] = model
        by_dim["endpoint"] = kinds[rs_id]
        key = tuple(by_dim.get(d) for d in dims)
        endpoint = kinds[rs_id]
        out.append(
            UsageCell(key, endpoint, model, metrics, estimate_nanos(book, endpoint, model, metrics))
        )
    return out


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


def add_estimates(session: Session, q: ReportQuery, by: str | None, rows: Sequence[Any]) -> None:
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
    for cell in usage_cells(session, q, dims):
        key = cell.key[0] if dims else None
        if by in ("day", "week", "month"):
            key = _time_key(by, key)
        merged[key].add(cell)
    for row in rows:
        found = merged.get(getattr(row, "key", None) if by else None)
        if found is not None:
            row.estimated_cost_nanos = found.value
            row.unpriced_models = sorted(found.unpriced_models)
