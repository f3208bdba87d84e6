"""The table of a breakdown report (`report daily|users|…`): the rows shown, totalled over all.

The footer is the total of the whole result, whatever `--top` shows; the share column's footer is
the share of the cost that the rows shown hold (100 % when every row is shown). At 80 columns the
token counts go first, then requests; cost and cost per request are never cut.
"""

from __future__ import annotations

from usage_tracker.cli.tables import FitTable
from usage_tracker.domain.money import format_unit_price, format_usd
from usage_tracker.services.reports.types import BreakdownRow, Metrics

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
NAMED = ("user", "project", "api_key")


def _n(value: int) -> str:
    return f"{value:,}"


def _share(part: int, whole: int | None) -> str:
    return f"{part / whole:.1%}" if whole else ""


def breakdown_table(
    title: str,
    by: str,
    rows: list[BreakdownRow],
    total: Metrics,
    split: str | None,
    *,
    of: int | None = None,
) -> FitTable:
    """`rows` are the rows shown; `total` is over all `of` rows of the result (default: these)."""
    of = len(rows) if of is None else of
    shown = sum(r.cost_nanos or 0 for r in rows)
    partial = of > len(rows)
    table = FitTable(title, show_footer=True)
    if partial:
        table.caption = f"{len(rows)} of {of} rows shown; Total is all {of}, Share what is shown."
        table.caption_justify = "left"
    named = by in NAMED
    table.add_column(_TITLES[by], f"Total ({of})" if partial else "Total")
    if named:
        table.add_column("Name", "")
    table.add_money_column("Cost", format_usd(total.cost_nanos))
    table.add_column("Share", _share(shown, total.cost_nanos), justify="right", no_wrap=True)
    table.add_column("Requests", _n(total.requests), justify="right", drop=4)
    table.add_column("Input tok", _n(total.input_tokens), justify="right", drop=2)
    table.add_column("Cached tok", _n(total.cached_input_tokens), justify="right", drop=1)
    table.add_column("Output tok", _n(total.output_tokens), justify="right", drop=3)
    table.add_money_column("$/request", "")
    for row in rows:
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
            format_unit_price(row.cost_per_request_nanos()),
        ]
        table.add_row(*cells)
        if split:
            for key, nanos in sorted(row.split.items(), key=lambda kv: -kv[1]):
                sub = [f"  └─{key}"] + ([""] if named else []) + [f"[dim]{format_usd(nanos)}[/]"]
                table.add_row(*sub, *[""] * (len(cells) - len(sub)))
    return table
