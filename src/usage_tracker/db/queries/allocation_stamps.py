"""What a day's stored allocation was computed from, as one comparable text per organization
and day: the organization's buckets that day (any record set: a bucket written, replaced or
dropped moves their count, largest id or newest `updated_at`) and the prices (their count and
newest `updated_at`, and the shipped price table's fingerprint, given by the caller)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Bucket, Price, RecordSet


def price_part(session: Session, shipped: str) -> str:
    count, newest = session.execute(select(func.count(Price.id), func.max(Price.updated_at))).one()
    return f"p{count}:{newest}:{shipped}"


def day_stamps(
    session: Session, org_ids: Iterable[int], since: date, until: date, prices: str
) -> dict[tuple[int, date], str]:
    """The stamp of every (organization, day) in [since, until] that has buckets."""
    ids = sorted(set(org_ids))
    if not ids:
        return {}
    query = (
        select(
            RecordSet.organization_id,
            Bucket.day,
            func.count(Bucket.id),
            func.max(Bucket.id),
            func.max(Bucket.updated_at),
        )
        .join(RecordSet, RecordSet.id == Bucket.record_set_id)
        .where(RecordSet.organization_id.in_(ids), Bucket.day.between(since, until))
        .group_by(RecordSet.organization_id, Bucket.day)
    )
    return {
        (org, day): f"b{count}:{top}:{newest}|{prices}"
        for org, day, count, top, newest in session.execute(query)
    }
