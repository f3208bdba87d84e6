"""Terminal rendering of `usage-tracker report reconcile`."""

from __future__ import annotations

from usage_tracker.cli.context import console
from usage_tracker.cli.tables import FitTable
from usage_tracker.domain.money import format_usd
from usage_tracker.services.reports.reconcile import (
    ALLOCATION_LABEL,
    TOLERANCE,
    Allocation,
    Reconciliation,
)


def _drift(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}%"


def _allocation_table(title: str, rows: list[Allocation], top: int) -> FitTable:
    """The `top` largest allocations; the footer totals them all, with the share shown."""
    shown = rows[:top]
    whole = sum(a.allocated_nanos for a in rows)
    part = sum(a.allocated_nanos for a in shown)
    table = FitTable(title, show_footer=True)
    table.add_column("Id", f"Total ({len(rows)})" if len(rows) > len(shown) else "Total")
    table.add_column("Name")
    table.add_money_column("Allocated", format_usd(whole))
    share = f"{part / whole:.1%}" if whole else ""
    table.add_column("Share", share, justify="right", no_wrap=True)
    for a in shown:
        table.add_row(
            a.key or "(none)", a.label or "", format_usd(a.allocated_nanos), f"{a.share:.1%}"
        )
    return table


def print_reconciliation(r: Reconciliation, top: int) -> None:
    billed, estimated = r.matched
    q = r.query
    console.print(f"[bold]Reconciliation {q.since} – {q.until}[/] (UTC)", highlight=False)
    console.print(f"  Billed (Costs API)     {format_usd(r.billed_nanos)}", highlight=False)
    console.print(f"  Estimated (usage)      {format_usd(estimated)} against "
                  f"{format_usd(billed)} billed for the same rows", highlight=False)  # fmt: skip
    verdict = "within" if r.within_tolerance else "OUTSIDE"
    console.print(f"  Drift                  {_drift(r.drift_pct)} ({verdict} the "
                  f"±{TOLERANCE:.0%} tolerance)", highlight=False)  # fmt: skip
    if r.unpriced_models:
        console.print(f"  Unpriced (estimate unknown): {', '.join(r.unpriced_models)} — set "
                      "prices with `usage-tracker prices set`", highlight=False)  # fmt: skip
    for line in r.unpriced_lines:
        unit = f" ({line.quantity_unit})" if line.quantity_unit else ""
        console.print(f"  Not priced, {line.reason}: {line.line_item}{unit}", highlight=False)
    worst = sorted(r.rows, key=lambda x: -abs(x.drift_pct or 0))[:top]
    table = FitTable("Largest drift (day × project × model)")
    for column in ("Date", "Project", "Model"):
        table.add_column(column)
    table.add_money_column("Billed")
    table.add_money_column("Estimated")
    table.add_column("Drift", justify="right", no_wrap=True)
    for row in worst:
        table.add_row(row.day.isoformat(), row.project_id or "(none)", row.model or "(none)",
                      format_usd(row.billed_nanos), format_usd(row.estimated_nanos),
                      _drift(row.drift_pct))  # fmt: skip
    console.print(table)
    console.print(f"[dim]{ALLOCATION_LABEL}[/]", highlight=False)
    console.print(_allocation_table("Billed cost allocated to users", r.users, top))
    console.print(_allocation_table("Billed cost allocated to API keys", r.api_keys, top))
