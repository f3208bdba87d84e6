"""`usage-tracker projects ...`: project memberships (add, change role, remove — across several
projects at once, with a preview) and service accounts (list, create, delete)."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from usage_tracker.cli.context import console, fail
from usage_tracker.cli.governance_common import ORG, actor, api, client_for, org_session
from usage_tracker.cli.render import FORMAT, Format, emit, out_console, print_data
from usage_tracker.db.models import Organization
from usage_tracker.services.members.project_memberships import (
    ADD,
    REMOVE,
    SET_ROLE,
    apply_memberships,
    plan_memberships,
    project_members,
)
from usage_tracker.services.members.roster import refresh_access
from usage_tracker.services.members.service_accounts import (
    account_json,
    create_account,
    delete_account,
    list_accounts,
)

app = typer.Typer(help="OpenAI projects: memberships and service accounts.", no_args_is_help=True)
members_app = typer.Typer(help="Who is in a project, with which role.", no_args_is_help=True)
accounts_app = typer.Typer(help="A project's service accounts.", no_args_is_help=True)
app.add_typer(members_app, name="members")
app.add_typer(accounts_app, name="service-accounts")


PROJECTS = typer.Argument(..., help="Project id; several separated by commas.")
DRY_RUN = typer.Option(False, "--dry-run", help="Show the preview; change nothing.")
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
CACHED = typer.Option(False, "--cached", help="Use the stored memberships; do not re-read them.")


@members_app.command("list")
def members_list(
    project_id: str = typer.Argument(..., help="Project id."),
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """A project's members with their project role."""
    with org_session(org) as (session, o):
        if not cached:
            client = client_for(session, o)
            api(lambda: refresh_access(session, client, o.id))
        rows = api(lambda: project_members(session, o.id, project_id))

    def table() -> None:
        t = Table(title=f"Members of {project_id}", title_justify="left", header_style="bold")
        for column in ("Id", "Name", "E-mail", "Role", "Added"):
            t.add_column(column)
        for m in rows:
            added = (m["added_at"] or "")[:10]
            t.add_row(m["id"], m["name"] or "", m["email"] or "", m["role"] or "", added)
        console.print(t)

    emit(fmt, rows, table=table, columns=("id", "name", "email", "role", "added_at"))


def _change(
    session: Session,
    o: Organization,
    action: str,
    projects: str,
    users: list[str],
    role: str | None,
    *,
    dry_run: bool,
    yes: bool,
    cached: bool,
    fmt: Format,
) -> None:
    client = client_for(session, o)
    if not cached:
        api(lambda: refresh_access(session, client, o.id))
    pids = [p.strip() for p in projects.split(",") if p.strip()]
    plan = api(lambda: plan_memberships(session, o.id, action, users, pids, role))
    table = Table(title="Project memberships", title_justify="left", header_style="bold")
    for column in ("Project", "Member", "Current", "New", "Note"):
        table.add_column(column)
    for i in plan.items:
        new = "—" if i.skip else (i.after or "removed")
        table.add_row(
            i.project_name or i.project_id, i.user_label, i.before or "—", new, i.skip or ""
        )
    out_console(fmt).print(table)
    if dry_run or not plan.todo:
        if fmt is Format.table:
            console.print("Dry run: nothing changed." if dry_run else "Nothing to change.")
            return
        preview = [{"project_id": i.project_id, "project_name": i.project_name,
                    "user_id": i.user_id, "member": i.user_label, "before": i.before,
                    "after": None if i.skip else (i.after or "removed"), "skipped": i.skip or None}
                   for i in plan.items]  # fmt: skip
        print_data(fmt, {"dry_run": dry_run, "changes": len(plan.todo)}, preview, PREVIEW)
        return
    if not yes and not typer.confirm(plan.confirmation, default=False, err=True):
        raise fail("nothing changed")
    result = apply_memberships(session, client, o.id, plan, actor=actor())
    rows = [
        {
            "project_id": r.item.project_id,
            "user_id": r.item.user_id,
            "status": r.status,
            "before": r.item.before,
            "after": r.item.after,
            "request_id": r.request_id,
            "error": r.error,
        }
        for r in result.results
    ]
    if fmt is not Format.table:
        print_data(fmt, rows)
    else:
        for row in rows:
            note = f": {row['error']}" if row["error"] else ""
            console.print(
                f"  {row['status']} {row['project_id']} {row['user_id']}{note}", highlight=False
            )
    if result.failed:
        raise typer.Exit(1)


PREVIEW = ("project_id", "project_name", "user_id", "member", "before", "after", "skipped")


@members_app.command("add")
def members_add(
    project_ids: str = PROJECTS,
    user_ids: list[str] = typer.Argument(..., help="Member ids (user-…)."),
    role: str = typer.Option("member", "--role", help="Project role: member or owner."),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Add members to projects with a role (preview, then confirm)."""
    with org_session(org) as (session, o):
        _change(session, o, ADD, project_ids, user_ids, role,
                dry_run=dry_run, yes=yes, cached=cached, fmt=fmt)  # fmt: skip


@members_app.command("set-role")
def members_set_role(
    project_ids: str = PROJECTS,
    user_id: str = typer.Argument(..., help="Member id (user-…)."),
    role: str = typer.Argument(..., help="Project role: member or owner."),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Change a member's role in projects (preview, then confirm)."""
    with org_session(org) as (session, o):
        _change(session, o, SET_ROLE, project_ids, [user_id], role,
                dry_run=dry_run, yes=yes, cached=cached, fmt=fmt)  # fmt: skip


@members_app.command("remove")
def members_remove(
    project_ids: str = PROJECTS,
    user_ids: list[str] = typer.Argument(..., help="Member ids (user-…)."),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Remove members from projects (they stay in the organization); preview, then confirm."""
    with org_session(org) as (session, o):
        _change(session, o, REMOVE, project_ids, user_ids, None,
                dry_run=dry_run, yes=yes, cached=cached, fmt=fmt)  # fmt: skip


@accounts_app.command("list")
def accounts_list(
    project_id: str = typer.Argument(..., help="Project id."),
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """A project's service accounts (read from the Admin API)."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        rows = [account_json(a) for a in api(lambda: list_accounts(client, project_id))]

    def table() -> None:
        t = Table(
            title=f"Service accounts of {project_id}", title_justify="left", header_style="bold"
        )
        for column in ("Id", "Name", "Role", "Created"):
            t.add_column(column)
        for a in rows:
            t.add_row(a["id"] or "", a["name"] or "", a["role"] or "", (a["created_at"] or "")[:10])
        console.print(t)

    emit(fmt, rows, table=table, columns=("id", "project_id", "name", "role", "created_at"))


@accounts_app.command("create")
def accounts_create(
    project_id: str = typer.Argument(..., help="Project id."),
    name: str = typer.Argument(..., help="Name of the service account."),
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Create a service account and print its new API key — once; the tracker never stores it."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        created, request_id = api(
            lambda: create_account(session, client, o.id, project_id, name, actor=actor())
        )
    out = account_json(created.account) | {"api_key_id": created.key_id, "request_id": request_id}
    if fmt is not Format.table:
        data = out | {"api_key": created.key_value}
        print_data(fmt, data, [data])
        return
    console.print(f"Created service account {created.account.id} ({created.account.name}).")
    if created.key_value:
        console.print("Its API key, shown only this once — store it now:")
        typer.echo(created.key_value)


@accounts_app.command("delete")
def accounts_delete(
    project_id: str = typer.Argument(..., help="Project id."),
    account_id: str = typer.Argument(..., help="Service account id."),
    yes: bool = YES,
    org: str | None = ORG,
) -> None:
    """Delete a service account; its keys stop working."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        question = f"Delete service account {account_id} of {project_id}? Its keys stop working."
        if not yes and not typer.confirm(question, default=False, err=True):
            raise fail("nothing deleted")
        api(lambda: delete_account(session, client, o.id, project_id, account_id, actor=actor()))
    console.print(f"Deleted service account {account_id}.")
