"""Entry point of the `usage-tracker` command.

Command groups are imported when used (`cli/lazy.py`): `--help`, `--version` and a report
start without loading the web app, the OpenAI client or the governance services.
"""

from __future__ import annotations

import typer

from usage_tracker import __version__
from usage_tracker.cli.context import reset_context
from usage_tracker.cli.demo import demo_command
from usage_tracker.cli.imports import import_command
from usage_tracker.cli.info import info_command
from usage_tracker.cli.lazy import LazyGroup, lazy
from usage_tracker.cli.serve import serve_command
from usage_tracker.cli.sync import sync_command

ROOT = "usage-tracker"
# name → (module, its Typer app's help), in the order `--help` lists them
GROUPS: dict[str, tuple[str, str]] = {
    "db": ("db", "Database schema."),
    "report": ("report", "Reports: cost, requests and tokens over a date range."),
    "export": ("export", "Exports for other tools: the bill in FOCUS (FinOps) format."),
    "orgs": ("orgs", "Organizations and their admin keys."),
    "prices": ("prices", "Unit prices for estimated cost."),
    "users": ("users", "Dashboard accounts: create, list, disable, reset passwords."),
    "tokens": ("tokens", "Read-only API tokens (Authorization: Bearer) for /api/v1."),
    "ratelimits": ("ratelimits", "Rate limits: see, edit, template, disable and restore."),
    "keys": ("keys", "API keys: inventory, hygiene flags, revocation."),
    "audit": ("audit", "The audit log: who changed what, when, and the outcome."),
    "budgets": ("budgets", "Budgets per organization, project, user, key or team."),
    "channels": ("channels", "Alert channels: e-mail, Slack and generic webhooks."),
    "teams": ("teams", "Teams: projects, users and keys grouped for chargeback."),
    "members": (
        "members",
        "Organization members: roles, projects, keys; change a role, remove a member.",
    ),
    "invites": ("invites", "Invites to the organization: list, create, revoke."),
    "projects": ("projects", "OpenAI projects: memberships and service accounts."),
}
for _name, (_module, _help) in GROUPS.items():
    lazy(ROOT, _name, f"usage_tracker.cli.{_module}", "app", _help)

app = typer.Typer(
    name=ROOT,
    cls=LazyGroup,
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
app.command("sync")(sync_command)
