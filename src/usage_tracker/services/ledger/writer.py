"""Writing buckets into the ledger: record sets, whole-bucket replacement, rollups on finish.

Both file imports and the Admin API sync write through `LedgerWriter`, inside the caller's
transaction, so a failure anywhere leaves the database as it was.

Speed (millions of rows per file): rows go to the database as tuples through the DBAPI cursor of
the session's own connection (same transaction; `COPY` on PostgreSQL). A usage row is its bucket
id, the id of its combination of dimensions and its metrics; new combinations are stored in
`usage_dims` before the rows that use them. The day rollups of usage are summed in memory while a
run of one day's buckets streams by (`domain/day_runs`), when that day had no data in the record
set before; any other touched day (data there already, a bucket replaced, a day seen again later
in the file, costs) is recomputed from the raw rows at `finish()`, as always.
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
from usage_tracker.db.models import CostRecord, RecordSet, UsageRecord, UsageRollup
from usage_tracker.db.queries.contradicted_days import drop_contradicted_days
from usage_tracker.db.queries.dbapi_rows import DbapiRows, plain
from usage_tracker.db.queries.rollups import USAGE_ROLLUP_DIMS, refresh_days, refresh_derived
from usage_tracker.db.queries.usage_dims import store_dims
from usage_tracker.domain.day_runs import DayRollup, DayRuns
from usage_tracker.domain.endpoints import ABSENT_METRICS, COSTS
from usage_tracker.domain.records import Bucket, RecordSetKey, utc_day
from usage_tracker.domain.usage_dims import DimsIndex
from usage_tracker.ingest.results import (
    COST_ROW_COLUMNS,
    CostRow,
    CostRows,
    UsageRow,
    record_row,
    row_columns,
)

_FLUSH_ROWS = 20000
# A cost row: its bucket's columns, then `COST_ROW_COLUMNS`.
_COST_HEAD = ("bucket_id", "record_set_id", "day")
_COST_COLUMNS = (*_COST_HEAD, *COST_ROW_COLUMNS)
_ROLLUP_HEAD = ("record_set_id", "grain", "period", *USAGE_ROLLUP_DIMS)


@dataclass
class WriteSummary:
    rows: int = 0
    buckets: int = 0
    replaced_buckets: int = 0
    superseded_days: int = 0  # days of older cost views this write contradicted, dropped
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
        # Cost rows to write: (the bucket's columns, its rows' other columns).
        self._costs: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]] = []
        self._cost_count = 0
        # Usage rows to write, per endpoint: (bucket id, the bucket's rows).
        self._usage: dict[str, list[tuple[tuple[Any, ...], list[UsageRow]]]] = defaultdict(list)
        self._usage_count = 0
        self._endpoints: dict[int, str] = {}  # usage record sets (any other holds costs)
        self._cost_rows = CostRows()  # rows of cost records (the sync's, a CSV file's)
        self._dims = DimsIndex()  # combinations of this write; the fresh ones to store
        self._sql = DbapiRows(session)
        self._stamp = self._sql.stamp(utcnow())
        self._runs = DayRuns(self._dims)  # day rollups summed on the way

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
            if key.kind != COSTS:
                had_data = {utc_day(start) for start in self._existing[rs_id]}
                self._runs.record_set(rs_id, key.kind, had_data)
                self._endpoints[rs_id] = key.kind
        return rs_id

    def write(self, record_set_id: int, bucket: Bucket) -> None:
        """Store `bucket`, replacing any older copy of the same bucket whole."""
        rows: list[UsageRow] = getattr(bucket, "usage_rows", None) or []
        told = getattr(bucket, "new_dims", None)
        if told:
            self._dims.learn(told)
        if bucket.usage:
            rows = rows + [record_row(self._dims, r) for r in bucket.usage]
        day = utc_day(bucket.start)
        is_costs = record_set_id not in self._endpoints
        bucket_id = self._bucket(record_set_id, bucket, day, is_costs)
        if is_costs:
            self._add_costs(record_set_id, bucket_id, day, bucket)
        else:
            self._usage[self._endpoints[record_set_id]].append(((bucket_id,), rows))
            self._usage_count += len(rows)
            self._store_day(self._runs.add(record_set_id, day, rows))
        self._touched[record_set_id].add(day)
        self.summary.record_sets.add(record_set_id)
        self.summary.buckets += 1
        self.summary.rows += bucket.rows
        self.summary.see(day)
        if self._cost_count + self._usage_count >= _FLUSH_ROWS:
            self._flush()

    def _bucket(self, record_set_id: int, bucket: Bucket, day: date, is_costs: bool) -> int:
        """The id of the bucket row, inserted, or emptied for its newer copy."""
        existing = self._existing[record_set_id]
        bucket_id = existing.get(bucket.start)
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
            self._runs.dirty[record_set_id].add(day)
            return bucket_id
        if self._sql.fast:
            cursor = self._sql.cursor()
            try:
                cursor.execute(
                    self._sql.insert_sql(
                        "buckets",
                        (
                            "record_set_id",
                            "start_time",
                            "end_time",
                            "day",
                            "rows",
                            "import_id",
                            "updated_at",
                        ),
                        returning=True,
                    ),
                    (
                        record_set_id,
                        bucket.start,
                        bucket.end,
                        self._sql.day(day),
                        bucket.rows,
                        self.import_id,
                        self._stamp,
                    ),
                )
                bucket_id = cursor.lastrowid if self._sql.name == "sqlite" else cursor.fetchone()[0]
            finally:
                cursor.close()
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
        assert bucket_id is not None
        existing[bucket.start] = bucket_id
        return bucket_id

    def _add_costs(self, rs_id: int, bucket_id: int, day: date, bucket: Bucket) -> None:
        head = (bucket_id, rs_id, self._sql.day(day))
        rows: list[CostRow] = getattr(bucket, "cost_rows", None) or []
        records = bucket.costs
        for lo in range(0, max(len(rows), len(records)), _FLUSH_ROWS):  # a huge bucket in parts
            part = rows[lo : lo + _FLUSH_ROWS] + self._cost_rows.rows(
                records[lo : lo + _FLUSH_ROWS]
            )
            self._costs.append((head, part))
            self._cost_count += len(part)
            if self._cost_count >= _FLUSH_ROWS:
                self._flush()

    def _store_day(self, done: DayRollup | None) -> None:
        """Store a finished run's day rollup (the day had no rows before this write)."""
        if done is None:
            return
        rs_id, day, rollup = done
        if not self._sql.fast:
            self._runs.dirty[rs_id].add(day)  # recomputed from the rows at `finish()`
            return
        head = (rs_id, "day", self._sql.day(day))
        self._flush()
        self.session.execute(
            delete(UsageRollup).where(
                UsageRollup.record_set_id == rs_id,
                UsageRollup.grain == "day",
                UsageRollup.period == day,
            )
        )
        # The endpoint's metrics and the row count, then the other metrics: always 0.
        others = ABSENT_METRICS[self._endpoints[rs_id]]
        columns = (*_ROLLUP_HEAD, *self._runs.metrics(rs_id), "rows", *others)
        if self._sql.name == "sqlite" and plain(head):
            batch = [(head, rollup)]
            self._sql.bulk_with_heads(UsageRollup.__tablename__, columns, batch, len(others))
        else:
            zeros = (0,) * len(others)
            rows = [(*head, *r, *zeros) for r in rollup]
            self._sql.bulk(UsageRollup.__tablename__, columns, rows)

    def _flush(self) -> None:
        fresh = self._dims.take_fresh()
        if fresh:
            store_dims(self.session, fresh)
        if self._costs:
            self._insert_costs(self._costs)
            self._costs = []
            self._cost_count = 0
        for endpoint, batches in self._usage.items():
            self._insert_usage(endpoint, batches)
        self._usage.clear()
        self._usage_count = 0

    def _insert_usage(
        self, endpoint: str, batches: list[tuple[tuple[Any, ...], list[UsageRow]]]
    ) -> None:
        """Rows of one endpoint: bucket id, dims id, its metrics, then the other metrics (0)."""
        others = ABSENT_METRICS[endpoint]
        columns = ("bucket_id", *row_columns(endpoint), *others)
        if self._sql.name == "sqlite":
            # The bucket id and the zeros go into the statement, so rows bind as they come.
            self._sql.bulk_with_heads(UsageRecord.__tablename__, columns, batches, len(others))
            return
        zeros = (0,) * len(others)
        rows = [(*head, *row, *zeros) for head, bucket in batches for row in bucket]
        self._insert(UsageRecord.__tablename__, columns, rows)

    def _insert_costs(self, batches: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]) -> None:
        table = CostRecord.__tablename__
        if self._sql.name == "sqlite" and all(plain(head) for head, _ in batches):
            # The bucket's columns go into the statement, so rows bind as they come.
            self._sql.bulk_with_heads(table, _COST_COLUMNS, batches)
            return
        self._insert(table, _COST_COLUMNS, [head + row for head, rows in batches for row in rows])

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if self._sql.fast:
            self._sql.bulk(table, columns, rows)
            return
        model = CostRecord if table == CostRecord.__tablename__ else UsageRecord
        self.session.execute(insert(model), [dict(zip(columns, row, strict=True)) for row in rows])

    def finish(self) -> WriteSummary:
        self._store_day(self._runs.close())
        self._flush()
        for rs_id, days in self._touched.items():
            is_costs = rs_id not in self._endpoints
            summed = set() if is_costs else self._runs.summed[rs_id] - self._runs.dirty[rs_id]
            recompute = days - summed
            if recompute:
                refresh_days(self.session, rs_id, is_costs, recompute, derived=False)
            refresh_derived(self.session, rs_id, is_costs, days)
        written = set(self._touched)
        for rs_id, days in self._touched.items():
            if rs_id not in self._endpoints:
                self.summary.superseded_days += drop_contradicted_days(
                    self.session, self.organization_id, rs_id, days, same_write=written
                )
        self._touched.clear()
        return self.summary
