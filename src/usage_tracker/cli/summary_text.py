"""The lines of `report summary`'s table format, in rich markup, without rich or Typer.

The Typer command prints them through rich; the quick path (`cli/quick/`) writes them itself
when rich would print them unchanged (`plain_lines`), and through rich otherwise. Only the
date line carries markup (`[bold]…[/]`); every other character comes from numbers, dates and
fixed words, never from the data's own strings, so no line needs markup escaping.
"""

from __future__ import annotations

from usage_tracker.domain.money import format_usd
from usage_tracker.services.reports.types import ReportQuery, Summary

BOLD, END = "[bold]", "[/]"


def summary_lines(q: ReportQuery, result: Summary, before: Summary | None) -> list[str]:
    """`before`: the previous period's summary, for the change in cost (None: no change)."""
    change = ""
    if before is not None and before.cost_nanos and result.cost_nanos is not None:
        delta = (result.cost_nanos - before.cost_nanos) / before.cost_nanos
        change = f"  ({delta:+.1%} vs {before.since} – {before.until})"
    lines = [
        f"{BOLD}{q.since} – {q.until}{END} (UTC)",
        f"  Cost          {format_usd(result.cost_nanos)}{change}",
        f"  Requests      {result.requests:,}",
        f"  Tokens        {result.total_tokens:,} (input {result.input_tokens:,}, "
        f"cached {result.cached_input_tokens:,}, output {result.output_tokens:,})",
        f"  Active users  {result.active_users}   Projects {result.projects}   "
        f"Models {result.models}",
    ]
    if result.tools:  # their own counts: never part of Requests
        tools = " · ".join(
            f"{t.endpoint.replace('_', ' ')} {t.count:,} {t.unit}"
            + (" (largest day)" if t.combine == "peak" else "")
            for t in result.tools
        )
        lines.append(f"  Tools         {tools}")
    return lines


def plain_lines(lines: list[str]) -> list[str]:
    """The lines as rich prints them without colour (the markup removed)."""
    return [line.replace(BOLD, "").replace(END, "") for line in lines]
