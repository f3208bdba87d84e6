"""The dashboard's CSV exports (costs or usage), one row per result with its own time.

Column names are matched loosely: `start_time` (epoch seconds or ISO date/time),
`start_time_iso`, `date` or `day`; `amount_value`, `amount`, `cost` or `cost_usd`;
`amount_currency` or `currency`; `line_item` or `model`; usage metric columns by the Admin API's
names. `project_name` columns fill in project names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import IO, Any

from usage_tracker.domain.endpoints import COSTS, ENDPOINT_BY_OBJECT, USAGE_ENDPOINTS
from usage_tracker.domain.records import Bucket
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.json_stream import DAY, BucketReader

_TIME_COLUMNS = ("start_time", "start_time_iso", "date", "day", "timestamp", "bucket_start")
_AMOUNT_COLUMNS = ("amount_value", "amount", "cost", "cost_usd", "value")
_NUMERIC_DIMENSION_NONE = {"", "null", "none"}


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("(", "").replace(")", "")


def _parse_time(value: str) -> int:
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"a date, ISO time or epoch seconds, got {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _time_ordered(fh: IO[bytes]) -> bool:
    """Whether the rows' times never go back (a pass over the time column; a value like the
    previous row's is not parsed again). Rewinds `fh`; False when it cannot tell."""
    if not fh.seekable():
        return False
    position = fh.tell()
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    try:
        rows = csv.reader(text)
        columns = [_norm(h) for h in next(rows, [])]
        index = next((columns.index(c) for c in _TIME_COLUMNS if c in columns), None)
        if index is None:
            return False
        last_raw, last = "", -1
        for row in rows:
            if len(row) <= index or row[index] == last_raw:
                continue
            if not any(cell.strip() for cell in row):
                continue
            moment = _parse_time(row[index])
            if moment < last:
                return False
            last_raw, last = row[index], moment
        return True
    except (csv.Error, UnicodeDecodeError, ValueError):
        return False  # the reading pass says what is wrong, and where
    finally:
        text.detach()
        fh.seek(position)


class CsvReader:
    """Reads one CSV export into buckets; collects project names seen on the way."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.project_names: dict[str, str] = {}
        self.reader = BucketReader(file_name)

    def iter_buckets(self, fh: IO[bytes], progress: Any = None) -> Iterator[Bucket]:
        """The file's buckets in time order. When its rows are in time order (a first pass over
        the time column tells; the dashboard writes them so) each bucket is given as soon as the
        next one starts, so a large export is never all in memory; else they are collected
        first."""
        in_order = _time_ordered(fh)
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        rows = csv.reader(text)
        try:
            header = next(rows)
        except StopIteration:
            raise ParseError(self.file_name, "line 1", "a header row") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ParseError(self.file_name, "line 1", f"UTF-8 CSV ({exc})") from exc
        columns = [_norm(h) for h in header]
        time_col = next((c for c in _TIME_COLUMNS if c in columns), None)
        if time_col is None:
            raise ParseError(
                self.file_name, "line 1", f"a time column (one of {', '.join(_TIME_COLUMNS)})"
            )
        amount_col = next((c for c in _AMOUNT_COLUMNS if c in columns), None)
        kind = self._kind(columns, amount_col)
        buckets: dict[int, Bucket] = {}
        current: int | None = None
        line = 1
        try:
            for line, row in enumerate(rows, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(columns):
                    raise ParseError(
                        self.file_name, f"line {line}", f"{len(columns)} columns, got {len(row)}"
                    )
                record = dict(zip(columns, row, strict=True))
                start = self._add_row(record, line, time_col, amount_col, kind, buckets)
                if in_order and start != current:
                    if current is not None:
                        yield buckets.pop(current)
                    current = start
                if progress is not None and line % 1000 == 0:
                    progress(0)
        except csv.Error as exc:
            raise ParseError(self.file_name, f"line {line}", f"valid CSV ({exc})") from exc
        except UnicodeDecodeError as exc:
            raise ParseError(self.file_name, f"line {line}", f"UTF-8 text ({exc})") from exc
        for start in sorted(buckets):
            yield buckets[start]

    def _kind(self, columns: list[str], amount_col: str | None) -> str:
        if amount_col is not None:
            return COSTS
        if "endpoint" in columns or "object" in columns:
            return ""  # per row
        if "num_model_requests" in columns or "input_tokens" in columns:
            return "completions"
        raise ParseError(
            self.file_name,
            "line 1",
            "a cost column (amount_value, amount, cost) or usage columns "
            "(num_model_requests, input_tokens)",
        )

    def _add_row(
        self,
        record: dict[str, str],
        line: int,
        time_col: str,
        amount_col: str | None,
        kind: str,
        buckets: dict[int, Bucket],
    ) -> int:
        """Add the row to its bucket; returns the bucket's start."""
        where = f"line {line}"
        try:
            start = _parse_time(record[time_col])
            end = _parse_time(record["end_time"]) if record.get("end_time") else start + DAY
        except ValueError as exc:
            raise ParseError(self.file_name, where, str(exc)) from exc
        result: dict[str, Any] = {
            k: v for k, v in record.items() if v.strip().lower() not in _NUMERIC_DIMENSION_NONE
        }
        if kind == COSTS and amount_col:
            result["object"] = "organization.costs.result"
            result["amount"] = {
                "value": record[amount_col],
                "currency": record.get("amount_currency") or record.get("currency") or "usd",
            }
        else:
            endpoint = kind or self._row_endpoint(record, where)
            result["object"] = USAGE_ENDPOINTS[endpoint].object
            if "batch" in result:
                result["batch"] = result["batch"].strip().lower() in ("true", "1", "yes")
        if record.get("project_id") and record.get("project_name"):
            self.project_names[record["project_id"].strip()] = record["project_name"].strip()
        bucket = buckets.get(start)
        if bucket is None:
            bucket = buckets[start] = Bucket(kind="", start=start, end=max(end, start + 1))
        self.reader.add(bucket, result, where)
        bucket.kind = self.reader.kind or ""
        if bucket.kind == COSTS and "user_id" in record:
            bucket.declared_dims.add("user_id")  # a user column: an export grouped by user
        return start

    def _row_endpoint(self, record: dict[str, str], where: str) -> str:
        value = (record.get("endpoint") or record.get("object") or "").strip()
        if value in USAGE_ENDPOINTS:
            return value
        spec = ENDPOINT_BY_OBJECT.get(value)
        if spec is None:
            raise ParseError(self.file_name, where, f"a usage endpoint name, got {value!r}")
        return spec.name
