"""`usage-tracker audit ...`: every change the tracker made, and how it went."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import typer
from rich.table import Table

from usage_tracker.cli.context import console, fail, get_context
from usage_tracker.services.audit import (
    AuditFilter,
    export_audit_csv,
    export_audit_json,
    list_audit,
)
from usage_tracker.services.organizations import UnknownOrganization, get_organization

app = typer.Typer(
    help="The audit log: who changed what, when, and the outcome.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _day(value: str | None, flag: str, plus: int = 0) -> datetime | None:
    if value is None:
        return None
    try:
        day = datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise fail(f"{flag} must be a date like 2025-01-31, got {value!r}") from None
    return day + timedelta(days=plus)


@app.command("list")
def list_command(
    org: str | None = typer.Option(None, "--org", help="Only this organization (default: all)."),
    actor: str | None = typer.Option(None, "--actor", help="Only this actor."),
    action: str | None = typer.Option(
        None, "--action", help="Action, or a prefix ending in '.' (rate_limit.)."
    ),
    target: str | None = typer.Option(
        None, "--target", help="Target id, or a prefix ending in '/' (proj_1/)."
    ),
    result: str | None = typer.Option(None, "--result", help="ok, failed or skipped."),
    since: str | None = typer.Option(None, "--since", help="First day (UTC), YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="Last day (UTC, inclusive)."),
    limit: int = typer.Option(
        1000, "--limit", min=1, help="At most this many entries, newest first."
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Audit entries, newest first."""
    ctx = get_context()
    with ctx.session_factory() as session:
        org_id = None
        if org:
            try:
                org_id = get_organization(session, org).id
            except UnknownOrganization as exc:
                raise fail(str(exc)) from exc
        f = AuditFilter(
            organization_id=org_id, actor=actor, action=action, target_id=target, result=result,
            since=_day(since, "--since"), until=_day(until, "--until", 1),
        )  # fmt: skip
        entries = list_audit(session, f, limit=limit)
        if fmt is Format.json:
            sys.stdout.write(export_audit_json(session, entries))
            return
        if fmt is Format.csv:
            sys.stdout.write(export_audit_csv(session, entries))
            return
    table = Table(title="Audit log", title_justify="left", header_style="bold")
    for column in ("When (UTC)", "Actor", "Action", "Target", "Result", "Request id", "Detail"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.target_id, e.result,
            e.request_id or "", e.detail or "",
        )  # fmt: skip
    console.print(table)
