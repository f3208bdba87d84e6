"""The FOCUS rows as a file, streamed as chunks of bytes: CSV, or Parquet with the extra.

CSV: UTF-8 without a byte-order mark (FinOps tools read the header as column names), RFC 4180
line ends, empty cells for nulls, the spreadsheet formula guard on columns holding text from
the data (services/kit/exports.py). Parquet (`pip install 'openai-usage-tracker[parquet]'`):
money as decimal128(38, 18), quantities as decimal128(38, 9), instants as timestamp[us, UTC],
JSON as text; one row group per `PARQUET_ROWS` rows, each sent as soon as it is written.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from usage_tracker.services.kit.exports import csv_lines
from usage_tracker.services.reports.focus.columns import (
    COLUMNS,
    DATETIME,
    MONEY,
    MONEY_SCALE,
    NAMES,
    QUANTITY,
    QUANTITY_SCALE,
    SEGMENTS,
    Column,
)
from usage_tracker.services.reports.focus.rows import Parts, csv_line

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
PARQUET_ROWS = 32_768
PARQUET_MISSING = (
    "Parquet output needs pyarrow: install the extra with "
    "`pip install 'openai-usage-tracker[parquet]'` (or `uv sync --extra parquet`), "
    "or export CSV (`--format csv`)"
)


class ParquetUnavailable(RuntimeError):
    """pyarrow (the `parquet` extra) is not installed."""


def parquet_available() -> bool:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def csv_chunks(parts: Iterable[Parts]) -> Iterator[bytes]:
    return csv_lines(NAMES, (csv_line(p) for p in parts))


class _Sink(io.RawIOBase):
    """A write-only file that keeps what was written until `drain()`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._pos += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._pos

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts = []
        return out


def parquet_schema() -> Any:
    import pyarrow as pa

    types = {
        MONEY: pa.decimal128(38, MONEY_SCALE),
        QUANTITY: pa.decimal128(38, QUANTITY_SCALE),
        DATETIME: pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([pa.field(c.name, types.get(c.type, pa.string())) for c in COLUMNS])


_PER_ROW = (2, 3)  # the costs and quantities segments; the others repeat from row to row


def _typed(column: Column, text: Any, schema: Any) -> Any:
    import pyarrow.compute as pc

    target = schema.field(column.name).type
    if column.type == DATETIME:
        return pc.strptime(text, format="%Y-%m-%dT%H:%M:%SZ", unit="s").cast(target)
    if column.type in (MONEY, QUANTITY):
        return pc.cast(text, target)
    return text


def _batch(batch: list[Parts], schema: Any) -> Any:
    """A record batch, segment by segment: a repeating segment's distinct values are converted
    once and taken by index; no row is flattened."""
    import pyarrow as pa

    arrays = []
    for index, segment in enumerate(SEGMENTS):
        cells = [parts[index][0] for parts in batch]
        if index in _PER_ROW:
            for column, values in zip(segment, zip(*cells, strict=True), strict=True):
                arrays.append(_typed(column, pa.array(values, pa.string()), schema))
            continue
        seen: dict[int, int] = {}
        distinct: list[tuple[Any, ...]] = []
        positions = []
        for cell in cells:
            at = seen.get(id(cell))
            if at is None:
                at = seen[id(cell)] = len(distinct)
                distinct.append(cell)
            positions.append(at)
        take = pa.array(positions, pa.int32())
        for column, values in zip(segment, zip(*distinct, strict=True), strict=True):
            arrays.append(_typed(column, pa.array(values, pa.string()), schema).take(take))
    return pa.record_batch(arrays, schema=schema)


def parquet_chunks(rows: Iterable[Parts]) -> Iterator[bytes]:
    if not parquet_available():
        raise ParquetUnavailable(PARQUET_MISSING)
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)
    try:
        batch: list[Parts] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= PARQUET_ROWS:
                writer.write_batch(_batch(batch, schema))
                batch = []
                yield sink.drain()
        if batch:
            writer.write_batch(_batch(batch, schema))
    finally:
        writer.close()
    yield sink.drain()
