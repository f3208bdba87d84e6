"""Stream buckets out of Usage/Costs API JSON without holding the file in memory."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

import ijson

from usage_tracker.domain.endpoints import COSTS
from usage_tracker.domain.records import Bucket
from usage_tracker.ingest.detect import Shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.results import ResultError, cost_record, result_kind, usage_record

_PREFIX: dict[str, str] = {"page": "data.item", "pages": "item.data.item", "buckets": "item"}
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
        bucket = Bucket(kind=self.kind or "", start=start, end=end)
        for i, result in enumerate(results):
            self.add(bucket, result, f"{where} (start_time {start}), result {i}")
        bucket.kind = self.kind or ""
        return bucket

    def add(self, bucket: Bucket, result: Any, where: str) -> None:
        if not isinstance(result, Mapping):
            raise ParseError(self.file_name, where, "a result object")
        try:
            kind = result_kind(result)
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
                bucket.usage.append(usage_record(result, kind))
        except ResultError as exc:
            raise ParseError(self.file_name, where, str(exc)) from exc


def iter_buckets(
    fh: IO[bytes], shape: Shape, file_name: str, progress: Any = None
) -> Iterator[Bucket]:
    """Yield buckets in file order. Bare results arrays are grouped by their row `start_time`."""
    reader = BucketReader(file_name)
    stream = _Tell(fh, progress)
    try:
        if shape == "results":
            yield from _bare_results(stream, reader)
            return
        for index, raw in enumerate(ijson.items(stream, _PREFIX[shape])):
            yield reader.bucket(raw, index)
    except ijson.JSONError as exc:
        raise ParseError(
            file_name, f"byte {stream.offset}", f"well-formed JSON ({_short(exc)})"
        ) from exc


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
