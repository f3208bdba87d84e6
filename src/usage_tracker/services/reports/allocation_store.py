"""The allocation of billed dollars to users and keys, stored so a year's question reads it.

`services/reports/attribution` says how a day × project × model's billed cost is split by usage
share; computing it reads every usage cell of the range (1.2 million a year for 2,000 users).
`refresh_allocations` stores the split per base cost record set, day and dimension (with month
sums per user or key beside it), after imports, syncs and price changes. Each stored day carries
a stamp of what it was computed from (`db/queries/allocation_stamps.py`: the organization's
buckets that day and the prices); `allocate` reads the days whose stamp is current and computes
the others as before, so a missed refresh costs time, never a wrong number.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, insert, literal, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.base import Base
from usage_tracker.db.engine import transaction
from usage_tracker.db.models import (
    AllocationDay,
    AllocationMonth,
    AllocationPart,
    Organization,
    RecordSet,
    RecordSetDay,
)
from usage_tracker.db.queries.allocation_stamps import day_stamps, price_part
from usage_tracker.db.queries.ledger_version import ledger_version
from usage_tracker.db.queries.rollups import month_end, month_start
from usage_tracker.services.ledger.record_sets import (
    Choice,
    SetInfo,
    candidate_sets,
    day_ranges,
)
from usage_tracker.services.reports import memo
from usage_tracker.services.reports.attribution import (
    _BASE,
    ATTRIBUTABLE,
    FULL,
    Allocated,
    Allocation,
    aggregate,
    base_choices,
    compute_allocation,
    weights_by_dimension,
)
from usage_tracker.services.reports.prices import shipped_prices
from usage_tracker.services.reports.types import ReportQuery

log = logging.getLogger(__name__)

# Allocations answered lately, by question and ledger version: a page asks the same question
# for its ranking, its table and its JSON twin.
_RECENT: OrderedDict[tuple[Any, ...], Allocation] = OrderedDict()
_RECENT_SIZE = 8
_RECENT_MAX_PARTS = 400_000
# Days a refresh computes at once: a week of a 2,000-user organization is ≈ 24,000 usage cells.
_CHUNK_DAYS = 7
memo.also_clear(_RECENT.clear)


@functools.cache
def _shipped() -> str:
    return hashlib.sha256(repr(shipped_prices()).encode()).hexdigest()[:16]


def _prices(session: Session) -> str:
    return price_part(session, _shipped())


def allocate(
    session: Session,
    q: ReportQuery,
    dim: str,
    days: set[date],
    choices: list[Choice] | None = None,
    group: tuple[str, ...] = FULL,
) -> Allocation:
    """The billed cost of `days` (project × line item data, `choices`) given to each `dim` value
    by usage share, summed by `group` (of "day", "project", "model", "key"); what no usage
    explains goes to key None. A filter on `dim` in `q` keeps that value's part only (its share
    is still taken among everyone's usage)."""
    if not days:
        return Allocation([], set())
    choices = base_choices(session, q) if choices is None else choices
    chosen = tuple((c.record_set_id, tuple(c.days), tuple(c.months)) for c in choices)
    key = (q, dim, frozenset(days), chosen, group, ledger_version(session))
    found = _RECENT.get(key)
    if found is not None:
        _RECENT.move_to_end(key)
        return Allocation(list(found.parts), set(found.unknown_days))
    result = _allocate(session, q, dim, days, choices, group)
    if len(result.parts) <= _RECENT_MAX_PARTS:
        _RECENT[key] = Allocation(list(result.parts), set(result.unknown_days))
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return result


class _DayStates:
    """Which days have attributed parts and which have parts given to nobody; a day with only
    the latter is unknown for any one user or key."""

    def __init__(self) -> None:
        self.attributed: set[date] = set()
        self.unattributed: set[date] = set()

    def add(self, day: date, unattributed: bool | None) -> None:
        if unattributed is not None:
            (self.unattributed if unattributed else self.attributed).add(day)

    @property
    def unknown(self) -> set[date]:
        return self.unattributed - self.attributed


def _allocate(
    session: Session,
    q: ReportQuery,
    dim: str,
    days: set[date],
    choices: list[Choice],
    group: tuple[str, ...],
) -> Allocation:
    wanted_days = {c.record_set_id: [d for d in c.days if d in days] for c in choices}
    wanted_days = {rs: ds for rs, ds in wanted_days.items() if ds}
    if not wanted_days:
        return Allocation([], set())
    who = q.user if dim == "user" else q.api_key
    states = _DayStates()
    fresh: dict[int, list[date]] = {}
    stored: dict[int, dict[date, bool | None]] = {}
    stale = wanted_days
    if q.endpoint is None:  # stored parts share among every endpoint's usage
        fresh, stale, stored = _fresh_and_stale(session, dim, wanted_days)
    parts: list[Allocated] = []
    if stale:
        kinds = {c.record_set_id: c.kind for c in choices}
        narrowed = [Choice(rs, kinds[rs], [], ds) for rs, ds in stale.items()]
        computed = compute_allocation(session, q, dim, {d for ds in stale.values() for d in ds},
                                      narrowed)  # fmt: skip
        for a in computed:
            assert a.day is not None
            states.add(a.day, a.key is None)
        parts += aggregate([a for a in computed if who is None or a.key == who], group)
    if fresh:
        parts += _read_parts(session, q, dim, fresh, stored, group, who)
        _stored_states(session, q, dim, fresh, stored, states)
    if stale and fresh:
        parts = aggregate(parts, group)
    return Allocation(parts, states.unknown)


def _fresh_and_stale(
    session: Session, dim: str, wanted: dict[int, list[date]]
) -> tuple[dict[int, list[date]], dict[int, list[date]], dict[int, dict[date, bool | None]]]:
    """The wanted days whose stored parts are current, those that are not, and every stored
    day of the wanted months (its `unattributed` state) per record set."""
    every = [d for ds in wanted.values() for d in ds]
    lo, hi = min(every), max(every)
    orgs = dict(
        session.execute(
            select(RecordSet.id, RecordSet.organization_id).where(RecordSet.id.in_(list(wanted)))
        ).all()
    )
    stamps = day_stamps(session, orgs.values(), lo, hi, _prices(session))
    stored: dict[int, dict[date, bool | None]] = defaultdict(dict)
    current: dict[int, set[date]] = defaultdict(set)
    rows = session.execute(
        select(
            AllocationDay.record_set_id,
            AllocationDay.day,
            AllocationDay.stamp,
            AllocationDay.unattributed,
        ).where(
            AllocationDay.record_set_id.in_(list(wanted)),
            AllocationDay.dim == dim,
            AllocationDay.day.between(month_start(lo), month_end(hi)),
        )
    )
    for rs, day, stamp, unattributed in rows:
        stored[rs][day] = unattributed
        if stamp == stamps.get((orgs.get(rs, -1), day)):
            current[rs].add(day)
    fresh: dict[int, list[date]] = {}
    stale: dict[int, list[date]] = {}
    for rs, ds in wanted.items():
        ok = [d for d in ds if d in current[rs]]
        if ok:
            fresh[rs] = ok
        if len(ok) < len(ds):
            stale[rs] = [d for d in ds if d not in current[rs]]
    return fresh, stale, stored


_PART_COLUMNS: dict[str, Any] = {
    "day": AllocationPart.day,
    "project": AllocationPart.project_id,
    "model": AllocationPart.model,
    "key": AllocationPart.who,
}


def _read_parts(
    session: Session,
    q: ReportQuery,
    dim: str,
    fresh: dict[int, list[date]],
    stored: dict[int, dict[date, bool | None]],
    group: tuple[str, ...],
    who: str | None,
) -> list[Allocated]:
    """The stored parts of the fresh days summed by `group`: whole months from the month sums
    where the question allows it, the other days from the day parts."""
    months: dict[int, list[date]] = {}
    day_lists: dict[int, list[date]] = {}
    by_month = set(group) <= {"key"} and not q.project and not q.model
    for rs, ds in fresh.items():
        whole: list[date] = []
        rest = ds
        if by_month:
            mine = set(ds)
            in_month: dict[date, set[date]] = defaultdict(set)
            for day in stored.get(rs, {}):
                in_month[month_start(day)].add(day)
            whole = sorted(m for m, all_days in in_month.items() if all_days <= mine)
            taken = set(whole)
            rest = [d for d in ds if month_start(d) not in taken]
        if whole:
            months[rs] = whole
        if rest:
            day_lists[rs] = rest
    out: list[Allocated] = []
    if months:
        month_where = or_(*(and_(AllocationMonth.record_set_id == rs, AllocationMonth.month.in_(ms))
                            for rs, ms in months.items()))  # fmt: skip
        where = [AllocationMonth.dim == dim, month_where]
        if who is not None:
            where.append(AllocationMonth.who == who)
        cols = [AllocationMonth.who] if "key" in group else []
        query = select(*cols, func.sum(AllocationMonth.nanos)).where(*where)
        for row in session.execute(query.group_by(*cols) if cols else query):
            if row[-1] is not None:
                key = row[0] if cols else None
                out.append(Allocated(None, None, None, key, int(row[-1])))
    if day_lists:
        where = [AllocationPart.dim == dim, _days_condition(day_lists)]
        if q.project:
            where.append(AllocationPart.project_id == q.project)
        if q.model:
            where.append(AllocationPart.model == q.model)
        if who is not None:
            where.append(AllocationPart.who == who)
        names = [g for g in FULL if g in group]
        cols = [_PART_COLUMNS[g] for g in names]
        query = select(*cols, func.sum(AllocationPart.nanos)).where(*where)
        for row in session.execute(query.group_by(*cols) if cols else query):
            if row[-1] is None:
                continue
            values = dict(zip(names, row, strict=False))
            out.append(Allocated(values.get("day"), values.get("project"), values.get("model"),
                                 values.get("key"), int(row[-1])))  # fmt: skip
    return aggregate(out, group) if months and day_lists else out


def _days_condition(day_lists: dict[int, list[date]]) -> ColumnElement[bool]:
    return or_(*(and_(AllocationPart.record_set_id == rs, AllocationPart.day.between(lo, hi))
                 for rs, ds in day_lists.items() for lo, hi in day_ranges(ds)))  # fmt: skip


def _stored_states(
    session: Session,
    q: ReportQuery,
    dim: str,
    fresh: dict[int, list[date]],
    stored: dict[int, dict[date, bool | None]],
    states: _DayStates,
) -> None:
    """Add the fresh days' states: as stored for the whole day, or from the parts a project or
    model filter keeps."""
    if not q.project and not q.model:
        for rs, ds in fresh.items():
            for day in ds:
                states.add(day, stored.get(rs, {}).get(day))
        return
    where = [AllocationPart.dim == dim, _days_condition(fresh)]
    if q.project:
        where.append(AllocationPart.project_id == q.project)
    if q.model:
        where.append(AllocationPart.model == q.model)
    query = (
        select(AllocationPart.day, func.count(AllocationPart.who), func.count())
        .where(*where)
        .group_by(AllocationPart.day)
    )
    for day, named, every in session.execute(query):
        if named:
            states.add(day, False)
        if every > named:
            states.add(day, True)


# --- writing ------------------------------------------------------------------------------


def refresh_allocations(session_factory: sessionmaker[Session], org: str | None = None) -> int:
    """Store the allocation of every day whose stored one is missing or out of date, for `org`
    (None: every organization), in one transaction; the number of days computed. A failure is
    logged and changes nothing: reports then compute those days when asked."""
    try:
        with transaction(session_factory) as session:
            return refresh_in(session, org)
    except SQLAlchemyError as exc:
        log.warning("allocations not stored (%s); reports will compute them", exc)
        return 0


def refresh_in(session: Session, org: str | None = None) -> int:
    """`refresh_allocations` inside the caller's transaction."""
    sets = candidate_sets(session, costs=True, org=org, required=_BASE)
    computed = 0
    prices = _prices(session)
    slugs = dict(session.execute(select(Organization.id, Organization.slug)).all())
    for s in sets:
        days = set(
            session.scalars(select(RecordSetDay.day).where(RecordSetDay.record_set_id == s.id))
        )
        org_id = s.organization_id
        stamps = day_stamps(session, [org_id], min(days), max(days), prices) if days else {}
        computed += _refresh_set(session, s, slugs[org_id], days, stamps)
    return computed


def _refresh_set(
    session: Session,
    s: SetInfo,
    slug: str,
    days: set[date],
    stamps: dict[tuple[int, date], str],
) -> int:
    """Recompute the set's out-of-date days, `_CHUNK_DAYS` at a time (their usage weights read
    once for users and keys; memory stays that of a week of cells), then the month sums of
    every month that changed."""
    rs, org_id = s.id, s.organization_id
    stale: dict[str, set[date]] = {}
    changed: dict[str, set[date]] = {}
    for dim, column in ATTRIBUTABLE.items():
        # A set that has the dimension answers it billed: nothing of it is ever allocated.
        wanted = set() if column in s.grouping else days
        stored = dict(
            session.execute(
                select(AllocationDay.day, AllocationDay.stamp).where(
                    AllocationDay.record_set_id == rs, AllocationDay.dim == dim
                )
            ).all()
        )
        stale[dim] = {d for d in wanted if stored.get(d) != stamps.get((org_id, d))}
        changed[dim] = stale[dim] | {d for d in stored if d not in wanted}
        if changed[dim]:
            _drop_days(session, rs, dim, sorted(changed[dim]))
    for lo, hi in _chunks(set().union(*stale.values())):
        chunk_days = {lo + timedelta(days=i) for i in range((hi - lo).days + 1)}
        q = ReportQuery(since=lo, until=hi, org=slug)
        weights = weights_by_dimension(session, q, chunk_days)
        for dim in ATTRIBUTABLE:
            mine = sorted(chunk_days & stale[dim])
            if mine:
                choice = Choice(rs, s.kind, [], mine)
                parts = compute_allocation(session, q, dim, set(mine), [choice], weights[dim])
                _write_days(session, rs, dim, mine, parts, stamps, org_id)
    for dim in ATTRIBUTABLE:
        for month in sorted({month_start(d) for d in changed[dim]}):
            _write_month(session, rs, dim, month)
    return sum(len(days) for days in stale.values())


def _chunks(days: set[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days, cut at `_CHUNK_DAYS` (the usage of [lo, hi] is read whole)."""
    out = []
    for lo, hi in day_ranges(sorted(days)):
        while lo <= hi:
            end = min(hi, lo + timedelta(days=_CHUNK_DAYS - 1))
            out.append((lo, end))
            lo = end + timedelta(days=1)
    return out


def _drop_days(session: Session, rs: int, dim: str, days: list[date]) -> None:
    for lo, hi in day_ranges(days):
        for table in (AllocationPart, AllocationDay):
            session.execute(
                delete(table).where(
                    table.record_set_id == rs, table.dim == dim, table.day.between(lo, hi)
                )
            )


def _write_days(
    session: Session,
    rs: int,
    dim: str,
    days: Iterable[date],
    parts: list[Allocated],
    stamps: dict[tuple[int, date], str],
    org_id: int,
) -> None:
    states = {day: _DayStates() for day in days}
    rows = []
    for a in parts:
        assert a.day is not None
        states[a.day].add(a.day, a.key is None)
        rows.append({"record_set_id": rs, "dim": dim, "day": a.day, "project_id": a.project_id,
                     "model": a.model, "who": a.key, "nanos": a.nanos})  # fmt: skip
    if rows:
        session.connection().execute(insert(_table(AllocationPart)), rows)
    day_rows = []
    for day, st in states.items():
        unattributed = None if not (st.attributed or st.unattributed) else not st.attributed
        stamp = stamps.get((org_id, day), "")
        day_rows.append({"record_set_id": rs, "dim": dim, "day": day, "stamp": stamp,
                         "unattributed": unattributed})  # fmt: skip
    session.connection().execute(insert(_table(AllocationDay)), day_rows)


def _table(model: type[Base]) -> Table:
    """The model's table, for a Core executemany (the ORM's bulk insert costs ≈ 80 µs a row)."""
    return cast(Table, model.__table__)


def _write_month(session: Session, rs: int, dim: str, month: date) -> None:
    session.execute(
        delete(AllocationMonth).where(
            AllocationMonth.record_set_id == rs,
            AllocationMonth.dim == dim,
            AllocationMonth.month == month,
        )
    )
    sums = (
        select(
            literal(rs),
            literal(dim),
            literal(month),
            AllocationPart.who,
            func.sum(AllocationPart.nanos),
        )
        .where(
            AllocationPart.record_set_id == rs,
            AllocationPart.dim == dim,
            AllocationPart.day.between(month, month_end(month)),
        )
        .group_by(AllocationPart.who)
    )
    session.execute(
        insert(AllocationMonth).from_select(["record_set_id", "dim", "month", "who", "nanos"], sums)
    )
