"""`usage-tracker orgs ...`: organizations and their admin keys (stored encrypted)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from usage_tracker.cli.context import console, fail, get_context
from usage_tracker.services.orgs.connections import check_connection
from usage_tracker.services.orgs.credentials import (
    CredentialError,
    add_organization,
    connection_for,
    list_connections,
    remove_credential,
)
from usage_tracker.services.orgs.organizations import UnknownOrganization, get_organization

app = typer.Typer(help="Organizations and their admin keys.", no_args_is_help=True)


def _read_key(key_stdin: bool) -> str:
    if key_stdin:
        return sys.stdin.readline().strip()
    return str(typer.prompt("Admin key (sk-admin-…, not echoed)", hide_input=True)).strip()


@app.command("add")
def add_command(
    slug: str = typer.Argument(..., help="Short name for the organization, e.g. acme."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Admin API root for this organization (default OPENAI_BASE_URL)."
    ),
    key_stdin: bool = typer.Option(
        False, "--key-stdin", help="Read the admin key from standard input instead of a prompt."
    ),
) -> None:
    """Add an organization (or replace its key); the key is stored encrypted, never shown."""
    ctx = get_context()
    key = _read_key(key_stdin)
    try:
        with ctx.session_factory.begin() as session:
            org = add_organization(session, ctx.settings, slug, key, name=name, base_url=base_url)
            slug, hint = org.slug, connection_for(session, ctx.settings, org.slug).key_hint
    except (CredentialError, ValueError) as exc:
        raise fail(str(exc)) from exc
    console.print(f"Organization [bold]{slug}[/] saved with admin key {hint}.", highlight=False)
    console.print(f"Check it with `usage-tracker orgs test {slug}`, then `usage-tracker sync`.")


@app.command("list")
def list_command() -> None:
    """Organizations, how each is connected (redacted key, base URL) — keys are never shown."""
    ctx = get_context()
    with ctx.session_factory() as session:
        rows = list_connections(session, ctx.settings)
    table = Table(title="Organizations", title_justify="left", header_style="bold")
    for column in ("Organization", "Name", "Admin key", "Key from", "Base URL"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.slug,
            r.name,
            r.key_hint or "—",
            r.source or "none (files only)",
            r.base_url or ("SDK default" if r.source else ""),
        )
    console.print(table)


@app.command("remove")
def remove_command(
    slug: str = typer.Argument(..., help="The organization."),
    delete_data: bool = typer.Option(
        False, "--delete-data", help="Also delete the organization and all of its data."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Forget an organization's stored admin key (its data stays unless --delete-data)."""
    ctx = get_context()
    if delete_data and not yes:
        typer.confirm(
            f"Delete organization {slug!r} and ALL of its cost and usage data?", abort=True
        )
    try:
        with ctx.session_factory.begin() as session:
            removed = remove_credential(session, slug)
            if delete_data:
                session.delete(get_organization(session, slug))
    except UnknownOrganization as exc:
        raise fail(str(exc)) from exc
    if delete_data:
        console.print(f"Organization {slug} and its data deleted.")
    elif removed:
        console.print(f"Stored admin key of {slug} removed; its data is kept.")
    else:
        console.print(f"{slug} had no stored admin key; nothing changed.")


_MARKS = {
    "ok": "[green]ok[/]",
    "failed": "[red]FAILED[/]",
    "warning": "[yellow]warning[/]",
    "off": "[dim]off[/]",
}
_NOTES = {"warning": "not available (optional, see above)", "off": "not checked (turned off)"}


@app.command("test")
def test_command(slug: str | None = typer.Argument(None, help="Default: the default org.")) -> None:
    """Check the admin key: one cheap call per area (usage, costs, management, audit logs)."""
    ctx = get_context()
    slug = slug or ctx.settings.default_org
    try:
        with ctx.session_factory() as session:
            conn = connection_for(session, ctx.settings, slug)
    except CredentialError as exc:
        raise fail(str(exc)) from exc
    console.print(f"Testing {slug} with admin key {conn.key_hint}…", highlight=False)
    results = check_connection(conn, ctx.settings)
    for r in results:
        console.print(f"  {r.family:<11} {r.endpoint:<38} {_MARKS[r.outcome]}", highlight=False)
        if not r.ok:
            console.print(f"      {r.message}", highlight=False, soft_wrap=True)
        if r.hint and not r.ok:
            console.print(f"      ({r.hint})", highlight=False, soft_wrap=True)
    missing = sorted({r.missing_scope for r in results if r.failed and r.missing_scope})
    if missing:
        raise fail(f"the admin key lacks: {', '.join(missing)}")
    if any(r.failed for r in results):
        raise fail("the admin key could not be checked; see above")
    notes = "".join(f"; {r.family}: {_NOTES[r.outcome]}" for r in results if not r.ok)
    console.print(f"The admin key has every permission the tracker needs{notes}.", highlight=False)


@app.command("rekey")
def rekey_command(
    new_secret_stdin: bool = typer.Option(
        False,
        "--new-secret-stdin",
        help="Derive the new key from a new USAGE_TRACKER_SECRET_KEY value read from stdin.",
    ),
    forget_unreadable: bool = typer.Option(
        False,
        "--forget-unreadable",
        help="Drop secrets the current key cannot read (admin keys are then added again).",
    ),
) -> None:
    """Re-encrypt every stored secret (admin keys, channel URLs and secrets) under a new key."""
    from usage_tracker.services.orgs.rekey import discard_pending, install_key_file, rekey
    from usage_tracker.services.orgs.secret_key import SecretKeyError

    ctx = get_context()
    secret = sys.stdin.readline().strip() if new_secret_stdin else None
    if new_secret_stdin and not secret:
        raise fail("the new secret is empty; give it on the first line of standard input")
    result = None
    try:
        with ctx.session_factory.begin() as session:
            result = rekey(
                session, ctx.settings, new_secret=secret, forget_unreadable=forget_unreadable
            )
    except SecretKeyError as exc:
        if result is not None:
            discard_pending(result)
        raise fail(str(exc)) from exc
    installed = install_key_file(ctx.settings, result)
    console.print(f"Re-encrypted {result.resealed} stored secret(s).", highlight=False)
    for what in result.forgotten:
        console.print(f"Dropped {what} (it could not be read).", highlight=False)
    if result.disabled_channels:
        ids = ", ".join(str(i) for i in result.disabled_channels)
        console.print(f"Disabled channel(s) {ids}: add them again with `channels add`.")
    if installed is not None:
        console.print(f"New key file: {installed} (the old one is kept as {installed}.old).")
    else:
        console.print("Now set USAGE_TRACKER_SECRET_KEY to the new value everywhere it runs.")
