"""Stream buckets out of Usage/Costs API JSON without holding the file in memory."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any

import ijson

from usage_tracker.domain.endpoints import COSTS, USAGE_DIMENSIONS, USAGE_ENDPOINTS, USAGE_METRICS
from usage_tracker.domain.records import Bucket
from usage_tracker.ingest.detect import Shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.fast_json import iter_raw_buckets
from usage_tracker.ingest.results import (
    ResultError,
    UsageRow,
    cost_record,
    result_kind,
    usage_record,
    usage_row,
)

DAY = 86400


class _Tell:
    """Wraps the binary stream so errors can say roughly where (byte offset) they happened."""

    def __init__(self, fh: IO[bytes], progress: Any = None) -> None:
        self._fh = fh
        self.offset = 0
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.offset += len(data)
        if self._progress is not None:
            self._progress(len(data))
        return data


class BucketReader:
    """Turns raw bucket dicts into domain Buckets, keeping the file's kind consistent."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.kind: str | None = None
        self._object: object = None  # the last result `object` seen, and its kind
        self._object_kind = ""

    def new_bucket(self, start: int, end: int) -> Bucket:
        return Bucket(kind=self.kind or "", start=start, end=end)

    def add_usage(self, bucket: Bucket, result: Mapping[str, Any], kind: str) -> None:
        bucket.usage.append(usage_record(result, kind))

    def result_kind(self, result: Mapping[str, Any]) -> str:
        """`result_kind`, remembered per `object` value (which alone decides it)."""
        obj = result.get("object")
        if obj is not None and obj == self._object:
            return self._object_kind
        kind = result_kind(result)
        if isinstance(obj, str):
            self._object, self._object_kind = obj, kind
        return kind

    def bucket(self, raw: Any, index: int) -> Bucket:
        where = f"bucket {index}"
        if not isinstance(raw, Mapping):
            raise ParseError(self.file_name, where, "a bucket object")
        start, end = raw.get("start_time"), raw.get("end_time")
        if not isinstance(start, int) or isinstance(start, bool):
            raise ParseError(self.file_name, where, "an integer `start_time` (epoch seconds)")
        if end is None:
            end = start + DAY
        if not isinstance(end, int) or isinstance(end, bool) or end <= start:
            raise ParseError(self.file_name, where, "an integer `end_time` after `start_time`")
        results = raw.get("results", raw.get("result"))
        if results is None:
            raise ParseError(self.file_name, where, "a `results` (or legacy `result`) array")
        if not isinstance(results, list):
            raise ParseError(self.file_name, where, "`results` to be an array")
        bucket = self.new_bucket(start, end)
        first = self.add_many(bucket, results)
        for i in range(first, len(results)):
            self.add(bucket, results[i], f"{where} (start_time {start}), result {i}")
        bucket.kind = self.kind or ""
        return bucket

    def add_many(self, bucket: Bucket, results: list[Any]) -> int:
        """Add the leading results a fast path can take; returns how many it took."""
        return 0

    def add(self, bucket: Bucket, result: Any, where: str) -> None:
        if not isinstance(result, Mapping):
            raise ParseError(self.file_name, where, "a result object")
        try:
            kind = self.result_kind(result)
            if self.kind is None:
                self.kind = kind
            elif kind != self.kind:
                raise ParseError(
                    self.file_name,
                    where,
                    f"{self.kind} results like the rest of the file, found {kind}",
                )
            if kind == COSTS:
                bucket.costs.append(cost_record(result))
            else:
                self.add_usage(bucket, result, kind)
        except ResultError as exc:
            raise ParseError(self.file_name, where, str(exc)) from exc


@dataclass(slots=True)
class RowBucket(Bucket):
    """A bucket whose usage results are already rows of `USAGE_ROW_COLUMNS` (the import's fast
    path: no per-result dicts); `usage` stays empty.

    `day_sums` is set on the last bucket of each run of consecutive buckets of one UTC day: the
    run's rows summed by rollup key, `(project_id, user_id, api_key_id, model, *USAGE_METRICS,
    count)`. The ledger uses it as that day's rollup when the day is new to the record set.
    """

    usage_rows: list[UsageRow] = field(default_factory=list)
    day_sums: list[tuple[Any, ...]] | None = None
    summed: bool = False  # whether the reader made `day_sums` (else the writer sums the rows)

    @property
    def rows(self) -> int:
        return len(self.costs) + len(self.usage) + len(self.usage_rows)


class RowBucketReader(BucketReader):
    """A BucketReader that reads usage results straight into rows (same checks, same errors)."""

    def new_bucket(self, start: int, end: int) -> Bucket:
        return RowBucket(kind=self.kind or "", start=start, end=end)

    def add_usage(self, bucket: Bucket, result: Mapping[str, Any], kind: str) -> None:
        bucket.usage_rows.append(usage_row(result, kind))  # type: ignore[attr-defined]

    def add_many(self, bucket: Bucket, results: list[Any]) -> int:
        """Usage results of the file's kind, as plain dicts with its `object`: rows directly.
        Anything else (and any result that fails) goes through `add`, which says where."""
        kind, obj = self.kind, self._object
        if kind is None or kind == COSTS or obj is None or self._object_kind != kind:
            return 0
        rows: list[UsageRow] = bucket.usage_rows  # type: ignore[attr-defined]
        taken = 0
        try:
            for result in results:
                if type(result) is not dict or result.get("object") != obj:
                    break
                rows.append(usage_row(result, kind))
                taken += 1
        except ResultError:
            pass
        return taken


def iter_buckets(
    fh: IO[bytes],
    shape: Shape,
    file_name: str,
    progress: Any = None,
    *,
    rows: bool = False,
    day_sums: bool = True,
) -> Iterator[Bucket]:
    """Yield buckets in file order. Bare results arrays are grouped by their row `start_time`.

    With `rows=True`, usage results come as `RowBucket.usage_rows` instead of `UsageRecord`s.
    """
    if rows:
        buckets = _iter_buckets(fh, shape, RowBucketReader(file_name), progress)
        yield from _with_day_sums(buckets) if day_sums else buckets
    else:
        yield from _iter_buckets(fh, shape, BucketReader(file_name), progress)


def _iter_buckets(
    fh: IO[bytes], shape: Shape, reader: BucketReader, progress: Any
) -> Iterator[Bucket]:
    file_name = reader.file_name
    stream = _Tell(fh, progress)
    try:
        if shape == "results":
            yield from _bare_results(stream, reader)
            return
        for index, raw in enumerate(iter_raw_buckets(fh, shape, file_name, progress)):
            yield reader.bucket(raw, index)
    except ijson.JSONError as exc:
        raise ParseError(
            file_name, f"byte {stream.offset}", f"well-formed JSON ({_short(exc)})"
        ) from exc


_SUM_KEY = 4  # project_id, user_id, api_key_id, model lead a usage row
_SUM_FROM = len(USAGE_DIMENSIONS)


def _with_day_sums(buckets: Iterator[Bucket]) -> Iterator[Bucket]:
    """Attach `day_sums` to the last bucket of each run of one UTC day (one bucket lookahead)."""
    held: Bucket | None = None
    sums: dict[tuple[Any, ...], list[tuple[int, ...]]] = {}
    metrics: Any = None
    for bucket in buckets:
        if isinstance(bucket, RowBucket):
            bucket.summed = True
        if held is not None:
            if held.start // DAY != bucket.start // DAY:
                _close(held, sums)
                sums = {}
            yield held
        rows = getattr(bucket, "usage_rows", ())
        if rows:
            if metrics is None:
                metrics = _metric_slots(bucket.kind)
            for row in rows:
                key = row[:_SUM_KEY]
                found = sums.get(key)
                if found is None:
                    sums[key] = [metrics(row)]
                else:
                    found.append(metrics(row))
        held = bucket
    if held is not None:
        _close(held, sums)
        yield held


def _metric_slots(kind: str) -> Any:
    """A getter of the row values of the metrics `kind` has (the others are always 0)."""
    slots = [_SUM_FROM + USAGE_METRICS.index(m) for m in USAGE_ENDPOINTS[kind].metrics]
    _SLOTS[kind] = slots
    return itemgetter(*slots, _SUM_FROM)  # one more column, so that it always gives a tuple


_SLOTS: dict[str, list[int]] = {}


def _close(bucket: Bucket, sums: dict[tuple[Any, ...], list[tuple[int, ...]]]) -> None:
    if not isinstance(bucket, RowBucket) or bucket.is_costs or not sums:
        return
    zeros = [0] * len(USAGE_METRICS)
    slots = [s - _SUM_FROM for s in _SLOTS[bucket.kind]]
    out = []
    for key, parts in sums.items():
        totals = list(zeros)
        for slot, total in zip(slots, map(sum, zip(*parts, strict=True)), strict=False):
            totals[slot] = total
        out.append((*key, *totals, len(parts)))
    bucket.day_sums = out


def _bare_results(stream: _Tell, reader: BucketReader) -> Iterator[Bucket]:
    buckets: dict[int, Bucket] = {}
    for i, result in enumerate(ijson.items(stream, "item")):
        where = f"result {i}"
        if not isinstance(result, Mapping):
            raise ParseError(reader.file_name, where, "a result object")
        start = result.get("start_time")
        if not isinstance(start, int) or isinstance(start, bool):
            raise ParseError(reader.file_name, where, "an integer `start_time` on every row")
        end = result.get("end_time")
        end = end if isinstance(end, int) and not isinstance(end, bool) and end > start else None
        bucket = buckets.get(start)
        if bucket is None:
            bucket = buckets[start] = Bucket(kind="", start=start, end=end or start + DAY)
        reader.add(bucket, result, where)
    for start in sorted(buckets):
        bucket = buckets[start]
        bucket.kind = reader.kind or ""
        yield bucket


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
