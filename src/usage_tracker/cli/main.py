"""Entry point of the `usage-tracker` command.

Command groups are imported when used (`cli/lazy.py`): `--help`, `--version` and a report
start without loading the web app, the OpenAI client or the governance services.
"""

from __future__ import annotations

import typer

from usage_tracker import __version__
from usage_tracker.cli.context import reset_context
from usage_tracker.cli.lazy import LazyGroup, lazy

ROOT = "usage-tracker"
# command name → (module, function, its docstring's first line), listed before the groups
COMMANDS: dict[str, tuple[str, str, str]] = {
    "import": (
        "imports",
        "import_command",
        "Import cost, usage and user-info exports. Re-importing a file changes nothing.",
    ),
    "demo": (
        "demo",
        "demo_command",
        'Load a realistic demo organization ("demo"): a year of costs and usage, 36 members.',
    ),
    "info": (
        "info",
        "info_command",
        "Show the version, the database and the effective settings (secrets masked).",
    ),
    "serve": (
        "serve",
        "serve_command",
        "Start the web dashboard (migrates the database to the newest schema first).",
    ),
    "sync": (
        "sync",
        "sync_command",
        "Pull costs, every usage endpoint and organization metadata from the Admin API.",
    ),
}
for _name, (_module, _attr, _help) in COMMANDS.items():
    lazy(ROOT, _name, f"usage_tracker.cli.{_module}", _attr, _help)
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
