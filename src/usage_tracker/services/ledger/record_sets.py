"""Choosing which record set answers a question, day by day, so no dollar is counted twice.

Record sets of one organization and kind (costs, or one usage endpoint) are alternative views of
the same spend. For each day a query reads exactly one of them: the most preferred among those
whose grouping has every dimension the query needs (daily buckets before hourly before minute;
fewer dimensions first, which for costs is the invoice-shaped project × line item view).
Whole months chosen for a set are read from the month rollup, other days from the day rollup.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Organization, RecordSet, RecordSetDay
from usage_tracker.db.queries.rollups import month_end, month_start
from usage_tracker.domain.endpoints import COSTS
from usage_tracker.services.ledger.answer_scope import shared

_WIDTH_RANK = {"1d": 0, "1h": 1, "1m": 2}


@dataclass
class Choice:
    """What one record set contributes: whole months and single days."""

    record_set_id: int
    kind: str
    months: list[date] = field(default_factory=list)
    days: list[date] = field(default_factory=list)


@dataclass(frozen=True)
class SetInfo:
    id: int
    organization_id: int
    kind: str
    width: str
    grouping: frozenset[str]

    @property
    def rank(self) -> tuple[int, int, str]:
        return (_WIDTH_RANK.get(self.width, 9), len(self.grouping), ",".join(sorted(self.grouping)))


def candidate_sets(
    session: Session,
    *,
    costs: bool,
    org: str | None,
    required: Iterable[str],
    endpoint: str | None = None,
    kinds: Iterable[str] | None = None,
) -> list[SetInfo]:
    """Record sets of costs (or of usage: of `endpoint`, else of `kinds`) grouped by at least
    `required`."""
    need = frozenset(required)
    # Columns, not ORM objects: every report asks this several times (no identity map to fill).
    query = select(
        RecordSet.id, RecordSet.organization_id, RecordSet.kind, RecordSet.width, RecordSet.grouping
    ).join(Organization, Organization.id == RecordSet.organization_id)
    query = query.where(RecordSet.kind == COSTS) if costs else query.where(RecordSet.kind != COSTS)
    if org:
        query = query.where(Organization.slug == org)
    if endpoint and not costs:
        query = query.where(RecordSet.kind == endpoint)
    elif kinds is not None and not costs:
        query = query.where(RecordSet.kind.in_(list(kinds)))
    kinds_key = tuple(sorted(kinds)) if kinds is not None and not endpoint else None
    key = ("candidate_sets", id(session), costs, org, endpoint if not costs else None, kinds_key)
    rows = shared(key, lambda: list(session.execute(query)))
    out = []
    for set_id, org_id, kind, width, grouped_by in rows:
        grouping = frozenset(g for g in grouped_by.split(",") if g)
        if need <= grouping:
            out.append(SetInfo(set_id, org_id, kind, width, grouping))
    return out


def choose(
    session: Session, sets: list[SetInfo], since: date, until: date, *, months: bool = True
) -> list[Choice]:
    """Assign each day in [since, until] of each organization × kind to one record set.

    A month is read whole (from the month rollup) when every day the set has in that month is
    assigned to it, so the months at either end count too when the set has no data in them
    outside the range (a year's report up to the last day of data reads month rollups only).
    """
    if not sets:
        return []
    by_id = {s.id: s for s in sets}
    days_of: dict[int, set[date]] = defaultdict(set)  # within [since, until]
    month_days: dict[int, set[date]] = defaultdict(set)  # within the months they touch
    first, last = month_start(since), month_end(until)
    query = select(RecordSetDay.record_set_id, RecordSetDay.day).where(
        RecordSetDay.record_set_id.in_(list(by_id)), RecordSetDay.day.between(first, last)
    )
    key = ("set_days", id(session), tuple(sorted(by_id)), first, last)
    for rs_id, day in shared(key, lambda: list(session.execute(query))):
        month_days[rs_id].add(day)
        if since <= day <= until:
            days_of[rs_id].add(day)
    groups: dict[tuple[int, str], list[SetInfo]] = defaultdict(list)
    for s in sets:
        groups[(s.organization_id, s.kind)].append(s)
    choices = []
    for members in groups.values():
        claimed: set[date] = set()
        for s in sorted(members, key=lambda m: m.rank):
            mine = days_of.get(s.id, set()) - claimed
            if not mine:
                continue
            claimed |= mine
            choices.append(_split(s, mine, month_days[s.id], months))
    return choices


def _split(s: SetInfo, mine: set[date], all_days: set[date], months: bool) -> Choice:
    choice = Choice(s.id, s.kind)
    by_month: dict[date, list[date]] = defaultdict(list)
    for day in mine:
        by_month[month_start(day)].append(day)
    in_month: Counter[date] = Counter(month_start(d) for d in all_days) if months else Counter()
    for month, days in sorted(by_month.items()):
        if months and len(days) == in_month[month]:
            choice.months.append(month)
        else:
            choice.days.extend(sorted(days))
    return choice


def day_ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive runs of `days` as (first, last) pairs."""
    out: list[tuple[date, date]] = []
    for day in sorted(days):
        if out and (day - out[-1][1]).days == 1:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def rollup_condition(table: type, choices: list[Choice]) -> ColumnElement[bool]:
    """WHERE clause selecting exactly the chosen rollup rows of `table`."""
    parts: list[ColumnElement[bool]] = []
    for c in choices:
        rs = table.record_set_id == c.record_set_id  # type: ignore[attr-defined]
        if c.months:
            parts.append(and_(rs, table.grain == "month", table.period.in_(c.months)))  # type: ignore[attr-defined]
        for lo, hi in day_ranges(c.days):
            parts.append(and_(rs, table.grain == "day", table.period.between(lo, hi)))  # type: ignore[attr-defined]
    return or_(*parts) if parts else and_(False)  # type: ignore[arg-type]
