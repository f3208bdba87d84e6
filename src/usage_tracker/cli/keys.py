"""`usage-tracker keys ...`: the API-key inventory with hygiene flags, and revocation."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import typer
from rich.table import Table

from usage_tracker.cli.context import console, fail
from usage_tracker.cli.governance_common import (
    ORG,
    actor,
    api,
    client_for,
    emit_operation,
    exit_for,
    org_session,
)
from usage_tracker.cli.render import FORMAT, Format, emit, out_console, print_data
from usage_tracker.cli.tables import FitTable
from usage_tracker.db.base import utcnow
from usage_tracker.domain.money import format_usd
from usage_tracker.services.governance.key_revocation import plan_revoke, revoke_keys
from usage_tracker.services.governance.keys_inventory import (
    DEFAULT_STALE_DAYS,
    FLAGS,
    KeyRow,
    filter_keys,
    key_inventory,
    key_json,
    refresh_key_inventory,
)

app = typer.Typer(help="API keys: inventory, hygiene flags, revocation.", no_args_is_help=True)


CACHED = typer.Option(False, "--cached", help="Use the stored inventory; do not call the API.")


def _day(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d") if value else "never"


@app.command("list")
def list_command(
    stale_days: int = typer.Option(
        DEFAULT_STALE_DAYS, "--stale-days", min=0, help="Flag keys unused for this many days."
    ),
    flag: str | None = typer.Option(
        None, "--flag", help=f"Only keys with this flag: {', '.join(FLAGS)}."
    ),
    admin: bool = typer.Option(False, "--admin", help="List the admin API keys instead."),
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Every project's API keys: owner, created, last used, 30-day cost and hygiene flags."""
    now = utcnow()
    with org_session(org) as (session, o):
        if not cached:
            client = client_for(session, o)
            api(lambda: refresh_key_inventory(session, client, o.id))
        inventory = key_inventory(session, o.id, now=now)
    if admin:

        def admin_table() -> None:
            t = Table(
                title=f"Admin API keys of {o.slug}", title_justify="left", header_style="bold"
            )
            for column in ("Id", "Name", "Key", "Owner", "Created", "Last used"):
                t.add_column(column)
            for a in inventory.admin_keys:
                t.add_row(
                    a["id"], a["name"] or "", a["redacted_value"], a["owner_name"] or "",
                    _day(a["created_at"]), _day(a["last_used_at"]),
                )  # fmt: skip
            console.print(t)

        emit(fmt, inventory.admin_keys, table=admin_table)
        return
    keys = api(lambda: filter_keys(inventory.keys, flag, now, stale_days))

    def table() -> None:
        when = f" (read {inventory.fetched_at:%Y-%m-%d %H:%M} UTC)" if inventory.fetched_at else ""
        t = FitTable(f"API keys of {o.slug}{when}")
        t.add_column("Id")
        t.add_column("Name")
        t.add_column("Key", drop=1)
        t.add_column("Project")
        t.add_column("Owner")
        t.add_column("Created", drop=2)
        t.add_column("Last used", drop=3)
        t.add_money_column("Cost 30d")
        t.add_column("Flags")
        for k in keys:
            owner = f"{k.owner_name or k.owner_id or '?'} ({k.owner_type})"
            cost = format_usd(k.cost_30d_nanos) if k.cost_30d_nanos is not None else "—"
            t.add_row(
                k.id, k.name or "", k.redacted_value, k.project_name or k.project_id, owner,
                _day(k.created_at), _day(k.last_used_at), cost, ", ".join(k.flags(now, stale_days)),
            )  # fmt: skip
        console.print(t)

    emit(fmt, [key_json(k, now, stale_days) for k in keys], table=table, columns=KEY_COLUMNS)


KEY_COLUMNS = [f.name for f in fields(KeyRow) if f.name != "cost_30d_nanos"] + [
    "cost_30d_usd",
    "flags",
]


REVOKE_COLUMNS = ("id", "name", "redacted_value", "project_id", "project_name", "owner",
                  "last_used_at")  # fmt: skip


@app.command("revoke")
def revoke_command(
    ids: list[str] = typer.Argument(..., help="API key ids (see `keys list`)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be revoked; revoke nothing."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    cached: bool = CACHED,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Revoke project API keys: a preview of exactly what goes, a confirmation naming the count.

    JSON and CSV: the preview goes to stderr; stdout holds the keys of a dry run (CSV: one row
    each) or the operation's outcome (CSV: one row per key)."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        if not cached:
            api(lambda: refresh_key_inventory(session, client, o.id))
        plan = api(lambda: plan_revoke(session, o.id, ids))
        table = Table(title="Keys to revoke", title_justify="left", header_style="bold")
        for column in ("Id", "Name", "Key", "Project", "Owner", "Last used"):
            table.add_column(column)
        for k in plan.keys:
            owner = k.owner_email or k.owner_name or k.owner_id or "?"
            table.add_row(
                k.id,
                k.name or "",
                k.redacted_value,
                k.project_name or k.project_id,
                owner,
                _day(k.last_used_at),
            )
        out_console(fmt).print(table)
        if dry_run:
            if fmt is Format.table:
                console.print(
                    f"Dry run: {len(plan.keys)} key(s) would be revoked; nothing changed."
                )
                return
            rows = [{"id": k.id, "name": k.name, "redacted_value": k.redacted_value,
                     "project_id": k.project_id, "project_name": k.project_name,
                     "owner": k.owner_email or k.owner_name or k.owner_id,
                     "last_used_at": k.last_used_at} for k in plan.keys]  # fmt: skip
            print_data(fmt, {"dry_run": True, "keys": [k.id for k in plan.keys]}, rows,
                       REVOKE_COLUMNS)  # fmt: skip
            return
        if not yes and not typer.confirm(plan.confirmation, default=False, err=True):
            raise fail("nothing revoked")
        result = api(lambda: revoke_keys(session, client, o.id, ids, actor=actor()))
        op = result.operation
        if op is not None:
            emit_operation(fmt, session, op)
    exit_for(op)
