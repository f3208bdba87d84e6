"""One attribution of billed dollars to users and API keys, for every view.

The Costs API bills projects and line items; a user (or key) dimension exists only in exports
grouped by user and in cost data grouped by key. For a question about users or keys, each day
is answered

1. **billed** — from a cost record set that has the dimension that day (the record-set choice);
2. else **allocated** — that day's billed cost per project × model (the invoice-shaped record
   set) split by each user's (key's) share of the estimated cost of that project × model's
   usage that day (token share where no price is known): what `report reconcile` calls the
   allocation, computed here once;
3. else **not attributed** — billed dollars with no usage to split them by stay in one row,
   "not attributed to a user / key", so the column still sums to the billed total.

A day with billed cost but no way to attribute it is unknown for a single user or key (—),
never $0.00.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostRollup
from usage_tracker.services.ledger.record_sets import (
    Choice,
    candidate_sets,
    choose,
    rollup_condition,
)
from usage_tracker.services.reports.estimates import ESTIMATED_ENDPOINTS, usage_cells
from usage_tracker.services.reports.types import ReportQuery

# Report dimension → the cost column that would carry it.
ATTRIBUTABLE = {"user": "user_id", "api_key": "api_key_id"}
# The label of the not-attributed row (key None); pages translate it (web/charts.row_name).
NOT_ATTRIBUTED = {"user": "not attributed to a user", "api_key": "not attributed to an API key"}
ALLOCATION_METHOD = "share of estimated cost per day × project × model (token share where unpriced)"
_BASE = frozenset({"project_id", "line_item"})


@dataclass
class Allocation:
    """What `allocate` gives: the allocated parts, and the days with billed cost but no usage
    data at all (unknown for any one user or key)."""

    parts: list[Allocated]
    unknown_days: set[date]


@dataclass(frozen=True)
class Allocated:
    """Billed dollars of one day × project × model given to one user or key (None: nobody).
    Parts summed over a field (`aggregate`, `allocate(group=…)`) have it None."""

    day: date | None
    project_id: str | None
    model: str | None
    key: str | None
    nanos: int


def attributed_dimension(q: ReportQuery, dims: set[str]) -> str | None:
    """The one attributable dimension (user or api_key) a question needs, else None."""
    wanted = {d for d in dims if d in ATTRIBUTABLE}
    wanted |= {d for d, v in (("user", q.user), ("api_key", q.api_key)) if v}
    return next(iter(wanted)) if len(wanted) == 1 else None


def chosen_days(choices: list[Choice] | None) -> set[date]:
    """The days a day-level choice (months=False) reads."""
    return {day for c in choices or [] for day in c.days}


def base_choices(session: Session, q: ReportQuery) -> list[Choice]:
    """Day choices of the invoice-shaped cost record sets (project × line item)."""
    sets = candidate_sets(session, costs=True, org=q.org, required=_BASE)
    return choose(session, sets, q.since, q.until, months=False) if sets else []


def _billed(
    session: Session, q: ReportQuery, choices: list[Choice], days: set[date]
) -> dict[tuple[date, str | None, str | None], int]:
    narrowed = [
        Choice(c.record_set_id, c.kind, [], [d for d in c.days if d in days]) for c in choices
    ]
    narrowed = [c for c in narrowed if c.days]
    if not narrowed:
        return {}
    cols = (CostRollup.period, CostRollup.project_id, CostRollup.model)
    where = [rollup_condition(CostRollup, narrowed)]
    if q.project:
        where.append(CostRollup.project_id == q.project)
    if q.model:
        where.append(CostRollup.model == q.model)
    query = select(*cols, func.sum(CostRollup.amount_nanos)).where(*where).group_by(*cols)
    return {(d, p, m): int(n or 0) for d, p, m, n in session.execute(query) if n}


def _weight(estimated: int | None, metrics: dict[str, int]) -> int:
    if estimated is not None:
        return estimated
    return sum(metrics[m] for m in ("input_tokens", "output_tokens", "images", "seconds",
                                    "characters"))  # fmt: skip


Key = tuple[date, str | None, str | None]


def allocation_weights(
    session: Session, q: ReportQuery, dim: str, days: set[date] | None = None
) -> dict[Key, dict[str | None, int]]:
    """Each user's (or key's) weight in each day × project × model: estimated cost in
    nano-dollars, or tokens (and images, seconds, characters) where the model is unpriced.
    Taken among everyone's usage (a filter on `dim` in `q` is ignored); `days` to keep."""
    return weights_by_dimension(session, q, days)[dim]


def weights_by_dimension(
    session: Session, q: ReportQuery, days: set[date] | None = None
) -> dict[str, dict[Key, dict[str | None, int]]]:
    """`allocation_weights` of users and of keys. Where the same usage record sets have both
    (the usual case), one pass over the cells by user and key gives both, each weight the sum
    of its user × key cells' estimates; else one pass per dimension."""
    everyone = replace(q, user=None, api_key=None)
    out: dict[str, dict[Key, dict[str | None, int]]] = {
        dim: defaultdict(lambda: defaultdict(int)) for dim in ATTRIBUTABLE
    }
    passes: list[tuple[str, ...]] = [("user", "api_key")]
    if len({_usage_sets(session, q, need) for need in ("user", "api_key", "both")}) > 1:
        passes = [("user",), ("api_key",)]
    for dims in passes:
        for cell in usage_cells(session, everyone, ("day", "project", "model", *dims)):
            day, project, model, *who = cell.key
            if days is not None and day not in days:
                continue
            weight = _weight(cell.estimated_nanos, cell.metrics)
            for dim, value in zip(dims, who, strict=True):
                out[dim][(day, project, model)][value] += weight
    return out


def _usage_sets(session: Session, q: ReportQuery, need: str) -> frozenset[int]:
    columns = {"user": {"user_id"}, "api_key": {"api_key_id"}}.get(need, {"user_id", "api_key_id"})
    sets = candidate_sets(
        session,
        costs=False,
        org=q.org,
        required={"model", "project_id", *columns},
        endpoint=q.endpoint,
    )
    return frozenset(s.id for s in sets if s.kind in ESTIMATED_ENDPOINTS)


def split_by_weight(
    amount: int, weights: dict[str | None, int]
) -> list[tuple[str | None, int]] | None:
    """`amount` split in proportion to the positive weights, exactly (the rounding remainder to
    the largest); None when no weight is positive (no usage data to allocate by)."""
    shares = {k: w for k, w in weights.items() if w > 0}
    whole = sum(shares.values())
    if not whole:
        return None
    ordered = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    parts = [(who, amount * w // whole) for who, w in ordered]
    given = sum(part for _, part in parts)
    parts[0] = (parts[0][0], parts[0][1] + amount - given)
    return parts


FULL = ("day", "project", "model", "key")


def aggregate(parts: list[Allocated], group: tuple[str, ...]) -> list[Allocated]:
    """`parts` summed over the fields not in `group` (those left None)."""
    if group == FULL:
        return list(parts)
    sums: dict[tuple[Any, ...], int] = defaultdict(int)
    for a in parts:
        sums[(a.day if "day" in group else None,
              a.project_id if "project" in group else None,
              a.model if "model" in group else None,
              a.key if "key" in group else None)] += a.nanos  # fmt: skip
    return [Allocated(d, p, m, k, n) for (d, p, m, k), n in sums.items()]


def compute_allocation(
    session: Session,
    q: ReportQuery,
    dim: str,
    days: set[date],
    choices: list[Choice],
    weights: dict[Key, dict[str | None, int]] | None = None,
) -> list[Allocated]:
    """Every part of the billed cost of `days` in `choices`, computed from the usage cells (a
    filter on `dim` in `q` is not applied: the caller keeps the parts it wants); `weights`:
    `allocation_weights` of those days when the caller has them."""
    billed = _billed(session, q, choices, days)
    if not billed:
        return []
    if weights is None:
        weights = allocation_weights(session, q, dim, days)
    out: list[Allocated] = []
    for (day, project, model), amount in billed.items():
        parts = split_by_weight(amount, weights.get((day, project, model), {}))
        if parts is None:
            out.append(Allocated(day, project, model, None, amount))
            continue
        out += [Allocated(day, project, model, who, n) for who, n in parts]
    return out
