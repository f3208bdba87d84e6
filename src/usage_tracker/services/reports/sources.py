"""Which rollup rows a report reads: the record-set choice for a question, the conditions that
select its rows, and the table that answers it (rollups, or the day totals of record sets).

Costs come from cost record sets, requests and tokens from usage record sets; a dimension or
filter that one kind does not have leaves that kind out (`cost_choices` / `usage_choices` return
None).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostDayModel, CostRollup, RecordSetDay, UsageRollup
from usage_tracker.db.queries.rollups import month_end
from usage_tracker.domain.endpoints import MODEL_ENDPOINTS
from usage_tracker.services.ledger.record_sets import (
    Choice,
    candidate_sets,
    choose,
    day_ranges,
    rollup_condition,
)
from usage_tracker.services.reports.types import USAGE_SUMS, ReportQuery

# Dimension → (cost rollup column, usage rollup column); None where the data has no such thing.
COLUMNS: dict[str, tuple[str | None, str | None]] = {
    "user": ("user_id", "user_id"),
    "project": ("project_id", "project_id"),
    "model": ("model", "model"),
    "line_item": ("line_item", None),
    "api_key": ("api_key_id", "api_key_id"),
    "endpoint": (None, None),
}
# What a cost / usage record set must be grouped by to answer a dimension or filter.
NEEDS_COST = {
    "user": "user_id",
    "project": "project_id",
    "model": "line_item",
    "line_item": "line_item",
    "api_key": "api_key_id",
}
NEEDS_USAGE = {
    "user": "user_id",
    "project": "project_id",
    "model": "model",
    "api_key": "api_key_id",
}


def filters(q: ReportQuery) -> dict[str, str]:
    """The query's dimension filters that are set (dimension → value)."""
    return {
        dim: value
        for dim, value in (
            ("project", q.project),
            ("user", q.user),
            ("model", q.model),
            ("api_key", q.api_key),
        )
        if value
    }


def cost_choices(
    session: Session, q: ReportQuery, dims: set[str], months: bool = True
) -> list[Choice] | None:
    """None when costs cannot answer (endpoint filter, or no record set has the dimensions)."""
    if q.endpoint or "endpoint" in dims:
        return None
    required = {NEEDS_COST[d] for d in dims | set(filters(q)) if d in NEEDS_COST}
    sets = candidate_sets(session, costs=True, org=q.org, required=required)
    if not sets:
        return None
    return choose(session, sets, q.since, q.until, months=months)


def usage_choices(
    session: Session, q: ReportQuery, dims: set[str], months: bool = True
) -> list[Choice] | None:
    """None when usage cannot answer (line items, a tool endpoint, or no record set has the
    dimensions). Model endpoints only: tool endpoints' counts are never model requests."""
    if "line_item" in dims or (q.endpoint is not None and q.endpoint not in MODEL_ENDPOINTS):
        return None
    wanted = dims | set(filters(q))
    if any(d in NEEDS_COST and d not in NEEDS_USAGE for d in wanted):
        return None
    required = {NEEDS_USAGE[d] for d in wanted if d in NEEDS_USAGE}
    sets = candidate_sets(
        session, costs=False, org=q.org, required=required, endpoint=q.endpoint,
        kinds=MODEL_ENDPOINTS,
    )  # fmt: skip
    if not sets:
        return None
    return choose(session, sets, q.since, q.until, months=months)


def tool_choices(session: Session, q: ReportQuery, endpoint: str) -> list[Choice] | None:
    """Day choices of one tool endpoint for the query's filters (None: it cannot answer)."""
    if q.endpoint is not None and q.endpoint != endpoint:
        return None
    wanted = set(filters(q))
    if any(d not in NEEDS_USAGE for d in wanted):
        return None
    required = {NEEDS_USAGE[d] for d in wanted}
    sets = candidate_sets(session, costs=False, org=q.org, required=required, endpoint=endpoint)
    if not sets:
        return None
    return choose(session, sets, q.since, q.until, months=False)


def row_conditions(table: Any, choices: list[Choice], q: ReportQuery, costs: bool) -> list[Any]:
    """Conditions on a rollup table: the chosen rows, and the query's filters."""
    conditions = [rollup_condition(table, choices)]
    for dim, value in filters(q).items():
        column = COLUMNS[dim][0 if costs else 1]
        if column is not None:
            conditions.append(getattr(table, column) == value)
    return conditions


# Day totals on record_set_days answer unfiltered questions without reading rollup rows.
_DAY_TOTALS = all(hasattr(RecordSetDay, c) for c in USAGE_SUMS.values())


def use_day_totals(q: ReportQuery) -> bool:
    return _DAY_TOTALS and not filters(q)


def day_condition(choices: list[Choice]) -> ColumnElement[bool]:
    """The record_set_days rows of the chosen days (whole months as their days), with data."""
    parts: list[ColumnElement[bool]] = []
    for c in choices:
        spans = [(m, month_end(m)) for m in c.months] + day_ranges(c.days)
        for lo, hi in spans:
            rs = RecordSetDay.record_set_id == c.record_set_id
            parts.append(and_(rs, RecordSetDay.day.between(lo, hi)))
    if not parts:
        return and_(False)  # type: ignore[arg-type]
    return and_(or_(*parts), RecordSetDay.rows > 0)


def cost_model_condition(choices: list[Choice]) -> ColumnElement[bool]:
    """The cost_day_models rows of the chosen days (whole months as their days)."""
    parts = [
        and_(CostDayModel.record_set_id == c.record_set_id, CostDayModel.day.between(lo, hi))
        for c in choices
        for lo, hi in [(m, month_end(m)) for m in c.months] + day_ranges(c.days)
    ]
    return or_(*parts) if parts else and_(False)  # type: ignore[arg-type]


def totals_table(costs: bool, use_days: bool) -> tuple[Any, list[Any]]:
    """The table to sum and its value columns: day totals, or the rollup."""
    table: Any = RecordSetDay if use_days else (CostRollup if costs else UsageRollup)
    columns = [table.amount_nanos] if costs else [getattr(table, c) for c in USAGE_SUMS.values()]
    return table, columns
