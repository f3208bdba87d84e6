"""`usage-tracker tokens`: read-only API tokens for `/api/v1`."""

from __future__ import annotations

import typer
from rich.table import Table

from usage_tracker.cli.context import console, err_console, fail, get_context
from usage_tracker.db.engine import transaction
from usage_tracker.services.accounts.api_tokens import (
    TokenError,
    create_token,
    list_tokens,
    revoke_token,
)

app = typer.Typer(help="Read-only API tokens (Authorization: Bearer) for /api/v1.")


@app.command("create")
def create(name: str = typer.Argument(..., help="What the token is for.")) -> None:
    """Create a token and print it once (only its hash is stored)."""
    try:
        with transaction(get_context().session_factory) as session:
            _, plain = create_token(session, name)
    except TokenError as exc:
        raise fail(str(exc)) from exc
    err_console.print("Token created; copy it now, it is not shown again:", highlight=False)
    typer.echo(plain)


@app.command("list")
def list_command() -> None:
    """List tokens (names and prefixes, never the tokens)."""
    with get_context().session_factory() as session:
        tokens = list_tokens(session)
    table = Table("name", "prefix", "created (UTC)", "last used (UTC)", "state")
    for t in tokens:
        last = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
        state = "revoked" if t.revoked_at else "active"
        table.add_row(t.name, t.prefix + "…", t.created_at.strftime("%Y-%m-%d %H:%M"), last, state)
    console.print(table)


@app.command("revoke")
def revoke(name: str = typer.Argument(..., help="Token to revoke.")) -> None:
    """Revoke a token; requests with it fail from now on."""
    try:
        with transaction(get_context().session_factory) as session:
            revoke_token(session, name)
    except TokenError as exc:
        raise fail(str(exc)) from exc
    console.print(f"Revoked [bold]{name}[/].", highlight=False)
