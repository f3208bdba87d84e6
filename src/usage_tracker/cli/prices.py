"""`usage-tracker prices ...`: the unit prices used to estimate cost from usage."""

from __future__ import annotations

import typer

from usage_tracker.cli.context import console, err_console, fail, get_context
from usage_tracker.cli.organizations import known_org
from usage_tracker.cli.render import FORMAT, JSON_FLAG, Format, chosen, emit
from usage_tracker.cli.tables import FitTable
from usage_tracker.services.reports.prices import PriceError, price_book, set_price

app = typer.Typer(help="Unit prices for estimated cost.", no_args_is_help=True)


@app.command("list")
def list_command(
    org: str | None = typer.Option(
        None, "--org", help="Include the prices derived from this organization's own costs."
    ),
    fmt: Format = FORMAT,
    as_json: bool = JSON_FLAG,
) -> None:
    """Effective unit prices: derived from your costs, else set by hand, else shipped."""
    ctx = get_context()
    with ctx.session_factory() as session:
        org_id = known_org(session, org).id if org else None
        prices = price_book(session, org_id).all()
    data = [{"model": p.model, "kind": p.kind, "usd": str(p.usd), "per": p.unit,
             "source": p.source} for p in prices]  # fmt: skip

    def table() -> None:
        t = FitTable("Unit prices (USD)")
        t.add_column("Model")
        t.add_column("Kind")
        t.add_money_column("USD")
        t.add_column("Per")
        t.add_column("Source", drop=1)
        for p in prices:
            t.add_row(p.model, p.kind, f"{p.usd.normalize():f}", p.unit, p.source)
        console.print(t)

    emit(chosen(fmt, as_json), data, table=table, columns=("model", "kind", "usd", "per", "source"))


@app.command("set")
def set_command(
    model: str = typer.Argument(
        ..., help="Model name as usage reports it, e.g. gpt-4o-2024-08-06."
    ),
    kind: str = typer.Argument(
        ..., help="input, cached_input, output (per 1M tokens), images, seconds or characters."
    ),
    usd_per_unit: str = typer.Argument(
        ..., help="USD per 1M tokens, or per image/second/character."
    ),
) -> None:
    """Set a unit price (installation-wide; prices derived from an org's own costs still win)."""
    ctx = get_context()
    try:
        with ctx.session_factory.begin() as session:
            price = set_price(session, model, kind, usd_per_unit)
    except PriceError as exc:
        raise fail(str(exc)) from exc
    from usage_tracker.services.reports.allocation_store import refresh_allocations

    with err_console.status("Allocating billed cost to users and API keys at the new price…"):
        refresh_allocations(ctx.session_factory)
    console.print(
        f"{price.model} {price.kind}: ${price.usd.normalize():f} per {price.unit}", highlight=False
    )
