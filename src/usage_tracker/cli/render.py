"""How a command prints its result: `--format table|json|csv`, one definition for every command.

`table` is for people (rich tables on stdout), `json` for scripts (the command's JSON contract),
`csv` for spreadsheets: the rows a user would want in one, through the one export writer
(`services/kit/exports.csv_text`, formula-safe, numbers as numbers). Where a command also shows
a preview or asks a question, it goes to stderr unless the format is `table`, so stdout holds
only the JSON or CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import typer
from rich.console import Console

from usage_tracker.cli.context import console, err_console
from usage_tracker.cli.output import (
    FileFormat,
    Format,
    Rows,
    print_csv,
    print_data,
    print_json,
)

__all__ = [
    "FORMAT",
    "FORMAT_HELP",
    "JSON_FLAG",
    "FileFormat",
    "Format",
    "Rows",
    "chosen",
    "emit",
    "out_console",
    "print_csv",
    "print_data",
    "print_json",
    "print_table",
]

FORMAT_HELP = "table (for people), json (for scripts) or csv (for spreadsheets)."
FORMAT = typer.Option(Format.table, "--format", "-f", case_sensitive=False, help=FORMAT_HELP)
JSON_FLAG = typer.Option(False, "--json", help="The same as --format json.")


def chosen(fmt: Format, as_json: bool) -> Format:
    """The format of a command that also has the older `--json` flag."""
    return Format.json if as_json else fmt


def out_console(fmt: Format | FileFormat) -> Console:
    """Where previews and notes go: stdout for a table, stderr when stdout holds data."""
    return console if fmt == Format.table else err_console


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
