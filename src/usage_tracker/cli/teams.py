"""`usage-tracker teams ...` (projects, users and keys grouped for chargeback) and the
`usage-tracker report teams` showback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.orm import Session

from usage_tracker.cli.context import console, fail, get_context
from usage_tracker.cli.governance_common import actor
from usage_tracker.cli.organizations import known_org
from usage_tracker.cli.render import FORMAT_HELP, FileFormat, print_json, print_table
from usage_tracker.cli.tables import FitTable
from usage_tracker.db.models import Organization
from usage_tracker.domain.money import format_usd
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.reports.coverage import data_bounds
from usage_tracker.services.spend.chargeback import showback, to_csv, to_xlsx
from usage_tracker.services.spend.teams import (
    TeamError,
    create_team,
    delete_team,
    list_teams,
    remove_members,
    rename_team,
    set_members,
)

app = typer.Typer(
    help="Teams: projects, users and keys grouped for chargeback.", no_args_is_help=True
)
ORG = typer.Option(None, "--org", help="Organization (slug). Default: USAGE_TRACKER_DEFAULT_ORG.")
PROJECTS = typer.Option([], "--project", help="Project id (repeatable).")
USERS = typer.Option([], "--user", help="User id (repeatable).")
KEYS = typer.Option([], "--key", help="API key id (repeatable).")


def _org(session: Session, slug: str | None) -> Organization:
    """--org must name an organization; without it, the default one (created on first use)."""
    return (
        known_org(session, slug)
        if slug
        else ensure_organization(session, get_context().settings.default_org)
    )


def _run(org: str | None, action: str, work: Callable[[Session, Organization], Any]) -> None:
    ctx = get_context()
    with ctx.session_factory() as session:
        o = _org(session, org)
        try:
            work(session, o)
        except TeamError as exc:
            raise fail(str(exc)) from exc
        session.commit()
    console.print(action, highlight=False)


@app.command("add")
def add_command(
    name: str = typer.Argument(..., help="Team name."),
    cost_centre: str | None = typer.Option(None, "--cost-centre", help="Cost centre code."),
    projects: list[str] = PROJECTS,
    users: list[str] = USERS,
    keys: list[str] = KEYS,
    org: str | None = ORG,
) -> None:
    """Create a team, with its first members."""

    def work(session: Session, o: Organization) -> None:
        who = actor()
        create_team(session, o, name, cost_centre, actor=who)
        set_members(session, o, name, projects=projects, users=users, keys=keys, actor=who)

    _run(org, f"Created team {name}.", work)


@app.command("members")
def members_command(
    name: str = typer.Argument(..., help="Team name."),
    projects: list[str] = PROJECTS,
    users: list[str] = USERS,
    keys: list[str] = KEYS,
    remove: list[str] = typer.Option([], "--remove", help="Member id to remove (repeatable)."),
    org: str | None = ORG,
) -> None:
    """Add members to a team (and --remove others)."""

    def work(session: Session, o: Organization) -> None:
        who = actor()
        set_members(session, o, name, projects=projects, users=users, keys=keys, actor=who)
        if remove:
            remove_members(session, o, name, remove, actor=who)

    _run(org, f"Updated team {name}.", work)


@app.command("delete")
def delete_command(name: str = typer.Argument(...), org: str | None = ORG) -> None:
    """Delete a team (its budget, if any, stops evaluating)."""
    _run(org, f"Deleted team {name}.", lambda s, o: delete_team(s, o, name, actor=actor()))


@app.command("rename")
def rename_command(
    name: str = typer.Argument(..., help="Team name."),
    new_name: str = typer.Argument(..., help="New name."),
    org: str | None = ORG,
) -> None:
    """Rename a team (its budget, if any, follows it)."""
    _run(
        org,
        f"Renamed team {name} to {new_name}.",
        lambda s, o: rename_team(s, o, name, new_name, actor=actor()),
    )


@app.command("list")
def list_command(org: str | None = ORG) -> None:
    """Teams and their members (JSON)."""
    ctx = get_context()
    with ctx.session_factory() as session:
        print_json([t.to_json() for t in list_teams(session, _org(session, org))])


def _month(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(f"{text}-01" if len(text) == 7 else text).replace(day=1)
    except ValueError:
        raise fail(f"{flag} must be a month like 2025-03, got {text!r}") from None


def report_teams_command(
    since: str | None = typer.Option(None, "--since", help="First month, YYYY-MM."),
    until: str | None = typer.Option(None, "--until", help="Last month, YYYY-MM."),
    org: str | None = ORG,
    fmt: FileFormat = typer.Option(
        FileFormat.table,
        "--format",
        "-f",
        case_sensitive=False,
        help=f"{FORMAT_HELP} xlsx: a workbook (needs --output).",
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="File for csv/xlsx."),
) -> None:
    """Monthly showback per team (UTC months): cost, share, unassigned remainder, total."""
    ctx = get_context()
    with ctx.session_factory() as session:
        o = _org(session, org)
        bounds = data_bounds(session, o.slug)
        last = _month(until, "--until") or (bounds[1] if bounds else date.today()).replace(day=1)
        first = _month(since, "--since") or last
        if first > last:
            raise fail("--since is after --until")
        result = showback(session, o, first, last)
    if fmt == FileFormat.json:
        print_json(result.to_json())
    elif fmt in (FileFormat.csv, FileFormat.xlsx):
        data = to_csv(result).encode() if fmt == FileFormat.csv else to_xlsx(result)
        if output is not None:
            output.write_bytes(data)
            console.print(f"Wrote {output}", highlight=False)
        elif fmt == FileFormat.xlsx:
            raise fail("--format xlsx needs --output FILE")
        else:
            sys.stdout.write(data.decode())
    else:
        table = FitTable(f"Showback by team, {o.slug} (UTC months)")
        for name in ("Month", "Team", "Cost centre"):
            table.add_column(name)
        table.add_money_column("Cost")
        table.add_column("Share", justify="right", no_wrap=True)
        table.add_column("Basis", drop=1)
        for r in result.rows:
            share = f"{r.share:.1%}" if r.share is not None else "—"
            table.add_row(r.month, r.team, r.cost_centre or "", format_usd(r.cost_nanos), share,
                          r.basis)  # fmt: skip
        print_table(table)
