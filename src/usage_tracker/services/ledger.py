"""Writing buckets into the ledger: record sets, whole-bucket replacement, rollups on finish.

Both file imports and the Admin API sync write through `LedgerWriter`, inside the caller's
transaction, so a failure anywhere leaves the database as it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import Bucket as BucketRow
from usage_tracker.db.models import CostRecord, RecordSet, UsageRecord
from usage_tracker.db.queries.rollups import refresh_days
from usage_tracker.domain.endpoints import COSTS, USAGE_DIMENSIONS, USAGE_METRICS
from usage_tracker.domain.line_items import parse_line_item
from usage_tracker.domain.records import Bucket, RecordSetKey, utc_day

_FLUSH_ROWS = 5000


@dataclass
class WriteSummary:
    rows: int = 0
    buckets: int = 0
    replaced_buckets: int = 0
    first_day: date | None = None
    last_day: date | None = None
    record_sets: set[int] = field(default_factory=set)

    def see(self, day: date) -> None:
        self.first_day = day if self.first_day is None else min(self.first_day, day)
        self.last_day = day if self.last_day is None else max(self.last_day, day)


def get_or_create_record_set(session: Session, organization_id: int, key: RecordSetKey) -> int:
    grouping = ",".join(key.grouping)
    found = session.scalar(
        select(RecordSet.id).where(
            RecordSet.organization_id == organization_id,
            RecordSet.kind == key.kind,
            RecordSet.width == key.width,
            RecordSet.grouping == grouping,
        )
    )
    if found is not None:
        return found
    row = RecordSet(
        organization_id=organization_id, kind=key.kind, width=key.width, grouping=grouping
    )
    session.add(row)
    session.flush()
    return row.id


class LedgerWriter:
    """Replace buckets of record sets; call `finish()` once to bring rollups up to date."""

    def __init__(self, session: Session, organization_id: int, import_id: int | None = None):
        self.session = session
        self.organization_id = organization_id
        self.import_id = import_id
        self.summary = WriteSummary()
        self._existing: dict[int, dict[int, int]] = {}
        self._touched: dict[int, set[date]] = defaultdict(set)
        self._kinds: dict[int, bool] = {}
        self._cost_rows: list[dict[str, Any]] = []
        self._usage_rows: list[dict[str, Any]] = []
        self._line_items: dict[str | None, tuple[str | None, str | None]] = {}

    def record_set(self, key: RecordSetKey) -> int:
        rs_id = get_or_create_record_set(self.session, self.organization_id, key)
        if rs_id not in self._existing:
            self._existing[rs_id] = {
                start: bucket_id
                for start, bucket_id in self.session.execute(
                    select(BucketRow.start_time, BucketRow.id).where(
                        BucketRow.record_set_id == rs_id
                    )
                )
            }
            self._kinds[rs_id] = key.kind == COSTS
        return rs_id

    def write(self, record_set_id: int, bucket: Bucket) -> None:
        """Store `bucket`, replacing any older copy of the same bucket whole."""
        day = utc_day(bucket.start)
        existing = self._existing[record_set_id]
        bucket_id = existing.get(bucket.start)
        is_costs = self._kinds[record_set_id]
        if bucket_id is not None:
            self._flush()
            table = CostRecord if is_costs else UsageRecord
            self.session.execute(delete(table).where(table.bucket_id == bucket_id))
            self.session.execute(
                update(BucketRow)
                .where(BucketRow.id == bucket_id)
                .values(
                    end_time=bucket.end,
                    rows=bucket.rows,
                    import_id=self.import_id,
                    updated_at=utcnow(),
                )
            )
            self.summary.replaced_buckets += 1
        else:
            bucket_id = self.session.execute(
                insert(BucketRow)
                .values(
                    record_set_id=record_set_id,
                    start_time=bucket.start,
                    end_time=bucket.end,
                    day=day,
                    rows=bucket.rows,
                    import_id=self.import_id,
                    updated_at=utcnow(),
                )
                .returning(BucketRow.id)
            ).scalar_one()
            existing[bucket.start] = bucket_id
        if is_costs:
            self._add_costs(record_set_id, bucket_id, day, bucket)
        else:
            self._add_usage(record_set_id, bucket_id, day, bucket)
        self._touched[record_set_id].add(day)
        self.summary.record_sets.add(record_set_id)
        self.summary.buckets += 1
        self.summary.rows += bucket.rows
        self.summary.see(day)
        if len(self._cost_rows) + len(self._usage_rows) >= _FLUSH_ROWS:
            self._flush()

    def _parsed(self, line_item: str | None) -> tuple[str | None, str | None]:
        parsed = self._line_items.get(line_item)
        if parsed is None:
            item = parse_line_item(line_item)
            parsed = self._line_items[line_item] = (item.model, item.kind)
        return parsed

    def _add_costs(self, rs_id: int, bucket_id: int, day: date, bucket: Bucket) -> None:
        for r in bucket.costs:
            model, kind = self._parsed(r.line_item)
            self._cost_rows.append(
                {
                    "bucket_id": bucket_id,
                    "record_set_id": rs_id,
                    "day": day,
                    "project_id": r.project_id,
                    "user_id": r.user_id,
                    "api_key_id": r.api_key_id,
                    "line_item": r.line_item,
                    "model": model,
                    "token_kind": kind,
                    "amount_nanos": r.amount_nanos,
                    "currency": r.currency,
                    "quantity": r.quantity,
                    "quantity_unit": r.quantity_unit,
                }
            )

    def _add_usage(self, rs_id: int, bucket_id: int, day: date, bucket: Bucket) -> None:
        base = dict.fromkeys(USAGE_METRICS, 0) | dict.fromkeys(USAGE_DIMENSIONS)
        for r in bucket.usage:
            row = base | r.metrics | r.dims
            row["bucket_id"] = bucket_id
            row["record_set_id"] = rs_id
            row["bucket_start"] = bucket.start
            row["day"] = day
            self._usage_rows.append(row)

    def _flush(self) -> None:
        if self._cost_rows:
            self.session.execute(insert(CostRecord), self._cost_rows)
            self._cost_rows = []
        if self._usage_rows:
            self.session.execute(insert(UsageRecord), self._usage_rows)
            self._usage_rows = []

    def finish(self) -> WriteSummary:
        self._flush()
        for rs_id, days in self._touched.items():
            refresh_days(self.session, rs_id, self._kinds[rs_id], days)
        self._touched.clear()
        return self.summary
