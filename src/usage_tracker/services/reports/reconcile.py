"""Reconciliation: billed cost (Costs API) against estimated cost (usage × unit prices).

Rows are day × project × model, with drift = (estimated − billed) ÷ billed. Billed dollars are
then allocated to users and API keys in proportion to their estimated cost within each
day × project × model (their token share where no price is known): an allocation, not a
measurement — the Costs API itself has no user dimension.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostRollup
from usage_tracker.domain.money import usd_string
from usage_tracker.services.ledger.names import labels
from usage_tracker.services.ledger.record_sets import candidate_sets, choose, rollup_condition
from usage_tracker.services.reports.allocation_store import allocate
from usage_tracker.services.reports.attribution import (
    ALLOCATION_METHOD,
    base_choices,
    chosen_days,
)
from usage_tracker.services.reports.estimates import Estimate, usage_cells
from usage_tracker.services.reports.types import ReportQuery
from usage_tracker.services.reports.unpriced import UnpricedLine, unpriced_lines

TOLERANCE = 0.01  # |drift| within 1% counts as reconciled (see docs/sync.md)
ALLOCATION_LABEL = (
    f"allocation: billed cost split by each one's {ALLOCATION_METHOD} — the Costs API has no "
    "user dimension"
)
Key = tuple[date, str | None, str | None]


def _pct(estimated: int | None, billed: int) -> float | None:
    if estimated is None or not billed:
        return None
    return (estimated - billed) / billed * 100


@dataclass
class ReconRow:
    day: date
    project_id: str | None
    model: str | None
    billed_nanos: int = 0
    estimate: Estimate = field(default_factory=Estimate)

    @property
    def estimated_nanos(self) -> int | None:
        return (
            self.estimate.value if (self.estimate.priced or self.estimate.unpriced_models) else None
        )

    @property
    def drift_pct(self) -> float | None:
        return _pct(self.estimated_nanos, self.billed_nanos)

    def to_json(self) -> dict[str, Any]:
        drift = self.drift_pct
        return {
            "date": self.day.isoformat(),
            "project_id": self.project_id,
            "model": self.model,
            "billed_usd": usd_string(self.billed_nanos),
            "estimated_usd": usd_string(self.estimated_nanos),
            "drift_pct": None if drift is None else round(drift, 4),
        }


@dataclass
class Allocation:
    dimension: str  # "user" | "api_key"
    key: str | None
    label: str | None
    allocated_nanos: int
    share: float

    def to_json(self) -> dict[str, Any]:
        column = "user_id" if self.dimension == "user" else "api_key_id"
        return {
            column: self.key,
            "name": self.label,
            "allocated_usd": usd_string(self.allocated_nanos),
            "share": round(self.share, 6),
        }


@dataclass
class Reconciliation:
    query: ReportQuery
    rows: list[ReconRow]
    users: list[Allocation]
    api_keys: list[Allocation]
    unpriced_lines: list[UnpricedLine] = field(default_factory=list)

    @property
    def billed_nanos(self) -> int:
        return sum(r.billed_nanos for r in self.rows)

    @property
    def matched(self) -> tuple[int, int]:
        """(billed, estimated) over rows that have both."""
        both = [r for r in self.rows if r.billed_nanos and r.estimated_nanos is not None]
        return sum(r.billed_nanos for r in both), sum(r.estimated_nanos or 0 for r in both)

    @property
    def drift_pct(self) -> float | None:
        billed, estimated = self.matched
        return _pct(estimated, billed)

    @property
    def unpriced_models(self) -> list[str]:
        return sorted({m for r in self.rows for m in r.estimate.unpriced_models})

    @property
    def within_tolerance(self) -> bool:
        drift = self.drift_pct
        return drift is not None and abs(drift) <= TOLERANCE * 100

    def to_json(self) -> dict[str, Any]:
        billed, estimated = self.matched
        drift = self.drift_pct
        return {
            "since": self.query.since.isoformat(),
            "until": self.query.until.isoformat(),
            "billed_usd": usd_string(self.billed_nanos),
            "matched_billed_usd": usd_string(billed),
            "estimated_usd": usd_string(estimated),
            "drift_pct": None if drift is None else round(drift, 4),
            "tolerance_pct": TOLERANCE * 100,
            "within_tolerance": self.within_tolerance,
            "unpriced_models": self.unpriced_models,
            "unpriced_line_items": [u.to_json() for u in self.unpriced_lines],
            "rows": [r.to_json() for r in self.rows],
            "allocation": {
                "label": ALLOCATION_LABEL,
                "users": [a.to_json() for a in self.users],
                "api_keys": [a.to_json() for a in self.api_keys],
            },
        }


def _billed(session: Session, q: ReportQuery) -> dict[Key, int]:
    sets = candidate_sets(session, costs=True, org=q.org, required={"project_id", "line_item"})
    if not sets:
        return {}
    choices = choose(session, sets, q.since, q.until, months=False)
    cols = (CostRollup.period, CostRollup.project_id, CostRollup.model)
    where = [rollup_condition(CostRollup, choices)]
    if q.project:
        where.append(CostRollup.project_id == q.project)
    if q.model:
        where.append(CostRollup.model == q.model)
    query = select(*cols, func.sum(CostRollup.amount_nanos)).where(*where).group_by(*cols)
    return {(d, p, m): int(n or 0) for d, p, m, n in session.execute(query)}


def _allocate(session: Session, q: ReportQuery, dim: str) -> list[Allocation]:
    """Every day's billed cost allocated to `dim` (services/reports/attribution: the same
    allocation the users and keys views use where no cost data has the dimension)."""
    base = base_choices(session, q)
    parts = allocate(session, q, dim, chosen_days(base), base, ("key",)).parts
    totals: dict[str | None, int] = defaultdict(int)
    for part in parts:
        totals[part.key if part.key is not None else "(no usage data)"] += part.nanos
    grand = sum(totals.values())
    names = labels(session, dim, (k for k in totals if k))
    out = [
        Allocation(dim, k, names.get(k or ""), v, v / grand if grand else 0.0)
        for k, v in totals.items()
    ]
    return sorted(out, key=lambda a: -a.allocated_nanos)


def reconcile(session: Session, q: ReportQuery) -> Reconciliation:
    """Billed against estimated by day × project × model, and billed allocated to users and keys."""
    billed = _billed(session, q)
    rows: dict[Key, ReconRow] = {k: ReconRow(*k, billed_nanos=v) for k, v in billed.items()}
    for cell in usage_cells(session, q, ("day", "project", "model")):
        key: Key = cell.key
        row = rows.get(key) or rows.setdefault(key, ReconRow(*key))
        row.estimate.add(cell)
    ordered = sorted(rows.values(), key=lambda r: (r.day, r.project_id or "", r.model or ""))
    return Reconciliation(q, ordered, _allocate(session, q, "user"),
                          _allocate(session, q, "api_key"),
                          unpriced_lines(session, q.org))  # fmt: skip
