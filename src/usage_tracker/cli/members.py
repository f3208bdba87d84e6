"""`usage-tracker members ...`: organization members, their roles, projects and keys; change a
role or remove a member, each with a preview and a confirmation."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import typer
from rich.table import Table

from usage_tracker.cli.context import console, fail
from usage_tracker.cli.governance_common import ORG, actor, api, client_for, org_session
from usage_tracker.cli.render import FORMAT, Format, emit, out_console, print_data
from usage_tracker.cli.tables import FitTable
from usage_tracker.db.base import utcnow
from usage_tracker.domain.money import format_usd
from usage_tracker.services.governance.keys_inventory import refresh_key_inventory
from usage_tracker.services.members.project_memberships import (
    MemberFilters,
    MemberRow,
    member_rows,
)
from usage_tracker.services.members.roster import (
    plan_remove,
    plan_set_role,
    refresh_access,
    remove_member,
    set_role,
)

app = typer.Typer(
    help="Organization members: roles, projects, keys; change a role, remove a member.",
    no_args_is_help=True,
)


CACHED = typer.Option(False, "--cached", help="Use the stored list; do not call the API.")
DRY_RUN = typer.Option(False, "--dry-run", help="Show the preview; change nothing.")
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


@app.command("list")
def list_command(
    search: str = typer.Option(
        "", "--search", "-q", help="Only members whose id, name or e-mail contains this."
    ),
    role: str = typer.Option("", "--role", help="Only members with this role (owner or reader)."),
    project: str = typer.Option("", "--project", help="Only members of this project (id)."),
    stale_keys: bool = typer.Option(False, "--stale-keys", help="Only members who own stale keys."),
    inactive_days: int | None = typer.Option(
        None, "--inactive-days", min=1, help="Only members with no activity in this many days."
    ),
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Every member (all pages): role, added date, projects with their roles, keys, 30-day spend.

    CSV: one row per member, projects as "name (role)" and keys as ids, separated by "; "."""
    now = utcnow()
    with org_session(org) as (session, o):
        if not cached:
            client = client_for(session, o)
            api(lambda: refresh_access(session, client, o.id))
            api(lambda: refresh_key_inventory(session, client, o.id))
        filters = MemberFilters(search, role, project, stale_keys, inactive_days)
        r, rows = member_rows(session, o, filters, now=now)

    def table() -> None:
        when = f" (read {r.fetched_at:%Y-%m-%d %H:%M} UTC)" if r.fetched_at else ""
        t = FitTable(f"Members of {o.slug}{when}")
        for column in ("Id", "Name", "E-mail", "Role"):
            t.add_column(column)
        t.add_column("Added", drop=1)
        t.add_column("Projects")
        t.add_column("Keys", justify="right", drop=2)
        t.add_money_column("Spend 30d")
        for m in rows:
            projects = ", ".join(f"{p['name'] or p['id']} ({p['role']})" for p in m.projects)
            keys = f"{len(m.keys)}" + (f" ({len(m.stale_keys)} stale)" if m.stale_keys else "")
            spend = format_usd(m.spend_30d_nanos) if m.spend_30d_nanos is not None else "—"
            t.add_row(
                m.id, m.name or "", m.email or "", m.role or "", (m.added_at or "")[:10],
                projects, keys, spend,
            )  # fmt: skip
        console.print(t)
        console.print(f"{len(rows)} member(s).", highlight=False)

    data = [row.to_json() for row in rows]
    emit(fmt, data, rows=[_flat_member(d) for d in data], table=table, columns=MEMBER_COLUMNS)


MEMBER_COLUMNS = [f.name for f in fields(MemberRow) if f.name != "spend_30d_nanos"] + [
    "spend_30d_usd"
]


def _flat_member(row: dict[str, Any]) -> dict[str, Any]:
    projects = [f"{p['name'] or p['id']} ({p['role']})" for p in row["projects"]]
    return row | {"projects": projects}


@app.command("set-role")
def set_role_command(
    user_id: str = typer.Argument(..., help="Member id (user-…)."),
    role: str = typer.Argument(..., help="owner or reader."),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    cached: bool = CACHED,
    org: str | None = ORG,
) -> None:
    """Change a member's organization role (owner or reader), after a preview."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        if not cached:
            api(lambda: refresh_access(session, client, o.id))
        plan = api(lambda: plan_set_role(session, o.id, user_id, role))
        who = plan.member.get("email") or plan.member.get("name") or user_id
        console.print(f"{who}: {plan.member.get('role')} → {role}", highlight=False)
        if not plan.changes:
            console.print("Nothing to change.")
            return
        if dry_run:
            console.print("Dry run: nothing changed.")
            return
        if not yes and not typer.confirm(f"Make {who} {role}?", default=False, err=True):
            raise fail("nothing changed")
        api(lambda: set_role(session, client, o.id, user_id, role, actor=actor()))
        console.print(f"{who} is now {role}.", highlight=False)


@app.command("remove")
def remove_command(
    user_id: str = typer.Argument(..., help="Member id (user-…)."),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Remove a member from the organization: preview the projects they leave and the keys they
    own (which keep working until revoked), then confirm.

    JSON and CSV: the preview tables go to stderr; CSV has a row per project left and per key."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        if not cached:
            api(lambda: refresh_access(session, client, o.id))
            api(lambda: refresh_key_inventory(session, client, o.id))
        plan = api(lambda: plan_remove(session, o.id, user_id))
        out = out_console(fmt)
        out.print(plan.confirmation, highlight=False)
        table = Table(title="Projects they leave", title_justify="left", header_style="bold")
        for column in ("Project", "Id", "Role"):
            table.add_column(column)
        for p in plan.projects:
            table.add_row(p["name"] or "", p["id"], p["role"] or "")
        out.print(table)
        keys = Table(title="API keys they own", title_justify="left", header_style="bold")
        for column in ("Id", "Name", "Key", "Project", "Last used"):
            keys.add_column(column)
        for k in plan.keys:
            used = (k.last_used_at or "never")[:10]
            keys.add_row(k.id, k.name or "", k.redacted_value, k.project_name or k.project_id, used)
        out.print(keys)
        preview = {
            "member": plan.member,
            "projects": plan.projects,
            "keys": [k.id for k in plan.keys],
        }
        rows = [{"member_id": user_id, "item": "project", "id": p["id"], "name": p["name"],
                 "role": p["role"]} for p in plan.projects]  # fmt: skip
        rows += [{"member_id": user_id, "item": "api_key", "id": k.id, "name": k.name,
                  "project_id": k.project_id, "last_used_at": k.last_used_at}
                 for k in plan.keys]  # fmt: skip
        columns = ("member_id", "item", "id", "name", "role", "project_id", "last_used_at")
        if dry_run:
            if fmt is Format.table:
                console.print("Dry run: nothing changed.")
            else:
                print_data(fmt, {"dry_run": True, **preview}, rows, columns)
            return
        if not yes and not typer.confirm(plan.confirmation, default=False, err=True):
            raise fail("nothing removed")
        api(lambda: remove_member(session, client, o.id, user_id, actor=actor()))
        if fmt is Format.table:
            console.print(f"Removed {user_id}. Revoke their keys with `usage-tracker keys revoke`.")
        else:
            print_data(fmt, {"removed": True, **preview}, rows, columns)
