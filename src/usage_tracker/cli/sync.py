"""`usage-tracker sync`: pull costs, usage and metadata from the OpenAI Admin API."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer

from usage_tracker.cli.context import console, err_console, fail, get_context

# The services (SQLAlchemy, the OpenAI client) are imported by the commands that use them, so
# the CLI starts fast.
if TYPE_CHECKING:
    from usage_tracker.services.sync.run import SyncResult


def _status(org: str | None) -> None:
    from rich.table import Table

    from usage_tracker.services.sync.status import lease_holder, sync_cursors, sync_history

    ctx = get_context()
    with ctx.session_factory() as session:
        runs = sync_history(session, org)
        cursors = sync_cursors(session, org) if org else {}
        lease = lease_holder(session, org) if org else None
    if lease is not None:
        console.print(f"Syncing now: {lease.holder} (since {lease.acquired_at:%H:%M:%S} UTC)")
    if not runs:
        console.print("No sync has run yet. Add an organization (`usage-tracker orgs add`) or set "
                      "OPENAI_ADMIN_KEY, then run `usage-tracker sync`.")  # fmt: skip
        return
    table = Table(title="Sync runs", title_justify="left", header_style="bold")
    for column in ("Run", "Org", "Trigger", "Started (UTC)", "Finished", "Status", "Rows"):
        table.add_column(column, justify="right" if column in ("Run", "Rows") else "left")
    table.add_column("Errors", overflow="fold")
    for r in runs:
        errors = "\n".join(f"{k}: {v}" for k, v in r.errors.items())
        if r.status == "failed" and not errors:
            errors = r.message or ""
        table.add_row(str(r.id), r.organization, r.trigger, r.started_at.replace("T", " "),
                      (r.finished_at or "running").replace("T", " "), r.status, f"{r.rows:,}",
                      errors)  # fmt: skip
    console.print(table)
    if runs and org:
        latest = runs[0]
        detail = Table(title=f"Run {latest.id} per stream", title_justify="left")
        for column in ("Stream", "Rows", "Days", "Pulled up to", "Error"):
            detail.add_column(column)
        for name, s in latest.streams.items():
            days = f"{s.get('first_day')} – {s.get('last_day')}" if s.get("first_day") else ""
            until = cursors.get(name)
            detail.add_row(
                name, f"{s.get('rows', 0):,}", days, str(until or ""), s.get("error") or ""
            )
        console.print(detail)


def _check_org(slug: str) -> None:
    """--org names an organization here, or the one OPENAI_ADMIN_KEY is for (synced first)."""
    from usage_tracker.cli.organizations import organization_slugs, unknown_org
    from usage_tracker.services.orgs.credentials import syncable_organizations

    ctx = get_context()
    with ctx.session_factory() as session:
        keyed = syncable_organizations(session, ctx.settings)
        if slug.strip().lower() not in {*organization_slugs(session), *keyed}:
            raise unknown_org(session, slug, keyed)


def _print_result(result: SyncResult) -> None:
    style = "green" if result.ok else "red"
    console.print(f"[{style}]{result.message}[/]", highlight=False, soft_wrap=True)


def sync_command(
    org: str | None = typer.Option(None, "--org", help="Only this organization (default: all)."),
    since: str | None = typer.Option(
        None, "--since", help="Re-pull from this day (YYYY-MM-DD), whatever was pulled before."
    ),
    full: bool = typer.Option(False, "--full", help="Re-pull the whole backfill span."),
    status: bool = typer.Option(False, "--status", help="Show the sync history; sync nothing."),
) -> None:
    """Pull costs, every usage endpoint and organization metadata from the Admin API."""
    from usage_tracker.services.orgs.credentials import syncable_organizations

    ctx = get_context()
    if org is not None:
        _check_org(org)
    if status:
        _status(org)
        return
    start = None
    if since:
        try:
            start = date.fromisoformat(since)
        except ValueError:
            raise fail(f"--since must be a date like 2025-01-31, got {since!r}") from None
    with ctx.session_factory() as session:
        orgs = [org] if org else syncable_organizations(session, ctx.settings)
    if not orgs:
        raise fail("no organization has an admin key: run `usage-tracker orgs add SLUG` or set "
                   "OPENAI_ADMIN_KEY")  # fmt: skip
    failed = False
    for slug in orgs:
        failed = not _sync_one(slug, start, full) or failed
    if failed:
        raise typer.Exit(1)


def _sync_one(slug: str, start: date | None, full: bool) -> bool:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from usage_tracker.services.jobs.sync_then_evaluate import sync_organization
    from usage_tracker.services.orgs.credentials import CredentialError
    from usage_tracker.services.sync.lease import LeaseHeld

    ctx = get_context()
    console.print(f"[bold]Syncing {slug}[/]", highlight=False)
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        console=console,
    ) as bar:

        def progress(stream: str, done: int, total: int) -> None:
            if stream not in tasks:
                tasks[stream] = bar.add_task(stream, total=total)
            bar.update(tasks[stream], completed=done, total=total)

        try:
            result = sync_organization(
                ctx.session_factory, ctx.settings, slug, since=start, full=full,
                trigger="cli", progress=progress,
            )  # fmt: skip
        except (LeaseHeld, CredentialError, ValueError) as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            return False
    _print_result(result)
    for s in result.errors:
        err_console.print(f"[red]{s.name}[/]: {s.error}", highlight=False, soft_wrap=True)
    return result.ok
