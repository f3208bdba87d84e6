"""Totals and breakdowns over the ledger — the one set of functions behind CLI, API and pages.

Costs are billed amounts (Costs API or cost exports); requests and tokens come from usage data
(`num_model_requests`, never a count of rows). Both read the rollups, through the record-set
choice in `record_sets` (narrowed to a report's question in `report_sources`), so a question
over a year reads a few thousand rows. What the ledger covers (its days and dimensions) is in
`report_coverage`; the query and row types are in `report_types`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostDayModel, CostRollup, UsageRollup
from usage_tracker.db.queries.dbapi_rows import dbapi_connection
from usage_tracker.services.ledger.names import labels
from usage_tracker.services.ledger.record_sets import Choice
from usage_tracker.services.reports.allocation_store import allocate
from usage_tracker.services.reports.attribution import (
    NOT_ATTRIBUTED,
    Allocated,
    Allocation,
    attributed_dimension,
    base_choices,
    chosen_days,
)
from usage_tracker.services.reports.empty_ledger import empty_summary, ledger_is_empty
from usage_tracker.services.reports.estimates import METRICS as ESTIMATE_METRICS
from usage_tracker.services.reports.estimates import SharedUsage, add_estimates
from usage_tracker.services.reports.memo import remembered
from usage_tracker.services.reports.sources import (
    COLUMNS,
    cost_choices,
    cost_model_condition,
    day_condition,
    row_conditions,
    totals_table,
    usage_choices,
    use_day_totals,
)
from usage_tracker.services.reports.tools import tool_counts
from usage_tracker.services.reports.types import (
    DIMENSIONS,
    TIME_DIMENSIONS,
    USAGE_SUMS,
    BreakdownRow,
    Metrics,
    ReportQuery,
    Summary,
    previous_period,
)

__all__ = [
    "DIMENSIONS",
    "BreakdownRow",
    "ReportQuery",
    "Summary",
    "breakdown",
    "group_metrics",
    "previous_period",
    "summary",
]


@remembered
def summary(session: Session, q: ReportQuery) -> Summary:
    """Totals over the range. A ledger with no record sets (of `q.org`) gets `empty_summary`,
    what the quick CLI path answers too (`cli/quick/`); a test holds it equal to
    `computed_summary`'s answer there."""
    if ledger_is_empty(*dbapi_connection(session), q.org):
        return empty_summary(q)
    return computed_summary(session, q)


def computed_summary(session: Session, q: ReportQuery) -> Summary:
    out = Summary(since=q.since, until=q.until)
    use_days = use_day_totals(q)
    cost = cost_choices(session, q, set())
    if cost is not None:
        _, (amount,) = totals_table(True, use_days)
        where = [day_condition(cost)] if use_days else row_conditions(CostRollup, cost, q, True)
        total = session.scalar(select(func.coalesce(func.sum(amount), 0)).where(*where))
        out.cost_nanos = int(total or 0)
    allocation = _allocation(session, q, set(), ())
    if allocation is not None and allocation.parts:
        out.add_cost(sum(a.nanos for a in allocation.parts))
    usage = usage_choices(session, q, set())
    if usage:
        _, columns = totals_table(False, use_days)
        where = [day_condition(usage)] if use_days else row_conditions(UsageRollup, usage, q, False)
        sums = session.execute(
            select(*(func.coalesce(func.sum(c), 0) for c in columns)).where(*where)
        ).one()
        for name, value in zip(USAGE_SUMS, sums, strict=True):
            setattr(out, name, int(value))
    found = _distinct_many(session, q, ("user", "project", "model"))
    out.active_users = len(found["user"])
    out.projects = len(found["project"])
    out.models = len(found["model"])
    add_estimates(session, q, None, [out])
    out.tools = tool_counts(session, q)
    return out


def _distinct_many(session: Session, q: ReportQuery, dims: tuple[str, ...]) -> dict[str, set[str]]:
    """The values of several dimensions that have activity; dimensions whose record-set choice
    is the same are read in one pass over the rollup."""
    found: dict[str, set[str]] = {dim: set() for dim in dims}
    table: Any
    for costs, table in ((True, CostRollup), (False, UsageRollup)):
        passes: dict[str, tuple[list[Choice], list[tuple[str, str]]]] = {}
        for dim in dims:
            choices = (cost_choices if costs else usage_choices)(session, q, {dim})
            column_name = COLUMNS[dim][0 if costs else 1]
            if not choices or column_name is None:
                continue
            key = repr([(c.record_set_id, c.months, c.days) for c in choices])
            passes.setdefault(key, (choices, []))[1].append((dim, column_name))
        activity = table.amount_nanos if costs else table.num_model_requests
        for choices, wanted in passes.values():
            columns = [getattr(table, name) for _, name in wanted]
            query = (
                select(*columns)
                .distinct()
                .where(*row_conditions(table, choices, q, costs), activity != 0)
            )
            for row in session.execute(query):
                for (dim, _), value in zip(wanted, row, strict=True):
                    if value:
                        found[dim].add(value)
    return found


@remembered
def breakdown(
    session: Session,
    q: ReportQuery,
    by: str,
    *,
    top: int | None = None,
    split: str | None = None,
    estimates: bool = True,
) -> list[BreakdownRow]:
    """Rows keyed by `by`, largest cost first (time dimensions in date order).

    `estimates=False` leaves `estimated_cost_nanos` unset, for callers that do not show it."""
    if by not in DIMENSIONS:
        raise ValueError(f"cannot break down by {by!r}; choose one of {', '.join(DIMENSIONS)}")
    if split is not None and (split not in DIMENSIONS or split in TIME_DIMENSIONS or split == by):
        raise ValueError(f"cannot split by {split!r}")
    dims = {d for d in (by, split) if d and d not in TIME_DIMENSIONS}
    months = by not in ("day", "week")
    rows: dict[str | None, BreakdownRow] = {}
    cost = cost_choices(session, q, dims, months)
    if cost is not None:
        _collect(session, q, cost, True, by, split, rows)
    allocation = (
        _allocation(session, q, dims, _group(by, split))
        if by not in ("line_item", "endpoint")
        else None
    )
    if allocation is not None:
        _add_allocated(allocation, by, split, rows)
    answered = cost is not None or bool(allocation and allocation.parts)
    if answered:
        for row in rows.values():
            row.cost_nanos = row.cost_nanos or 0
    usage = usage_choices(session, q, {by} - set(TIME_DIMENSIONS), months)
    shared = None
    if usage is not None:
        if by in ("user", "project", "api_key") and top is None:
            shared = SharedUsage(usage)  # the estimate reuses this pass when it can
        _collect(session, q, usage, False, by, None, rows, shared)
    result = list(rows.values())
    if answered:
        for row in result:
            row.cost_nanos = row.cost_nanos or 0
    if allocation is not None and by == "day" and (q.user or q.api_key):
        for day in allocation.unknown_days:  # billed, but nothing to tell this one's part by
            rows.setdefault(day.isoformat(), BreakdownRow(key=day.isoformat()))
            rows[day.isoformat()].cost_nanos = None
        result = list(rows.values())
    total = sum(r.cost_nanos or 0 for r in result)
    for row in result:
        row.share = (row.cost_nanos or 0) / total if total and row.cost_nanos is not None else None
    if by in TIME_DIMENSIONS:
        result.sort(key=lambda r: r.key or "")
    else:
        result.sort(key=lambda r: (-(r.cost_nanos or 0), -r.requests, r.key or ""))
    if top is not None:
        result = result[:top]
    if estimates:
        add_estimates(session, q, by, result, shared)
    if by in ("user", "project", "api_key"):
        names = labels(session, by, (r.key for r in result))
        for row in result:
            row.label = names.get(row.key or "")
            if row.key is None and by in NOT_ATTRIBUTED and answered:
                row.label = NOT_ATTRIBUTED[by]
    return result


def _group(by: str, split: str | None) -> tuple[str, ...]:
    """What `_add_allocated` keys the allocated parts by."""
    wanted = {"day" if d in TIME_DIMENSIONS else d if d in ("project", "model") else "key"
              for d in (by, split) if d}  # fmt: skip
    return tuple(g for g in ("day", "project", "model", "key") if g in wanted)


def _allocation(
    session: Session, q: ReportQuery, dims: set[str], group: tuple[str, ...]
) -> Allocation | None:
    """Billed cost allocated to users (or keys) on the days no cost data has them, summed by
    `group` (see `allocation_store.allocate`)."""
    dim = attributed_dimension(q, dims)
    if dim is None:
        return None
    with_dim = cost_choices(session, q, dims, months=False)
    base = base_choices(session, q)
    uncovered = chosen_days(base) - chosen_days(with_dim)
    return allocate(session, q, dim, uncovered, base, group)


def _allocated_key(dim: str | None, a: Allocated) -> str | None:
    if dim in ("day", "week", "month"):
        assert a.day is not None
        return _time_key(dim, "day", a.day)
    return {"project": a.project_id, "model": a.model}.get(dim or "", a.key)


def _add_allocated(
    allocation: Allocation, by: str, split: str | None, rows: dict[str | None, BreakdownRow]
) -> None:
    for a in allocation.parts:
        key = _allocated_key(by, a)
        row = rows.get(key) or rows.setdefault(key, BreakdownRow(key=key))
        row.add_cost(a.nanos)
        if split is not None:
            label = _allocated_key(split, a) or "(none)"
            row.split[label] = row.split.get(label, 0) + a.nanos


def _time_key(by: str, grain: str, period: date) -> str:
    if by == "month" or grain == "month":
        return period.strftime("%Y-%m")
    if by == "week":
        year, week, _ = period.isocalendar()
        return f"{year}-W{week:02d}"
    return period.isoformat()


def _collect(
    session: Session,
    q: ReportQuery,
    choices: list[Choice],
    costs: bool,
    by: str,
    split: str | None,
    rows: dict[str | None, BreakdownRow],
    shared: SharedUsage | None = None,
) -> None:
    use_days = by in ("day", "week") and split is None and use_day_totals(q)
    if costs and by in ("day", "week") and split == "model" and use_day_totals(q):
        _collect_cost_models(session, choices, by, rows)
        return
    table, columns = totals_table(costs, use_days)
    values = [func.sum(c) for c in columns]
    if shared is not None:  # per record set and model too, with what estimates need
        values += [func.sum(getattr(table, m)) for m in ESTIMATE_METRICS]
    group: list[Any] = []
    if use_days:
        group += [literal("day"), table.day]
    elif by in TIME_DIMENSIONS:
        group += [table.grain, table.period]
    elif by == "endpoint":
        group.append(table.record_set_id)
    else:
        column = COLUMNS[by][0 if costs else 1]
        assert column is not None
        group.append(getattr(table, column))
    split_col = COLUMNS[split][0 if costs else 1] if split else None
    if split_col:
        group.append(getattr(table, split_col))
    if shared is not None:
        group += [table.record_set_id, table.model]
    if use_days:
        query = select(*group, *values).where(day_condition(choices)).group_by(table.day)
    else:
        where = row_conditions(table, choices, q, costs)
        query = select(*group, *values).where(*where).group_by(*group)
    kinds = {c.record_set_id: c.kind for c in choices}
    for record in session.execute(query):
        parts = list(record)
        if by in TIME_DIMENSIONS:
            grain, period = parts.pop(0), parts.pop(0)
            key: str | None = _time_key(by, grain, period)
        elif by == "endpoint":
            key = kinds.get(parts.pop(0))
        else:
            key = parts.pop(0)
        split_key = parts.pop(0) if split_col else None
        if shared is not None:
            shared.rows.append((parts.pop(0), parts.pop(0), key, *parts[len(USAGE_SUMS) :]))
            parts = parts[: len(USAGE_SUMS)]
        row = rows.get(key)
        if row is None:
            row = rows[key] = BreakdownRow(key=key)
        if costs:
            nanos = int(parts[0] or 0)
            row.add_cost(nanos)
            if split_col:
                label = split_key or "(none)"
                row.split[label] = row.split.get(label, 0) + nanos
        else:
            for name, value in zip(USAGE_SUMS, parts, strict=True):
                setattr(row, name, getattr(row, name) + int(value or 0))


def _collect_cost_models(
    session: Session, choices: list[Choice], by: str, rows: dict[str | None, BreakdownRow]
) -> None:
    """Cost per day (or week) split by model, from the per-day-and-model totals: what the
    rollup path gives, from a few thousand rows a year."""
    query = (
        select(CostDayModel.day, CostDayModel.model, func.sum(CostDayModel.amount_nanos))
        .where(cost_model_condition(choices))
        .group_by(CostDayModel.day, CostDayModel.model)
    )
    for day, model, nanos in session.execute(query):
        key = _time_key(by, "day", day)
        row = rows.get(key)
        if row is None:
            row = rows[key] = BreakdownRow(key=key)
        amount = int(nanos or 0)
        row.add_cost(amount)
        label = model or "(none)"
        row.split[label] = row.split.get(label, 0) + amount


def group_metrics(rows: list[BreakdownRow]) -> Metrics:
    """The rows' totals (cost None when no row has one), for a table's total line."""
    total = Metrics()
    known = [r.cost_nanos for r in rows if r.cost_nanos is not None]
    total.cost_nanos = sum(known) if known else None
    for name in USAGE_SUMS:
        setattr(total, name, sum(getattr(r, name) for r in rows))
    return total
