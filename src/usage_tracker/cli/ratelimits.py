"""`usage-tracker ratelimits ...`: the matrix, templates, apply, disable, restore, retry."""

from __future__ import annotations

import typer
from rich.table import Table

from usage_tracker.cli.context import console, err_console, fail, get_context
from usage_tracker.cli.governance_common import (
    ORG,
    PLAN_COLUMNS,
    actor,
    api,
    client_for,
    emit_operation,
    exit_for,
    operation_json,
    org_session,
    plan_rows,
    print_operation,
    print_plan,
)
from usage_tracker.cli.ratelimit_templates import app as templates_app
from usage_tracker.cli.render import FORMAT, Format, emit, print_data
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS, parse_rate_limit
from usage_tracker.services.governance import bulk, bulk_operations
from usage_tracker.services.governance.drift import template_drift
from usage_tracker.services.governance.project_disable import disable_project, restore_project
from usage_tracker.services.governance.rate_limits import (
    ActionResult,
    edit_rate_limit,
    matrix_age,
    rate_limit_matrix,
    refresh_rate_limits,
)
from usage_tracker.services.governance.templates import apply_template
from usage_tracker.services.orgs.credentials import CredentialError, connection_for
from usage_tracker.services.views.rate_limits import project_budget_standing

app = typer.Typer(
    help="Rate limits: see, edit, template, disable and restore.", no_args_is_help=True
)

SHORT = {
    "max_requests_per_1_minute": "Req/min",
    "max_tokens_per_1_minute": "Tok/min",
    "max_images_per_1_minute": "Img/min",
    "max_audio_megabytes_per_1_minute": "Audio MB/min",
    "max_requests_per_1_day": "Req/day",
    "batch_1_day_max_input_tokens": "Batch tok/day",
}


app.add_typer(templates_app, name="templates")

DRY_RUN = typer.Option(False, "--dry-run", help="Show what would change; change nothing.")


@app.command("list")
def list_command(
    project: str | None = typer.Option(None, "--project", help="Only this project id."),
    search: str | None = typer.Option(
        None, "--search", help="Only rows whose project or model contains this."
    ),
    cached: bool = typer.Option(
        False, "--cached", help="Show the stored matrix; do not call the API."
    ),
    over_budget: bool = typer.Option(
        False, "--over-budget", help="Only projects whose budget is spent beyond its amount."
    ),
    at_risk: bool = typer.Option(
        False, "--at-risk", help="Only projects whose budget is forecast to run out this period."
    ),
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Every project × model limit, refreshed from the Admin API first (paginated)."""
    if over_budget and at_risk:
        raise typer.BadParameter("choose one of --over-budget and --at-risk")
    ctx = get_context()
    with org_session(org) as (session, o):
        if not cached:
            try:
                connection_for(session, ctx.settings, o.slug)
            except CredentialError as exc:
                err_console.print(f"note: {exc}; showing the stored matrix", highlight=False)
                cached = True
        if not cached:
            client = client_for(session, o)
            api(lambda: refresh_rate_limits(session, client, o.id, [project] if project else None))
        rows = rate_limit_matrix(session, o.id, project_id=project, search=search)
        if over_budget or at_risk:
            standing = project_budget_standing(session, o.id)
            wanted = "over" if over_budget else "at_risk"
            rows = [r for r in rows if standing.get(r.project_id) == wanted]

    def table() -> None:
        age = matrix_age(rows)
        t = Table(
            title=f"Rate limits of {o.slug}" + (f" (read {age:%Y-%m-%d %H:%M} UTC)" if age else ""),
            title_justify="left",
            header_style="bold",
        )
        t.add_column("Project")
        t.add_column("Model")
        fields = [f for f in RATE_LIMIT_FIELDS if any(f in r.limits for r in rows)]
        for name in fields:
            t.add_column(SHORT[name], justify="right")
        for r in rows:
            label = (r.project_name or r.project_id) + (" [disabled]" if r.disabled else "")
            cells = [f"{r.limits[f]:,}" if f in r.limits else "—" for f in fields]
            t.add_row(label, r.model, *cells)
        console.print(t)

    data = [r.to_json() for r in rows]
    emit(fmt, data, table=table, columns=MATRIX_COLUMNS)


MATRIX_COLUMNS = ("project_id", "project_name", "model", "id", *RATE_LIMIT_FIELDS, "fetched_at",
                  "disabled")  # fmt: skip


@app.command("set")
def set_command(
    project: str = typer.Option(..., "--project", help="Project id."),
    model: str = typer.Option(..., "--model", help="Model whose limit to change."),
    values: list[str] = typer.Argument(
        ..., help="FIELD=VALUE, e.g. max_requests_per_1_minute=500."
    ),
    dry_run: bool = DRY_RUN,
    org: str | None = ORG,
) -> None:
    """Change one project × model limit."""
    changes: dict[str, int] = {}
    for value in values:
        name, _, number = value.partition("=")
        if name not in RATE_LIMIT_FIELDS or not number:
            raise fail(
                f"{value!r}: give FIELD=VALUE with FIELD one of {', '.join(RATE_LIMIT_FIELDS)}"
            )
        try:
            changes[name] = parse_rate_limit(name, number)
        except ValueError as exc:
            raise fail(f"{exc}; nothing was sent") from None
    with org_session(org) as (session, o):
        client = client_for(session, o)
        api(lambda: refresh_rate_limits(session, client, o.id, [project]))
        row = next(
            (r for r in rate_limit_matrix(session, o.id, project_id=project) if r.model == model),
            None,
        )
        if row is None:
            raise fail(f"project {project} has no rate limit for model {model}")
        for name, new in changes.items():
            console.print(
                f"{project} {model} {name}: {row.limits.get(name, '—')} → {new}", highlight=False
            )
        if dry_run:
            return
        op = api(
            lambda: edit_rate_limit(session, client, o.id, project, row.id, changes, actor=actor())
        )
        print_operation(session, op)
        exit_for(op)


def _report(result: ActionResult, title: str, fmt: Format, dry_run: bool) -> None:
    """The plan and, after the calls, each item's outcome. CSV: one row per project × model ×
    field of the plan, with the item's status and error once the calls were made."""
    ctx = get_context()
    if fmt is not Format.table:
        out = {"dry_run": dry_run, **result.plan.to_json(), "snapshot_id": result.snapshot_id}
        rows = plan_rows(result.plan)
        if result.operation is not None:
            with ctx.session_factory() as session:
                out["operation"] = operation_json(session, result.operation)
            done = {(i["project_id"], i["target_id"]): i for i in out["operation"]["items"]}
            for row in rows:
                item = done.get((row["project_id"], row["id"]), {})
                row.update(status=item.get("status"), error=item.get("error"))
        columns = (*PLAN_COLUMNS, "status", "error") if result.operation else PLAN_COLUMNS
        print_data(fmt, out, rows, columns)
    else:
        print_plan(result.plan, title + (" (dry run: nothing changed)" if dry_run else ""))
        if result.operation is not None:
            with ctx.session_factory() as session:
                print_operation(session, result.operation)
    exit_for(result.operation)


@app.command("apply")
def apply_command(
    name: str = typer.Argument(..., help="Template name."),
    projects: list[str] = typer.Option(..., "--project", help="Project id (repeat for more)."),
    dry_run: bool = DRY_RUN,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Apply a template to projects: current → new per model, then the calls, audited."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        result = api(
            lambda: apply_template(
                session, client, o.id, name, projects, actor=actor(), dry_run=dry_run
            )
        )
    _report(result, f"Apply {name}", fmt, dry_run)


@app.command("disable")
def disable_command(
    project: str = typer.Option(..., "--project", help="Project id."),
    reason: str = typer.Option(
        "disabled by hand", "--reason", help="Why (kept with the snapshot)."
    ),
    dry_run: bool = DRY_RUN,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Snapshot every limit, then requests per minute → 0 on every editable model."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        result = api(
            lambda: disable_project(
                session, client, o.id, project, actor=actor(), reason=reason, dry_run=dry_run
            )
        )
    _report(result, f"Disable {project}", fmt, dry_run)


@app.command("restore")
def restore_command(
    project: str = typer.Option(..., "--project", help="Project id."),
    dry_run: bool = DRY_RUN,
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Put every limit back exactly as the disable snapshot has it."""
    with org_session(org) as (session, o):
        client = client_for(session, o)
        result = api(
            lambda: restore_project(session, client, o.id, project, actor=actor(), dry_run=dry_run)
        )
    _report(result, f"Restore {project}", fmt, dry_run)


@app.command("retry")
def retry_command(
    operation: int = typer.Argument(
        ..., help="Operation id (printed by apply, disable, restore, revoke)."
    ),
    fmt: Format = FORMAT,
    org: str | None = ORG,
) -> None:
    """Run again only the failed items of a bulk operation."""
    with org_session(org) as (session, o):
        op = api(lambda: bulk_operations.get_operation(session, o.id, operation))
        client = client_for(session, o)
        bulk.retry_failed(session, client, op)
        emit_operation(fmt, session, op)
    exit_for(op)


@app.command("drift")
def drift_command(fmt: Format = FORMAT, org: str | None = ORG) -> None:
    """Projects whose stored limits differ from their assigned template."""
    with org_session(org) as (session, o):
        drift = template_drift(session, o.id)

    def text() -> None:
        if not drift:
            console.print("No drift: every assigned project matches its template.")
        for d in drift:
            actual = "missing" if d.actual is None else d.actual
            console.print(
                f"{d.project_id} {d.model} {d.field}: {actual} (template {d.template}: "
                f"{d.expected})",
                highlight=False,
            )

    emit(fmt, [dict(d.__dict__) for d in drift], table=text,
         columns=("project_id", "template", "model", "field", "expected", "actual"))  # fmt: skip
