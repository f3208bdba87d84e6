"""Terminal, JSON and CSV rendering of reports."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.table import Table

from usage_tracker.cli.context import console
from usage_tracker.domain.money import format_unit_price, format_usd
from usage_tracker.services.reports.types import KEY_COLUMN, BreakdownRow, Metrics

_TITLES = {
    "day": "Date",
    "week": "Week",
    "month": "Month",
    "user": "User",
    "project": "Project",
    "model": "Model",
    "line_item": "Line item",
    "api_key": "API key",
    "endpoint": "Endpoint",
}


def _n(value: int) -> str:
    return f"{value:,}"


def _per_request(nanos: int | None) -> str:
    """Cost per request to a tenth of a cent's hundredth: $0.0076."""
    return format_unit_price(nanos)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def print_csv(rows: list[dict[str, Any]]) -> None:
    """Rows as CSV on stdout, through the one export writer (formula-safe, numbers as numbers)."""
    from usage_tracker.services.kit.exports import csv_text

    flat = [{k: v for k, v in r.items() if not isinstance(v, list | dict)} for r in rows]
    if flat:
        sys.stdout.write(csv_text(flat, newline="\n"))


def breakdown_table(
    title: str, by: str, rows: list[BreakdownRow], total: Metrics, split: str | None
) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", show_footer=True)
    named = by in ("user", "project", "api_key")
    table.add_column(_TITLES[by], footer="Total", no_wrap=True)
    if named:
        table.add_column("Name", footer="")
    table.add_column("Cost", justify="right", footer=format_usd(total.cost_nanos))
    table.add_column("Share", justify="right", footer="100%" if total.cost_nanos else "")
    table.add_column("Requests", justify="right", footer=_n(total.requests))
    table.add_column("Input tok", justify="right", footer=_n(total.input_tokens))
    table.add_column("Cached tok", justify="right", footer=_n(total.cached_input_tokens))
    table.add_column("Output tok", justify="right", footer=_n(total.output_tokens))
    table.add_column("$/request", justify="right", footer="")
    for row in rows:
        per_request = row.cost_per_request_nanos()
        cells = [row.key or "(none)"]
        if named:
            cells.append(row.label or "")
        cells += [
            format_usd(row.cost_nanos),
            "" if row.share is None else f"{row.share:.1%}",
            _n(row.requests),
            _n(row.input_tokens),
            _n(row.cached_input_tokens),
            _n(row.output_tokens),
            _per_request(per_request),
        ]
        table.add_row(*cells)
        if split:
            for key, nanos in sorted(row.split.items(), key=lambda kv: -kv[1]):
                sub = [f"  └ {key}"] + ([""] if named else []) + [f"[dim]{format_usd(nanos)}[/]"]
                table.add_row(*sub, *[""] * (len(cells) - len(sub)))
    return table


def print_table(table: Table) -> None:
    console.print(table)


KEY_COLUMNS = KEY_COLUMN
