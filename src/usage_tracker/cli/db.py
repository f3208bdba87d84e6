"""`usage-tracker db ...`: schema migrations."""

from __future__ import annotations

import typer

from usage_tracker.cli.context import console, get_context
from usage_tracker.db.migrate import current_revisions, head_revisions, upgrade
from usage_tracker.domain.secrets import mask_url

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Create the database or bring it to the newest schema (safe to run any time)."""
    ctx = get_context()
    before = current_revisions(ctx.engine)
    upgrade(ctx.engine)
    after = current_revisions(ctx.engine)
    url = mask_url(ctx.settings.effective_database_url)
    if before == after:
        console.print(f"Database {url} is up to date ({', '.join(sorted(after))}).")
    else:
        console.print(f"Database {url} upgraded to {', '.join(sorted(after))}.")


@app.command("status")
def status_command() -> None:
    """Show the schema revision of the database and of this version of the tracker."""
    ctx = get_context()
    current = ", ".join(sorted(current_revisions(ctx.engine))) or "empty"
    heads = ", ".join(sorted(head_revisions()))
    console.print(f"database: {current}\nnewest:   {heads}")
