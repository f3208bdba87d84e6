"""Entry point of the `usage-tracker` command."""

from __future__ import annotations

import typer

from usage_tracker import __version__
from usage_tracker.cli import db, report, tokens, users
from usage_tracker.cli.context import reset_context
from usage_tracker.cli.demo import demo_command
from usage_tracker.cli.imports import import_command
from usage_tracker.cli.info import info_command
from usage_tracker.cli.serve import serve_command

app = typer.Typer(
    name="usage-tracker",
    help="See, control and govern what your organization spends on the OpenAI API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"usage-tracker {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """See, control and govern what your organization spends on the OpenAI API."""
    reset_context()


app.command("import")(import_command)
app.command("demo")(demo_command)
app.command("info")(info_command)
app.command("serve")(serve_command)
app.add_typer(db.app, name="db")
app.add_typer(report.app, name="report")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
