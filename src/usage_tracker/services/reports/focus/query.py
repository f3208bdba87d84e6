"""The cost records the FOCUS export reads: which record set each day, and its groups.

A chunk (at most `CHUNK_DAYS` days, never across a month) is planned as (day, record set)
pairs from the record-set choice; each pair is one index range read (`ix_cost_records_set_day`,
db/queries/cost_days.py), sorted by the database and summed per group in Python: a day of the
largest organization is a few thousand rows, and this is cheaper than a GROUP BY over a chunk.
A group is the row's dimensions and sign (credits never net against usage) with its amount and
quantity (None when any record of the group has none).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from usage_tracker.db.models import CostRecord
from usage_tracker.db.queries.cost_days import GROUP_WIDTH, CostDays
from usage_tracker.domain.focus import month_bounds
from usage_tracker.services.ledger.record_sets import Choice, day_ranges

CHUNK_DAYS = 8
# (project, line item, key, user, negative, currency, unit, model, kind), (nanos, quantity)
GroupKey = tuple[str | None, str | None, str | None, str | None, bool, str | None, str | None,
                 str | None, str | None]  # fmt: skip
Group = tuple[GroupKey, tuple[int, float | None]]


def chunks(since: date, until: date, size: int = CHUNK_DAYS) -> Iterator[tuple[date, date]]:
    """[since, until] in runs of at most `size` days, none crossing a calendar month."""
    day = since
    while day <= until:
        _, following = month_bounds(day)
        last = min(until, day + timedelta(days=size - 1), following - timedelta(days=1))
        yield day, last
        day = last + timedelta(days=1)


def day_plan(choices: Sequence[Choice], lo: date, hi: date) -> list[tuple[date, int]]:
    """The (day, record set) pairs of [lo, hi], by day then record set."""
    return sorted((d, c.record_set_id) for c in choices for d in c.days if lo <= d <= hi)


def chunk_condition(plan: Sequence[tuple[date, int]]) -> ColumnElement[bool]:
    """The cost records of a chunk's plan, as index ranges."""
    by_set: dict[int, list[date]] = {}
    for day, rs_id in plan:
        by_set.setdefault(rs_id, []).append(day)
    return or_(
        *(
            and_(CostRecord.record_set_id == rs_id, CostRecord.day.between(first, last))
            for rs_id, days in by_set.items()
            for first, last in day_ranges(days)
        )
    )


def day_groups(reader: CostDays, rs_id: int, day: date) -> list[Group]:
    """One record set's cost records of one day, summed per group, in group order (the
    database sorts, a day is a small sort, and equal groups are adjacent)."""
    out: list[Group] = []
    last: Any = None
    nanos: int = 0
    quantity: float | None = None
    for record in reader.records(rs_id, day):
        key = record[:GROUP_WIDTH]
        amount, extra = record[GROUP_WIDTH], record[GROUP_WIDTH + 1]
        if key != last:
            if last is not None:
                out.append((last, (nanos, quantity)))
            last, nanos, quantity = key, int(amount), None if extra is None else float(extra)
        else:
            nanos += int(amount)
            quantity = None if quantity is None or extra is None else quantity + float(extra)
    if last is not None:
        out.append((last, (nanos, quantity)))
    return out
