"""Stream buckets out of Usage/Costs API JSON without holding the file in memory."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import ijson

from usage_tracker.domain.endpoints import COST_OBJECT, COSTS
from usage_tracker.domain.records import Bucket
from usage_tracker.domain.results import CostReader
from usage_tracker.domain.usage_dims import Dims, DimsIndex
from usage_tracker.ingest.detect import Shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.fast_json import iter_raw_buckets
from usage_tracker.ingest.results import (
    CostRow,
    CostRows,
    ResultError,
    RowMaker,
    UsageRow,
    result_kind,
    usage_record,
    user_email,
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
        self._costs = CostReader()

    def new_bucket(self, start: int, end: int) -> Bucket:
        return Bucket(kind=self.kind or "", start=start, end=end)

    def add_usage(self, bucket: Bucket, result: Mapping[str, Any], kind: str) -> None:
        bucket.usage.append(usage_record(result, kind))

    def add_cost(self, bucket: Bucket, result: Mapping[str, Any]) -> None:
        bucket.costs.append(self._costs.record(result))

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
        start, end = self._bounds(raw, where)
        results = self._results(raw, where)
        bucket = self.new_bucket(start, end)
        self.add_results(bucket, results, f"{where} (start_time {start})")
        bucket.kind = self.kind or ""
        return bucket

    def add_results(self, bucket: Bucket, results: list[Any], where: str, offset: int = 0) -> None:
        """Add `results` (the bucket's from index `offset` on) to `bucket`."""
        first = self.add_many(bucket, results)
        for i in range(first, len(results)):
            self.add(bucket, results[i], f"{where}, result {offset + i}")

    def finish_streamed(self, bucket: Bucket, meta: Mapping[str, Any], index: int) -> Bucket:
        """A bucket whose results were added as they were read (`fast_json` streams a bucket too
        large to hold decoded): check its other members the way `bucket` does."""
        where = f"bucket {index}"
        bucket.start, bucket.end = self._bounds(meta, where)
        self._results(meta, where)
        bucket.kind = self.kind or ""
        return bucket

    def _bounds(self, raw: Mapping[str, Any], where: str) -> tuple[int, int]:
        start, end = raw.get("start_time"), raw.get("end_time")
        if not isinstance(start, int) or isinstance(start, bool):
            raise ParseError(
                self.file_name, where, f"an integer `start_time` (epoch seconds), {_got(start)}"
            )
        if end is None:
            end = start + DAY
        if not isinstance(end, int) or isinstance(end, bool) or end <= start:
            raise ParseError(
                self.file_name, where, f"an integer `end_time` after `start_time`, got {end!r}"
            )
        return start, end

    def _results(self, raw: Mapping[str, Any], where: str) -> list[Any]:
        results = raw.get("results", raw.get("result"))
        if results is None:
            raise ParseError(
                self.file_name, where, "a `results` (or legacy `result`) array, found none"
            )
        if not isinstance(results, list):
            raise ParseError(
                self.file_name, where, f"`results` to be an array, got {_got(results)}"
            )
        return results

    def add_many(self, bucket: Bucket, results: list[Any]) -> int:
        """Add the leading results a fast path can take; returns how many it took: cost results
        of a cost file, as plain dicts with their `object`. Anything else (and any result that
        fails) goes through `add`, which says where."""
        if self.kind != COSTS or self._object != COST_OBJECT:
            return 0
        add_cost = self.add_cost
        declared = False
        taken = 0
        for result in results:
            if type(result) is not dict or result.get("object") != COST_OBJECT:
                break
            try:
                add_cost(bucket, result)
            except ResultError:
                break
            declared = declared or "user_id" in result
            taken += 1
        if declared:
            bucket.declared_dims.add("user_id")
        return taken

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
                self.add_cost(bucket, result)
                if "user_id" in result:
                    bucket.declared_dims.add("user_id")
            else:
                self.add_usage(bucket, result, kind)
        except ResultError as exc:
            raise ParseError(self.file_name, where, str(exc)) from exc


@dataclass(slots=True)
class RowBucket(Bucket):
    """A bucket whose results are already rows (the import's fast path: no per-result objects):
    usage as `row_columns(kind)`, costs as `COST_ROW_COLUMNS` with `emails` (user id → e-mail);
    `usage` and `costs` stay empty.

    `new_dims` holds the dimension combinations (by id) that the reader met first in this bucket:
    whoever stores the rows stores these with them.
    """

    usage_rows: list[UsageRow] = field(default_factory=list)
    new_dims: dict[int, Dims] = field(default_factory=dict)
    cost_rows: list[CostRow] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.costs) + len(self.usage) + len(self.usage_rows) + len(self.cost_rows)


class RowBucketReader(BucketReader):
    """A BucketReader that reads usage results straight into rows (same checks, same errors)."""

    def __init__(self, file_name: str) -> None:
        super().__init__(file_name)
        self.index = DimsIndex()
        self._rows = RowMaker(self.index)
        self._cost_rows = CostRows()

    def new_bucket(self, start: int, end: int) -> Bucket:
        return RowBucket(kind=self.kind or "", start=start, end=end)

    def add_usage(self, bucket: Bucket, result: Mapping[str, Any], kind: str) -> None:
        bucket.usage_rows.append(self._rows.row(result, kind))  # type: ignore[attr-defined]

    def add_cost(self, bucket: Bucket, result: Mapping[str, Any]) -> None:
        fields = self._costs.fields(result)
        bucket.cost_rows.append(self._cost_rows.row(fields))  # type: ignore[attr-defined]
        user, email = user_email(fields)
        if user and email:
            bucket.emails[user] = email  # type: ignore[attr-defined]

    def add_many(self, bucket: Bucket, results: list[Any]) -> int:
        """Usage results of the file's kind, as plain dicts with its `object`: rows directly;
        cost results as `BucketReader.add_many` takes them."""
        kind, obj = self.kind, self._object
        if kind == COSTS:
            return super().add_many(bucket, results)
        if kind is None or obj is None or self._object_kind != kind:
            return 0
        rows: list[UsageRow] = bucket.usage_rows  # type: ignore[attr-defined]
        return self._rows.extend(rows, results, kind, obj)  # type: ignore[arg-type]


def iter_buckets(
    fh: IO[bytes],
    shape: Shape,
    file_name: str,
    progress: Any = None,
    *,
    rows: bool = False,
) -> Iterator[Bucket]:
    """Yield buckets in file order. Bare results arrays are grouped by their row `start_time`.

    With `rows=True`, usage results come as `RowBucket.usage_rows` (with `new_dims`) instead of
    `UsageRecord`s.
    """
    if rows:
        reader = RowBucketReader(file_name)
        yield from _with_new_dims(_iter_buckets(fh, shape, reader, progress), reader.index)
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
        raw_buckets = iter_raw_buckets(fh, shape, file_name, progress, reader=reader)
        for index, raw in enumerate(raw_buckets):
            yield raw if isinstance(raw, Bucket) else reader.bucket(raw, index)
    except ijson.JSONError as exc:
        raise ParseError(
            file_name, f"byte {stream.offset}", f"well-formed JSON ({_short(exc)})"
        ) from exc


def _with_new_dims(buckets: Iterator[Bucket], index: DimsIndex) -> Iterator[Bucket]:
    """Hand each bucket the combinations of dimensions first met in it (`new_dims`)."""
    for bucket in buckets:
        if isinstance(bucket, RowBucket):
            bucket.new_dims = index.take_fresh()
            index.trim()
        yield bucket


def _bare_results(stream: _Tell, reader: BucketReader) -> Iterator[Bucket]:
    buckets: dict[int, Bucket] = {}
    for i, result in enumerate(ijson.items(stream, "item")):
        where = f"result {i}"
        if not isinstance(result, Mapping):
            raise ParseError(reader.file_name, where, "a result object")
        start = result.get("start_time")
        if not isinstance(start, int) or isinstance(start, bool):
            raise ParseError(
                reader.file_name, where, f"an integer `start_time` on every row, {_got(start)}"
            )
        end = result.get("end_time")
        end = end if isinstance(end, int) and not isinstance(end, bool) and end > start else None
        bucket = buckets.get(start)
        if bucket is None:
            bucket = buckets[start] = reader.new_bucket(start, end or start + DAY)
        reader.add(bucket, result, where)
    for start in sorted(buckets):
        bucket = buckets[start]
        bucket.kind = reader.kind or ""
        yield bucket


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _got(value: Any) -> str:
    """What a message says was found instead: "found none" or "got 'yesterday'" (shortened)."""
    if value is None:
        return "found none"
    text = repr(value)
    return f"got {text if len(text) <= 60 else text[:57] + '...'}"
