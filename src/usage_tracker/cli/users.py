"""`usage-tracker users`: dashboard accounts (viewer or admin)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from usage_tracker.cli.context import console, fail, get_context
from usage_tracker.cli.render import FORMAT, JSON_FLAG, Format, chosen, emit
from usage_tracker.db.engine import transaction
from usage_tracker.services.accounts.accounts import (
    ROLES,
    AccountError,
    create_account,
    list_accounts,
    reset_password,
    set_disabled,
)

app = typer.Typer(help="Dashboard accounts: create, list, disable, reset passwords.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Sign-in name (no spaces)."),
    role: str = typer.Option("viewer", "--role", help="viewer (read) or admin (everything)."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Create an account; the password is prompted for (or read with --password-stdin)."""
    if role not in ROLES:
        raise fail(f"--role must be one of {', '.join(ROLES)}")
    password = _password(password_stdin)
    try:
        with transaction(get_context().session_factory) as session:
            create_account(session, name, password, role)
    except AccountError as exc:
        raise fail(str(exc)) from exc
    console.print(f"Created {role} [bold]{name}[/].", highlight=False)


@app.command("list")
def list_command(
    fmt: Format = FORMAT,
    as_json: bool = JSON_FLAG,
) -> None:
    """List accounts with role, state and last sign-in."""
    with get_context().session_factory() as session:
        accounts = list_accounts(session)
    rows = [
        {
            "name": a.name,
            "role": a.role,
            "disabled": a.disabled,
            "created_at": a.created_at.isoformat(),
            "last_login_at": a.last_login_at.isoformat() if a.last_login_at else None,
        }
        for a in accounts
    ]

    def table() -> None:
        t = Table("name", "role", "state", "last sign-in (UTC)")
        for a in accounts:
            last = a.last_login_at.strftime("%Y-%m-%d %H:%M") if a.last_login_at else "never"
            t.add_row(a.name, a.role, "disabled" if a.disabled else "active", last)
        console.print(t)

    emit(chosen(fmt, as_json), rows, table=table,
         columns=("name", "role", "disabled", "created_at", "last_login_at"))  # fmt: skip


@app.command("disable")
def disable(name: str = typer.Argument(..., help="Account to disable.")) -> None:
    """Disable an account and end its sessions."""
    try:
        with transaction(get_context().session_factory) as session:
            set_disabled(session, name, True)
    except AccountError as exc:
        raise fail(str(exc)) from exc
    console.print(f"Disabled [bold]{name}[/]; its sessions have ended.", highlight=False)


@app.command("enable")
def enable(name: str = typer.Argument(..., help="Account to enable again.")) -> None:
    """Enable a disabled account."""
    try:
        with transaction(get_context().session_factory) as session:
            set_disabled(session, name, False)
    except AccountError as exc:
        raise fail(str(exc)) from exc
    console.print(f"Enabled [bold]{name}[/].", highlight=False)


@app.command("reset-password")
def reset(
    name: str = typer.Argument(..., help="Account whose password to set."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Set a new password and end the account's sessions."""
    password = _password(password_stdin)
    try:
        with transaction(get_context().session_factory) as session:
            reset_password(session, name, password)
    except AccountError as exc:
        raise fail(str(exc)) from exc
    console.print(f"New password set for [bold]{name}[/]; old sessions ended.", highlight=False)
