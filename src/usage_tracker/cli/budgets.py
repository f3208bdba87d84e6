"""`usage-tracker budgets ...`: set, list, delete, check, bulk-set, reset, history, enforce."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.orm import Session

from usage_tracker.cli.context import console, err_console, fail, get_context
from usage_tracker.cli.governance_common import actor, client_for
from usage_tracker.cli.organizations import known_org
from usage_tracker.cli.render import FORMAT, Format, emit, out_console, print_json, print_table
from usage_tracker.cli.tables import FitTable
from usage_tracker.db.models import Organization
from usage_tracker.domain.budgets import BudgetError, parse_thresholds
from usage_tracker.domain.money import MoneyError, format_usd, parse_usd, to_nanos
from usage_tracker.services.ledger.scope_names import name_of
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend import enforcement
from usage_tracker.services.spend.budget_status import evaluate_budget
from usage_tracker.services.spend.budgets import (
    BudgetSpec,
    apply_bulk,
    budget_history,
    budget_json,
    delete_budget,
    edit_json,
    get_budget,
    list_budgets,
    preview_bulk,
    reset_budgets,
    set_budget,
    unknown_ids,
)
from usage_tracker.services.spend.evaluation import (
    alert_history,
    delivery_summary,
    evaluate_all,
    event_json,
)
from usage_tracker.services.spend.teams import TeamError

app = typer.Typer(
    help="Budgets per organization, project, user, key or team.", no_args_is_help=True
)


ORG = typer.Option(None, "--org", help="Organization (slug). Default: USAGE_TRACKER_DEFAULT_ORG.")
SCOPE = typer.Option(..., "--scope", help="org, project, user, key or team.")
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


@contextmanager
def _org(slug: str | None) -> Iterator[tuple[Session, Organization]]:
    ctx = get_context()
    with ctx.session_factory() as session:
        try:
            org = (
                known_org(session, slug)
                if slug
                else ensure_organization(session, ctx.settings.default_org)
            )
        except ValueError as exc:
            raise fail(str(exc)) from exc
        try:
            yield session, org
        except (BudgetError, TeamError, MoneyError) as exc:
            session.rollback()
            raise fail(str(exc)) from exc


def _amount(text: str) -> int:
    try:
        return parse_usd(text)
    except MoneyError as exc:
        raise fail(f"--amount must be dollars like 250 or 99.50, got {text!r}") from exc


@app.command("set")
def set_command(
    scope: str = SCOPE,
    scope_id: str = typer.Option(..., "--id", help="Project/user/key id, team name, or org slug."),
    amount: str = typer.Option(..., "--amount", help="USD per period, e.g. 500 or 99.50."),
    period: str = typer.Option("monthly", "--period", help="monthly, quarterly or yearly."),
    thresholds: str = typer.Option("50,80,100", "--thresholds", help="Alert percents."),
    enforce: str = typer.Option(
        "none", "--enforce", help="At 100 %: none, spend-limit, disable or revoke-keys."
    ),
    auto: bool = typer.Option(False, "--auto", help="Enforce without waiting for confirmation."),
    revoke_key: list[str] = typer.Option([], "--revoke-key", help="Key to revoke (repeatable)."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA zone of the calendar periods."),
    rollover: bool = typer.Option(False, "--rollover", help="Carry unused budget forward."),
    mirror: bool = typer.Option(False, "--mirror-openai", help="Mirror to OpenAI's spend limit."),
    org: str | None = ORG,
) -> None:
    """Create or change one budget (alerts already sent this period are not sent again)."""
    with _org(org) as (session, o):
        spec = BudgetSpec(
            scope, scope_id, _amount(amount), period, timezone, parse_thresholds(thresholds),
            rollover, enforce, auto, tuple(revoke_key), mirror,
        )  # fmt: skip
        old = get_budget(session, o, scope, scope_id)
        before = budget_json(old, o.slug) if old is not None else None
        b = set_budget(session, o, spec, actor())
        session.commit()
        after = budget_json(b, o.slug)
        new = " (new)" if before is None else ""
        seen = name_of(session, o.id, b.scope, b.scope_id)
        named = f" ({seen.name})" if seen.name and seen.name != b.scope_id else ""
        console.print(
            f"Budget {b.scope} {b.scope_id}{named}{new}: {format_usd(b.amount_nanos)} {b.period} "
            f"({b.timezone}), thresholds {b.thresholds}%, enforce {b.enforce}",
            highlight=False,
        )
        if before is not None:
            console.print(f"  {replaced(before, after)}", highlight=False, soft_wrap=True)
        if not seen.known:
            console.print(unseen_warning(b.scope, b.scope_id), highlight=False, soft_wrap=True)


def unseen_warning(scope: str, scope_id: str) -> str:
    return (
        f"Warning: the tracker has never seen {scope} {scope_id} (not in the directory, "
        "the usage or the costs). Check the id; the budget is set and counts its spend "
        "once it shows up."
    )


def replaced(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What `budgets set` changed of an existing budget, field by field."""
    changes = []
    for name, value in before.items():
        new = after[name]
        if name in ("budget_id", "org") or new == value:
            continue
        label = name.removesuffix("_usd").replace("_", " ")
        if name == "amount_usd":
            value, new = format_usd(to_nanos(value)), format_usd(to_nanos(new))
        elif isinstance(value, list):
            value, new = ",".join(map(str, value)) or "none", ",".join(map(str, new)) or "none"
        changes.append(f"{label} {value} → {new}")
    if not changes:
        return "Unchanged: the budget already had these settings."
    return "Replaced the existing budget: " + "; ".join(changes) + "."


@app.command("bulk-set")
def bulk_set_command(
    scope: str = typer.Option("project", "--scope", help="Scope of every --id."),
    ids: list[str] = typer.Option([], "--id", help="Id to set (repeatable)."),
    amount: str | None = typer.Option(None, "--amount", help="USD for every --id."),
    from_file: Path | None = typer.Option(None, "--from-file", help="CSV: scope,id,amount."),
    period: str = typer.Option("monthly", "--period", help="monthly, quarterly or yearly."),
    yes: bool = YES,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Set many budgets at once, after a preview: current → new, delta, totals.

    JSON and CSV (the changes) print the preview; the question goes to stderr."""
    specs = [BudgetSpec(scope, i, _amount(amount), period) for i in ids] if amount else []
    if ids and not amount:
        raise fail("--id needs --amount")
    if from_file is not None:
        with from_file.open(newline="") as fh:
            for row in csv.DictReader(fh):
                specs.append(BudgetSpec(row["scope"], row["id"], _amount(row["amount"]), period))
    if not specs:
        raise fail("nothing to set: give --id ... --amount, or --from-file")
    with _org(org) as (session, o):
        preview = preview_bulk(session, o, specs)
        data = preview.to_json()

        def table() -> None:
            t = FitTable("Budgets to set")
            t.add_column("Scope")
            t.add_column("Id")
            t.add_column("Name", drop=1)
            for name in ("Current", "New", "Delta"):
                t.add_money_column(name)
            for r in preview.rows:
                t.add_row(r.scope, r.scope_id, r.name or "—", format_usd(r.current_nanos),
                          format_usd(r.new_nanos), format_usd(r.delta_nanos))  # fmt: skip
            print_table(t)
            for total in preview.totals:
                console.print(
                    f"Total of the {total.period} budgets {format_usd(total.before_nanos)} → "
                    f"{format_usd(total.after_nanos)}",
                    highlight=False,
                )
            for r in unknown_ids(preview):
                console.print(unseen_warning(r.scope, r.scope_id), highlight=False, soft_wrap=True)

        columns = ("scope", "id", "current_usd", "new_usd", "delta_usd")
        emit(fmt, data, rows=data["changes"], table=table, columns=columns)
        if not yes and not typer.confirm(f"Set {len(specs)} budget(s)?", err=True):
            raise typer.Exit(1)
        apply_bulk(session, o, specs, actor())
        session.commit()
        out_console(fmt).print(f"Set {len(specs)} budget(s).", highlight=False)


@app.command("list")
def list_command(org: str | None = ORG, fmt: Format = FORMAT) -> None:
    """Every budget (all organizations unless --org)."""
    ctx = get_context()
    with ctx.session_factory() as session:
        rows = list_budgets(session, known_org(session, org) if org else None)
        data = [budget_json(b, slug) for b, slug in rows]

    def table() -> None:
        t = FitTable("Budgets")
        for name in ("Org", "Scope", "Id"):
            t.add_column(name)
        t.add_money_column("Amount")
        t.add_column("Period", drop=3)
        t.add_column("Zone", drop=2)
        t.add_column("Thresholds", drop=1)
        t.add_column("Enforce", drop=4)
        for d in data:
            amount = format_usd(to_nanos(d["amount_usd"]))
            t.add_row(d["org"], d["scope"], d["id"], amount, d["period"],
                      d["timezone"], ",".join(map(str, d["thresholds"])), d["enforce"])  # fmt: skip
        print_table(t)

    emit(fmt, data, table=table, columns=BUDGET_COLUMNS)


BUDGET_COLUMNS = ("budget_id", "org", "scope", "id", "amount_usd", "period", "timezone",
                  "thresholds", "rollover", "enforce", "enforce_auto", "enforce_keys",
                  "mirror_openai")  # fmt: skip


@app.command("delete")
def delete_command(
    scope: str = SCOPE,
    scope_id: str = typer.Option(..., "--id", help="The budget's id."),
    yes: bool = YES,
    org: str | None = ORG,
) -> None:
    """Delete one budget."""
    if not yes and not typer.confirm(f"Delete the {scope} budget {scope_id}?", err=True):
        raise typer.Exit(1)
    with _org(org) as (session, o):
        if not delete_budget(session, o, scope, scope_id, actor()):
            raise fail(f"no {scope} budget {scope_id} in {o.slug}")
        session.commit()
    console.print(f"Deleted the {scope} budget {scope_id}.", highlight=False)


@app.command("reset")
def reset_command(yes: bool = YES, org: str | None = ORG) -> None:
    """Delete every budget of the organization (asks first)."""
    with _org(org) as (session, o):
        n = len(list_budgets(session, o))
        if not yes and not typer.confirm(f"Delete all {n} budgets of {o.slug}?", err=True):
            raise typer.Exit(1)
        reset_budgets(session, o, actor())
        session.commit()
    console.print(f"Deleted {n} budget(s).", highlight=False)


@app.command("history")
def history_command(
    scope: str | None = typer.Option(None, "--scope"),
    scope_id: str | None = typer.Option(None, "--id"),
    org: str | None = ORG,
) -> None:
    """Edits of budgets, newest first (JSON)."""
    with _org(org) as (session, o):
        print_json([edit_json(e) for e in budget_history(session, o, scope, scope_id)])


def _usd(text: str) -> str:
    return format_usd(to_nanos(text))


@app.command("check")
def check_command(
    fmt: Format = FORMAT,
    no_anomalies: bool = typer.Option(False, "--no-anomalies", help="Skip the anomaly scan."),
) -> None:
    """Evaluate every budget now, send the alerts that are due, and print the status."""
    ctx = get_context()
    result = evaluate_all(ctx.session_factory, ctx.settings, anomalies=not no_anomalies)

    def table() -> None:
        t = FitTable("Budgets")
        t.add_column("Scope")
        t.add_column("Id")
        t.add_column("Period", drop=2)
        t.add_money_column("Budget")
        t.add_money_column("Spent")
        t.add_column("%", justify="right", no_wrap=True)
        t.add_column("Status", no_wrap=True)
        t.add_money_column("Forecast")
        t.add_column("Runs out", drop=3)
        t.add_column("Basis", drop=1)
        for b in result.budgets:
            t.add_row(b["scope"], b["id"], f"{b['period_start']} – {b['period_end']} "
                      f"{b['timezone']}", _usd(b["budget_usd"]), _usd(b["spent_usd"]),
                      f"{b['percent']:.1f}", b["status"], _usd(b["forecast_usd"]),
                      b["runs_out_on"] or "—", b["spend_basis"])  # fmt: skip
        print_table(t)
        console.print(delivery_summary(result.sent, result.channels), highlight=False)

    emit(fmt, result.budgets, table=table)
    for error in result.errors:
        err_console.print(f"[yellow]warning:[/] {error}", highlight=False)


@app.command("alerts")
def alerts_command(budget_id: int | None = typer.Option(None, "--budget")) -> None:
    """Alert history, newest first (JSON)."""
    with get_context().session_factory() as session:
        print_json([event_json(e) for e in alert_history(session, budget_id)])


@app.command("enforce")
def enforce_command(
    scope: str = SCOPE,
    scope_id: str = typer.Option(..., "--id"),
    undo: bool = typer.Option(False, "--undo", help="Undo this period's action instead."),
    yes: bool = YES,
    org: str | None = ORG,
) -> None:
    """Preview, then apply (or --undo) the enforcement of an over-budget budget."""
    with _org(org) as (session, o):
        b = get_budget(session, o, scope, scope_id)
        if b is None:
            raise fail(f"no {scope} budget {scope_id} in {o.slug}")
        state = evaluate_budget(session, o, b)
        action = enforcement.propose(session, o, b, state)
        if action is None:
            raise fail(f"nothing to enforce: status {state.status}, enforce {b.enforce}")
        names = enforcement.target_names(session, b, [action])
        lines = (
            enforcement.preview(b, state, names) if not undo else ["Undo: " + str(action.detail)]
        )
        for line in lines:
            console.print(f"  {line}", highlight=False)
        if not yes and not typer.confirm("Go ahead?", err=True):
            raise typer.Exit(1)
        client = client_for(session, o)
        run = enforcement.restore if undo else enforcement.apply
        done = run(session, client, action, actor())
        print_json(enforcement.action_json(done))
        if done.status in ("failed", "restore-failed"):
            raise typer.Exit(1)
