"""`usage-tracker export ...`: the ledger in formats other tools read (FOCUS for FinOps tools)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from usage_tracker.cli.context import err_console, fail, get_context
from usage_tracker.cli.organizations import known_org

app = typer.Typer(
    help="Exports for other tools: the bill in FOCUS (FinOps) format.", no_args_is_help=True
)


class FocusFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{flag} must be a date like 2025-01-31, got {value!r}") from None


@app.command("focus")
def focus_command(
    since: str = typer.Option(..., "--since", help="First day (UTC), YYYY-MM-DD."),
    until: str = typer.Option(..., "--until", help="Last day (UTC, inclusive), YYYY-MM-DD."),
    org: str | None = typer.Option(None, "--org", help="Only this organization (slug)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file (default: stdout)."
    ),
    fmt: FocusFormat = typer.Option(
        FocusFormat.csv, "--format", "-f", help="csv, or parquet (needs the `parquet` extra)."
    ),
    allocate_users: bool = typer.Option(
        False,
        "--allocate-users",
        help="Split rows of days without user data among users (an allocation, labelled in "
        "x_AllocationMethod) instead of leaving them without a user.",
    ),
) -> None:
    """The bill as FOCUS 1.2 (CSV or Parquet) for FinOps tools.

    One row per day × project × line item (× API key, × user where the data has them), from
    billed cost only: BilledCost adds up to `report summary`. Columns: docs/focus.md."""
    from usage_tracker.services.reports.focus import (
        FocusQuery,
        ParquetUnavailable,
        export_focus,
    )

    if org:  # an unknown organization is named first, with those there are
        with get_context().session_factory() as session:
            known_org(session, org)
    try:
        q = FocusQuery(_day(since, "--since"), _day(until, "--until"), org, allocate_users)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if output is None and fmt == FocusFormat.parquet and sys.stdout.isatty():
        raise fail("Parquet is binary: give --output PATH, or redirect stdout to a file")
    with get_context().session_factory() as session:
        if org is not None:
            known_org(session, org)
        try:
            chunks = export_focus(session, q, fmt.value)
        except ParquetUnavailable as exc:
            raise fail(escape(str(exc))) from exc
        if output is None:
            out = sys.stdout.buffer
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            return
        size = _write_atomically(output, chunks)
    err_console.print(f"wrote {output} ({size:,} bytes, FOCUS 1.2 {fmt.value})", highlight=False)


def _write_atomically(path: Path, chunks: Iterable[bytes]) -> int:
    """Write to a temporary file beside `path`, then rename: never a partial export."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    size = 0
    try:
        with tmp.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                size += len(chunk)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return size
