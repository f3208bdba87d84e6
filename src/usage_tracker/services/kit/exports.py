"""Tables to CSV, JSON and XLSX, safe to open in a spreadsheet: the one writer every export uses
(views, audit logs, team showback, the CLI's `--format csv`, the FOCUS export).

Text a spreadsheet would run as a formula (`=…`, `+…`, `-…`, `@…`, a leading tab or CR) gets a
leading quote; numbers stay numbers — ints, Decimals and decimal strings such as `-12.50` (a
credit) are written as numbers in XLSX and unquoted in CSV, so spreadsheet sums include them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number (no leading zeros, so ids like "007" stay text).
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")

Row = Mapping[str, Any]


def is_number_text(value: str) -> bool:
    return _NUMBER.fullmatch(value) is not None


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote; numbers (also as
    decimal text) and everything else are as is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not is_number_text(value):
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


def csv_text(
    rows: Sequence[Row], columns: Sequence[str] | None = None, *, newline: str = "\r\n"
) -> str:
    """The table as CSV text (a header, then one line per row; None is an empty cell; lists and
    objects as JSON text). `newline` "\n" for a terminal, RFC 4180's CRLF for files."""
    cols = _columns(rows, columns)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator=newline)
    writer.writerow([safe_cell(c) for c in cols])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_cell(_flat(row.get(c))) for c in cols])
    return buf.getvalue()


def to_csv(rows: Sequence[Row], columns: Sequence[str] | None = None) -> bytes:
    """CSV bytes for a download, with a byte-order mark so spreadsheet programs read UTF-8
    (names in Korean, for one)."""
    return ("\ufeff" + csv_text(rows, columns)).encode("utf-8")


def csv_fields(values: Sequence[Any]) -> str:
    """Cells as one CSV fragment (no line end; None an empty cell), with the formula guard:
    for writers that render repeating runs of cells once and join them (the FOCUS export)."""
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="").writerow(
        [None if v is None else safe_cell(_flat(v)) for v in values]
    )
    return buf.getvalue()


def csv_lines(
    header: Sequence[str], lines: Iterable[str], *, chunk_lines: int = 4000
) -> Iterator[bytes]:
    """A header and lines already rendered (`csv_fields`), RFC 4180 line ends, UTF-8 without a
    byte-order mark, in chunks of `chunk_lines` lines."""
    yield (csv_fields(header) + "\r\n").encode("utf-8")
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= chunk_lines:
            batch.append("")
            yield "\r\n".join(batch).encode("utf-8")
            batch = []
    if batch:
        batch.append("")
        yield "\r\n".join(batch).encode("utf-8")


def to_json(rows: Sequence[Row]) -> bytes:
    return json.dumps(list(rows), ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    value = _flat(value)
    if isinstance(value, str) and is_number_text(value):
        return Decimal(value)
    return safe_cell(value)


def to_xlsx(
    rows: Sequence[Row],
    columns: Sequence[str] | None = None,
    title: str = "data",
    money_columns: Sequence[str] = (),
) -> bytes:
    """A one-sheet workbook; `money_columns` are shown as dollars."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    cols = _columns(rows, columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "data")
    ws.append([safe_cell(c) for c in cols])
    money = set(money_columns)
    for row in rows:
        cells: list[Any] = []
        for c in cols:
            value = _xlsx_cell(row.get(c))
            if c in money and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "$#,##0.00"
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export(
    rows: Sequence[Row],
    fmt: str,
    *,
    title: str = "data",
    columns: Sequence[str] | None = None,
    money_columns: Sequence[str] = (),
) -> tuple[bytes, str]:
    """The table in `fmt` ("csv" | "json" | "xlsx") and its media type."""
    if fmt == "csv":
        return to_csv(rows, columns), FORMATS["csv"]
    if fmt == "json":
        return to_json(rows), FORMATS["json"]
    if fmt == "xlsx":
        return to_xlsx(rows, columns, title, money_columns), FORMATS["xlsx"]
    raise ValueError(f"unknown export format {fmt!r}; use csv, json or xlsx")
