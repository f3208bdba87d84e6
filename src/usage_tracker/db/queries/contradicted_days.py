"""Days of older cost record sets that a newer write contradicts, and dropping them.

Cost record sets of one organization are views of the same money (by project × line item, by
user, by key). Where two hold the same day they must agree at the dimensions they share; when a
newer export (or sync) of a day disagrees with an older view of it, the older view of that day
is stale — a corrected or completed export, or a user-grouped file whose users happen to be
null — and is dropped, so every slice reads the newest money. As within one record set (where a
newer bucket replaces the older copy whole), an export is taken as complete for its days.
Views without a project dimension are not compared. Sums may differ by rounding: one nano-dollar
per row is allowed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Bucket, CostRecord, RecordSet, RecordSetDay
from usage_tracker.db.queries.rollups import refresh_days
from usage_tracker.domain.endpoints import COSTS

_DIMS = ("project_id", "line_item", "user_id", "api_key_id")
_CHUNK = 400

Sums = dict[date, dict[tuple[Any, ...], tuple[int, int]]]  # day → shared key → (nanos, rows)


def drop_contradicted_days(
    session: Session,
    organization_id: int,
    record_set_id: int,
    days: Iterable[date],
    *,
    same_write: set[int],
) -> int:
    """Drop the days of other cost record sets (not in `same_write`) that the data of
    `record_set_id` on `days` contradicts; the number of record-set days dropped."""
    wanted = sorted(set(days))
    if not wanted:
        return 0
    sets = {
        rs.id: frozenset(g for g in rs.grouping.split(",") if g)
        for rs in session.scalars(
            select(RecordSet).where(
                RecordSet.organization_id == organization_id, RecordSet.kind == COSTS
            )
        )
    }
    mine = sets[record_set_id]
    dropped = 0
    for other, grouping in sets.items():
        if other in same_write or other == record_set_id:
            continue
        overlap = _days_held(session, other, wanted)
        if not overlap:
            continue
        shared = tuple(d for d in _DIMS if d in mine and d in grouping)
        if "project_id" not in shared:
            continue  # not views of one project's money (no project to compare by)
        newer = _sums(session, record_set_id, shared, overlap)
        older = _sums(session, other, shared, overlap)
        stale = [day for day in overlap if _contradicts(newer.get(day, {}), older.get(day, {}))]
        if stale:
            _drop(session, other, stale)
            dropped += len(stale)
    return dropped


def _days_held(session: Session, record_set_id: int, days: Sequence[date]) -> list[date]:
    held: list[date] = []
    for i in range(0, len(days), _CHUNK):
        held += session.scalars(
            select(RecordSetDay.day).where(
                RecordSetDay.record_set_id == record_set_id,
                RecordSetDay.day.in_(days[i : i + _CHUNK]),
            )
        )
    return sorted(held)


def _sums(session: Session, record_set_id: int, shared: tuple[str, ...], days: list[date]) -> Sums:
    cols = [getattr(CostRecord, d) for d in shared]
    out: Sums = defaultdict(dict)
    for i in range(0, len(days), _CHUNK):
        query = (
            select(CostRecord.day, *cols, func.sum(CostRecord.amount_nanos), func.count())
            .where(
                CostRecord.record_set_id == record_set_id,
                CostRecord.day.in_(days[i : i + _CHUNK]),
            )
            .group_by(CostRecord.day, *cols)
        )
        for day, *rest in session.execute(query):
            *key, nanos, rows = rest
            out[day][tuple(key)] = (int(nanos or 0), int(rows))
    return out


def _contradicts(
    newer: dict[tuple[Any, ...], tuple[int, int]], older: dict[tuple[Any, ...], tuple[int, int]]
) -> bool:
    """Some shared key's money differs by more than rounding."""
    for key in set(newer) | set(older):
        a, a_rows = newer.get(key, (0, 0))
        b, b_rows = older.get(key, (0, 0))
        if abs(a - b) > a_rows + b_rows:
            return True
    return False


def _drop(session: Session, record_set_id: int, days: list[date]) -> None:
    for i in range(0, len(days), _CHUNK):
        chunk = days[i : i + _CHUNK]
        buckets = select(Bucket.id).where(
            Bucket.record_set_id == record_set_id, Bucket.day.in_(chunk)
        )
        session.execute(delete(CostRecord).where(CostRecord.bucket_id.in_(buckets)))
        session.execute(
            delete(Bucket).where(Bucket.record_set_id == record_set_id, Bucket.day.in_(chunk))
        )
    refresh_days(session, record_set_id, True, days)
