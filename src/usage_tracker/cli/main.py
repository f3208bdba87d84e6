"""Entry point of the `usage-tracker` command."""

from __future__ import annotations

import typer

import usage_tracker.cli.audit as audit_cli
import usage_tracker.cli.budgets as budgets_cli
import usage_tracker.cli.channels as channels_cli
import usage_tracker.cli.invites as invites_cli
import usage_tracker.cli.keys as keys_cli
import usage_tracker.cli.members as members_cli
import usage_tracker.cli.projects as projects_cli
import usage_tracker.cli.ratelimits as ratelimits_cli
import usage_tracker.cli.teams as teams_cli
from usage_tracker import __version__
from usage_tracker.cli import db, orgs, prices, report, sync, tokens, users
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
app.add_typer(orgs.app, name="orgs")
app.add_typer(prices.app, name="prices")
app.command("sync")(sync.sync_command)
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(ratelimits_cli.app, name="ratelimits")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(budgets_cli.app, name="budgets")
app.add_typer(channels_cli.app, name="channels")
app.add_typer(teams_cli.app, name="teams")
report.app.command("teams")(teams_cli.report_teams_command)
app.add_typer(members_cli.app, name="members")
app.add_typer(invites_cli.app, name="invites")
app.add_typer(projects_cli.app, name="projects")
