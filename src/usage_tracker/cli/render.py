"""How a command prints its result: `--format table|json|csv`, one definition for every command.

`table` is for people (rich tables on stdout), `json` for scripts (the command's JSON contract),
`csv` for spreadsheets: the rows a user would want in one, through the one export writer
(`services/kit/exports.csv_text`, formula-safe, numbers as numbers). Where a command also shows
a preview or asks a question, it goes to stderr unless the format is `table`, so stdout holds
only the JSON or CSV.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console

from usage_tracker.cli.context import console, err_console

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


FORMAT_HELP = "table (for people), json (for scripts) or csv (for spreadsheets)."
FORMAT = typer.Option(Format.table, "--format", "-f", case_sensitive=False, help=FORMAT_HELP)
JSON_FLAG = typer.Option(False, "--json", help="The same as --format json.")


def chosen(fmt: Format, as_json: bool) -> Format:
    """The format of a command that also has the older `--json` flag."""
    return Format.json if as_json else fmt


def out_console(fmt: Format | FileFormat) -> Console:
    """Where previews and notes go: stdout for a table, stderr when stdout holds data."""
    return console if fmt == Format.table else err_console


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


def emit(
    fmt: Format | FileFormat,
    data: Any,
    *,
    table: Callable[[], None],
    rows: Rows | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Call `table` to print the result for people, or print it as JSON or CSV (`print_data`)."""
    if fmt == Format.table:
        table()
    else:
        print_data(fmt, data, rows, columns)


def print_table(table: Any) -> None:
    console.print(table)
