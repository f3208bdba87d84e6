"""The bill in FOCUS 1.2 (the FinOps Foundation's cost and usage format), from billed cost.

`export_focus(session, query, fmt)` streams the file (CSV or Parquet) that `usage-tracker export
focus`, `/api/v1/export/focus` and the Data page's download all send: the same rows from the
same code. The rows (`rows.py`) read each day from the one cost record set that `report
summary` reads, so BilledCost adds up to the billed total; the columns are in `columns.py`,
list prices in `pricing.py`, team tags in `tags.py`, the optional user allocation in
`allocation.py`, the file formats in `writers.py`. docs/focus.md maps every column.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from usage_tracker.services.reports.focus.columns import COLUMNS, NAMES
from usage_tracker.services.reports.focus.rows import FocusQuery, focus_parts, focus_rows
from usage_tracker.services.reports.focus.writers import (
    MEDIA_TYPES,
    PARQUET_MISSING,
    ParquetUnavailable,
    csv_chunks,
    parquet_available,
    parquet_chunks,
)

FORMATS = tuple(MEDIA_TYPES)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "MEDIA_TYPES",
    "NAMES",
    "PARQUET_MISSING",
    "FocusQuery",
    "ParquetUnavailable",
    "export_focus",
    "file_name",
    "focus_rows",
    "parquet_available",
]


def export_focus(session: Session, q: FocusQuery, fmt: str = "csv") -> Iterator[bytes]:
    """The export as chunks of bytes; ParquetUnavailable (before any row is read) when
    `fmt` is parquet and pyarrow is missing."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown FOCUS format {fmt!r}; use {' or '.join(FORMATS)}")
    if fmt == "parquet":
        if not parquet_available():
            raise ParquetUnavailable(PARQUET_MISSING)
        return parquet_chunks(focus_parts(session, q))
    return csv_chunks(focus_parts(session, q))


def file_name(q: FocusQuery, fmt: str) -> str:
    scope = q.org or "all"
    suffix = "-allocated" if q.allocate_users else ""
    return f"focus_{scope}_{q.since.isoformat()}_{q.until.isoformat()}{suffix}.{fmt}"
