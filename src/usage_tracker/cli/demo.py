"""`usage-tracker demo`: load the built-in demo organization."""

from __future__ import annotations

from datetime import date

import typer

from usage_tracker.cli.context import console, get_context


def demo_command(
    seed: int = typer.Option(7, "--seed", help="Same seed, same organization."),
    until: str | None = typer.Option(
        None, "--until", help="Last day of demo data (default: yesterday, UTC)."
    ),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when the ledger already has any data."
    ),
) -> None:
    """Load a realistic demo organization ("demo"): a year of costs and usage, 36 members."""
    from usage_tracker.services.ledger.demo import DEMO_ORG, has_data, load_demo  # loads on use
    from usage_tracker.services.reports.allocation_store import refresh_allocations
    from usage_tracker.services.reports.coverage import data_bounds

    ctx = get_context()
    with ctx.session_factory() as session:
        if if_empty and data_bounds(session) is not None:
            console.print("The ledger already has data; demo not loaded.")
            return
        existed = has_data(session, DEMO_ORG)
    end = date.fromisoformat(until) if until else None
    with console.status("Generating and importing the demo organization…"):
        results = load_demo(ctx.session_factory, seed=seed, until=end)
        refresh_allocations(ctx.session_factory, DEMO_ORG)
    for result in results:
        console.print(f"  {result.message}", highlight=False)
    verb = "refreshed" if existed else "loaded"
    console.print(f"Demo organization {verb} (organization [bold]{DEMO_ORG}[/]).")
