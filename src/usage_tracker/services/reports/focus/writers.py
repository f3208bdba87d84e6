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


def _batch(rows: list[tuple[Any, ...]], schema: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for i, column in enumerate(COLUMNS):
        text = pa.array([row[i] for row in rows], pa.string())
        if column.type == DATETIME:
            parsed = pc.strptime(text, format="%Y-%m-%dT%H:%M:%SZ", unit="s")
            arrays.append(parsed.cast(schema.field(i).type))
        elif column.type in (MONEY, QUANTITY):
            arrays.append(pc.cast(text, schema.field(i).type))
        else:
            arrays.append(text)
    return pa.record_batch(arrays, schema=schema)


def parquet_chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    if not parquet_available():
        raise ParquetUnavailable(PARQUET_MISSING)
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)
    try:
        batch: list[tuple[Any, ...]] = []
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
