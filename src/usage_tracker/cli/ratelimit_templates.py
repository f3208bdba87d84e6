"""`usage-tracker ratelimits templates ...`: named rate limits, in two JSON formats."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from usage_tracker.cli.context import console, err_console, fail
from usage_tracker.cli.governance_common import ORG, actor, api, client_for, org_session
from usage_tracker.cli.render import FORMAT, JSON_FLAG, Format, chosen, emit, print_json
from usage_tracker.services.governance.templates import (
    assign_template,
    assignments,
    delete_template,
    export_template,
    get_template,
    import_template,
    list_templates,
    template_from_project,
)

app = typer.Typer(
    help="Rate-limit templates: create, import, export, assign.", no_args_is_help=True
)


class Style(StrEnum):
    """The two JSON files a template is written as."""

    tracker = "tracker"
    legacy = "legacy"


@app.command("list")
def list_command(fmt: Format = FORMAT, json_out: bool = JSON_FLAG, org: str | None = ORG) -> None:
    """Templates with their models and the projects assigned to each.

    CSV: one row per template × model, with the limits and the projects assigned."""
    with org_session(org) as (session, o):
        templates = list_templates(session, o.id)
        assigned = assignments(session, o.id)
    projects = {t.name: sorted(p for p, a in assigned.items() if a.id == t.id) for t in templates}
    data = [{**export_template(t), "projects": projects[t.name]} for t in templates]
    rows = [
        {"template": t["name"], "description": t["description"], "model": model, **fields,
         "projects": t["projects"]}
        for t in data for model, fields in (t["limits"] or {None: {}}).items()
    ]  # fmt: skip

    def table() -> None:
        out = Table(title="Rate-limit templates", title_justify="left", header_style="bold")
        for column in ("Name", "Models", "Projects", "Description"):
            out.add_column(column)
        for t in templates:
            assigned_to = ", ".join(projects[t.name]) or "—"
            out.add_row(t.name, str(len(t.limits)), assigned_to, t.description or "")
        console.print(out)

    emit(chosen(fmt, json_out), data, rows=rows, table=table)


@app.command("import")
def import_command(
    name: str = typer.Argument(..., help="Template name (replaced when it exists)."),
    file: Path = typer.Argument(..., help="JSON: the tracker's format or the older array format."),
    org: str | None = ORG,
) -> None:
    """Import a template from JSON (either format)."""
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"{file}: cannot read JSON ({exc})") from exc
    with org_session(org) as (session, o):
        template = api(lambda: import_template(session, o.id, name, data, actor=actor()))
        console.print(
            f"Template {template.name}: {len(template.limits)} model(s).", highlight=False
        )


@app.command("export")
def export_command(
    name: str = typer.Argument(..., help="Template name."),
    style: Style = typer.Option(
        Style.tracker, "--style", help="tracker, or legacy (the older array format)."
    ),
    old_style: Style | None = typer.Option(
        None, "--format", "-f", hidden=True, help="Deprecated: the old name of --style."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file instead of stdout."
    ),
    org: str | None = ORG,
) -> None:
    """Print a template as JSON, in the tracker's format or the older array (--style)."""
    if old_style is not None:
        if style is not Style.tracker and style is not old_style:
            raise fail("give --style only (--format is its deprecated old name)")
        err_console.print(
            "note: `templates export --format` is deprecated; use --style tracker|legacy",
            highlight=False,
        )
        style = old_style
    with org_session(org) as (session, o):
        data = export_template(api(lambda: get_template(session, o.id, name)), style.value)
    if output is None:
        print_json(data)
    else:
        output.write_text(json.dumps(data, indent=2) + "\n")


@app.command("create")
def create_command(
    name: str = typer.Argument(..., help="Template name."),
    project: str = typer.Option(..., "--project", help="Copy this project's current limits."),
    org: str | None = ORG,
) -> None:
    """Save a project's current limits (read from the API) as a template."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        template = api(
            lambda: template_from_project(session, client, o.id, name, project, actor=actor())
        )
        console.print(
            f"Template {template.name}: {len(template.limits)} model(s) from {project}.",
            highlight=False,
        )


@app.command("delete")
def delete_command(
    name: str = typer.Argument(..., help="Template name."), org: str | None = ORG
) -> None:
    """Delete a template (its assignments go with it)."""
    with org_session(org) as (session, o):
        api(lambda: delete_template(session, o.id, name, actor=actor()))
    console.print(f"Template {name} deleted.", highlight=False)


@app.command("assign")
def assign_command(
    name: str = typer.Argument(..., help="Template name."),
    projects: list[str] = typer.Option(..., "--project", help="Project id (repeat for more)."),
    org: str | None = ORG,
) -> None:
    """Record that projects should follow a template (see `ratelimits drift`); no API call."""
    with org_session(org) as (session, o):
        api(lambda: assign_template(session, o.id, name, projects, actor=actor()))
    console.print(f"Template {name} assigned to {len(projects)} project(s).", highlight=False)
