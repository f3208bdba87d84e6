"""Tables to CSV, JSON and XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Mapping[str, Any]


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote; the rest is as is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _columns(rows: Sequence[Row], columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        return list(columns)
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _flat(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def to_csv(rows: Sequence[Row], columns: Sequence[str] | None = None) -> bytes:
    cols = _columns(rows, columns)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in cols])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_cell(_flat(row.get(c))) for c in cols])
    # A byte-order mark so spreadsheet programs read UTF-8 (names in Korean, for one).
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_json(rows: Sequence[Row]) -> bytes:
    return json.dumps(list(rows), ensure_ascii=False, indent=2, default=str).encode("utf-8")


def to_xlsx(
    rows: Sequence[Row], columns: Sequence[str] | None = None, title: str = "data"
) -> bytes:
    cols = _columns(rows, columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "data")
    ws.append([safe_cell(c) for c in cols])
    for row in rows:
        ws.append([safe_cell(_flat(row.get(c))) for c in cols])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export(rows: Sequence[Row], fmt: str, *, title: str = "data") -> tuple[bytes, str]:
    """The table in `fmt` ("csv" | "json" | "xlsx") and its media type."""
    if fmt == "csv":
        return to_csv(rows), FORMATS["csv"]
    if fmt == "json":
        return to_json(rows), FORMATS["json"]
    if fmt == "xlsx":
        return to_xlsx(rows, title=title), FORMATS["xlsx"]
    raise ValueError(f"unknown export format {fmt!r}; use csv, json or xlsx")
