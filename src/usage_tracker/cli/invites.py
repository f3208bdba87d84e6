"""`usage-tracker invites ...`: pending invites to the organization; invite, revoke."""

from __future__ import annotations

from dataclasses import fields

import typer
from rich.table import Table

from usage_tracker.cli.context import console, fail
from usage_tracker.cli.governance_common import ORG, actor, api, client_for, org_session
from usage_tracker.cli.render import FORMAT, Format, emit, print_data
from usage_tracker.services.members.invites import (
    InviteRow,
    create_invite,
    parse_grants,
    refresh_invites,
    revoke_invite,
)

app = typer.Typer(help="Invites to the organization: list, create, revoke.", no_args_is_help=True)


@app.command("list")
def list_command(
    every: bool = typer.Option(False, "--all", help="Also accepted and expired invites."),
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Pending invites (every page) with role, sent and expiry dates."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        rows = api(lambda: refresh_invites(session, client, o.id, pending_only=not every))

    def table() -> None:
        t = Table(title=f"Invites of {o.slug}", title_justify="left", header_style="bold")
        for column in ("Id", "E-mail", "Role", "Status", "Sent", "Expires"):
            t.add_column(column)
        for r in rows:
            t.add_row(
                r.id,
                r.email,
                r.role,
                r.status,
                (r.created_at or "")[:10],
                (r.expires_at or "")[:10],
            )
        console.print(t)

    emit(fmt, [vars(r) for r in rows], table=table, columns=[f.name for f in fields(InviteRow)])


@app.command("create")
def create_command(
    email: str = typer.Argument(..., help="Whom to invite."),
    role: str = typer.Option(..., "--role", help="Organization role: owner or reader."),
    project: list[str] = typer.Option(
        [], "--project", help="PROJECT_ID:ROLE (member or owner) to join on acceptance; repeat."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the invite; send nothing."),
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Invite someone by e-mail with an organization role (and projects)."""
    grants = api(lambda: parse_grants(project))
    where = ", ".join(f"{p} ({r})" for p, r in grants) or "no projects given (OpenAI's default)"
    if dry_run:
        if fmt != Format.table:
            data = {"dry_run": True, "email": email, "role": role,
                    "projects": [{"project_id": p, "role": r} for p, r in grants]}  # fmt: skip
            rows = [{"email": email, "role": role, "project_id": p, "project_role": r}
                    for p, r in grants] or [{"email": email, "role": role}]  # fmt: skip
            print_data(fmt, data, rows, ("email", "role", "project_id", "project_role"))
            return
        console.print(f"Dry run: would invite {email} as {role}; projects: {where}.")
        return
    with org_session(org) as (session, o):
        client = client_for(session, o)
        row, request_id = api(
            lambda: create_invite(session, client, o.id, email, role, grants, actor=actor())
        )
    if fmt != Format.table:
        data = vars(row) | {"request_id": request_id}
        print_data(fmt, data, [data])
        return
    console.print(f"Invited {row.email} as {row.role} (invite {row.id}); projects: {where}.")


@app.command("revoke")
def revoke_command(
    invite_id: str = typer.Argument(..., help="Invite id (see `invites list`)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    org: str | None = ORG,
) -> None:
    """Revoke a pending invite."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        pending = {r.id: r for r in api(lambda: refresh_invites(session, client, o.id))}
        if invite_id not in pending:
            raise fail(f"no pending invite {invite_id} — see `usage-tracker invites list`")
        who = pending[invite_id].email
        if not yes and not typer.confirm(f"Revoke the invite of {who}?", default=False, err=True):
            raise fail("nothing revoked")
        api(lambda: revoke_invite(session, client, o.id, invite_id, actor=actor()))
    console.print(f"Revoked the invite of {who}.", highlight=False)
