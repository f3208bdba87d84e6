"""`--format json|csv` output, written without Typer or rich (the quick report path uses it too).

`json` is the command's JSON contract, `csv` the rows a user would want in a spreadsheet,
through the one export writer (`services/kit/exports.csv_text`, formula-safe, numbers as numbers).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

Rows = Sequence[Mapping[str, Any]]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class FileFormat(StrEnum):
    """The formats of a command that can also write a workbook (`report teams`)."""

    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _cell(value: Any) -> Any:
    """A list of plain values reads as one cell ("a; b"); objects stay JSON text."""
    if isinstance(value, list | tuple) and not any(isinstance(v, dict | list) for v in value):
        return "; ".join("" if v is None else str(v) for v in value)
    return value


def print_csv(rows: Rows, columns: Sequence[str] | None = None) -> None:
    """Rows as CSV on stdout, through the one export writer (formula-safe, numbers as numbers).

    Without rows and `columns` nothing is printed (there is no header to give)."""
    from usage_tracker.services.kit.exports import csv_text

    if not rows and columns is None:
        return
    flat = [{k: _cell(v) for k, v in r.items()} for r in rows]
    sys.stdout.write(csv_text(flat, columns, newline="\n"))


def print_data(
    fmt: Format | FileFormat,
    data: Any,
    rows: Rows | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """`--format json`: `data`; `--format csv`: `rows` (by default `data`, a list of objects)."""
    if fmt == Format.csv:
        print_csv(data if rows is None else rows, columns)
    else:
        print_json(data)
