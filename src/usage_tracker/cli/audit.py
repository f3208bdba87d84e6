"""`usage-tracker audit ...`: every change the tracker made, and how it went."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from usage_tracker.cli.context import console, fail, get_context
from usage_tracker.cli.organizations import known_org
from usage_tracker.cli.render import FORMAT, Format
from usage_tracker.db.models import OpenAIAuditEvent
from usage_tracker.services.audit.log import (
    AuditFilter,
    export_audit_csv,
    export_audit_json,
    list_audit,
)
from usage_tracker.services.audit.openai_log import (
    OpenAIAuditFilter,
    actor_label,
    export_merged_csv,
    export_openai_audit_csv,
    export_openai_audit_json,
    list_openai_audit,
    merged_audit_rows,
)

app = typer.Typer(
    help="The audit log: who changed what, when, and the outcome.", no_args_is_help=True
)


class Source(StrEnum):
    tracker = "tracker"
    openai = "openai"
    all = "all"


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
    actor: str | None = typer.Option(
        None, "--actor", help="Only this actor (OpenAI's events: e-mail, user, account or key id)."
    ),
    action: str | None = typer.Option(
        None,
        "--action",
        help="Action (OpenAI's events: type), or a prefix ending in '.' (rate_limit.).",
    ),
    target: str | None = typer.Option(
        None,
        "--target",
        help="Target id, or a prefix ending in '/' (proj_1/); OpenAI's events: their project, "
        "or what they acted on.",
    ),
    result: str | None = typer.Option(None, "--result", help="ok, failed or skipped."),
    since: str | None = typer.Option(None, "--since", help="First day (UTC), YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="Last day (UTC, inclusive)."),
    limit: int = typer.Option(
        1000, "--limit", min=1, help="At most this many entries, newest first."
    ),
    fmt: Format = FORMAT,
    source: Source = typer.Option(
        Source.tracker,
        "--source",
        help="tracker (what this tool changed), openai (OpenAI's own audit log, synced by the "
        "audit_logs stream) or all (both, newest first, each with its source).",
    ),
) -> None:
    """Audit entries, newest first."""
    if result and source is not Source.tracker:
        raise fail("--result applies to the tracker's own entries only (--source tracker)")
    ctx = get_context()
    with ctx.session_factory() as session:
        org_id = known_org(session, org).id if org else None
        start, end = _day(since, "--since"), _day(until, "--until", 1)
        if source is not Source.tracker:
            of = OpenAIAuditFilter(
                organization_id=org_id, type=action, project_id=(target or "").rstrip("/") or None,
                actor=actor, since=start, until=end,
            )  # fmt: skip
            events = list_openai_audit(session, of, limit=limit)
            if source is Source.openai:
                _print_openai(session, events, fmt)
                return
            mine = AuditFilter(org_id, actor, action, None, target, since=start, until=end)
            tracker = list_audit(session, mine, limit=limit)
            _print_all(merged_audit_rows(session, tracker, events, limit=limit), fmt)
            return
        f = AuditFilter(
            organization_id=org_id, actor=actor, action=action, target_id=target, result=result,
            since=start, until=end,
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


def _print_openai(session: Session, events: list[OpenAIAuditEvent], fmt: Format) -> None:
    if fmt is Format.json:
        sys.stdout.write(export_openai_audit_json(session, events))
        return
    if fmt is Format.csv:
        sys.stdout.write(export_openai_audit_csv(session, events))
        return
    table = Table(title="OpenAI audit log", title_justify="left", header_style="bold")
    for column in ("When (UTC)", "Type", "Actor", "Project", "Target", "IP address"):
        table.add_column(column)
    for e in events:
        project = e.project_name or e.project_id or ""
        table.add_row(
            f"{e.effective_at:%Y-%m-%d %H:%M:%S}", e.type, actor_label(e), project,
            e.resource_id or "", e.ip_address or "",
        )  # fmt: skip
    console.print(table)


def _print_all(rows: list[dict[str, Any]], fmt: Format) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(export_merged_csv(rows))
        return
    table = Table(title="Audit log: tracker and OpenAI", title_justify="left", header_style="bold")
    for column in ("When (UTC)", "Source", "Actor", "Action", "Target", "Result"):
        table.add_column(column)
    for r in rows:
        if r["source"] == "openai":
            who = r["actor_email"] or r["actor_id"] or r["api_key_id"] or "—"
            what, target, outcome = r["type"], r["project_id"] or r["resource_id"] or "", ""
        else:
            who, what, target, outcome = r["actor"], r["action"], r["target_id"], r["result"]
        when = r["at"][:19].replace("T", " ")
        table.add_row(when, r["source"], who, what, target, outcome)
    console.print(table)
