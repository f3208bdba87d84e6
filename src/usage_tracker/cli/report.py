"""`usage-tracker report ...`: totals and breakdowns over the ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import typer

from usage_tracker.cli.context import console, fail, get_context
from usage_tracker.cli.lazy import LazyGroup, lazy
from usage_tracker.cli.organizations import known_org
from usage_tracker.cli.render import FORMAT, Format, emit, print_data, print_table
from usage_tracker.cli.report_tables import breakdown_table
from usage_tracker.cli.summary_text import summary_lines
from usage_tracker.services.reports.types import ReportQuery, filled_range, previous_period

app = typer.Typer(
    help="Reports: cost, requests and tokens over a date range.",
    no_args_is_help=True,
    cls=LazyGroup,
)
# `report teams` lives with the other team commands, imported when used.
lazy(
    "report",
    "teams",
    "usage_tracker.cli.teams",
    "report_teams_command",
    "Monthly showback per team (UTC months): cost, share, unassigned remainder, total.",
)


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{flag} must be a date like 2025-01-31, got {value!r}") from None


def _query(
    since: str | None,
    until: str | None,
    org: str | None = None,
    project: str | None = None,
    user: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
) -> ReportQuery:
    from usage_tracker.services.reports.coverage import data_bounds  # SQLAlchemy loads on use

    ctx = get_context()
    start, end = _date(since, "--since"), _date(until, "--until")
    with ctx.session_factory() as session:
        if org is not None:
            known_org(session, org)
        bounds = data_bounds(session, org) if start is None or end is None else None
    start, end = filled_range(start, end, bounds)
    try:
        return ReportQuery(start, end, org, project, user, model, api_key)
    except ValueError as exc:
        raise fail(str(exc)) from exc


SINCE = typer.Option(None, "--since", help="First day (UTC), YYYY-MM-DD. Default: first data.")
UNTIL = typer.Option(None, "--until", help="Last day (UTC, inclusive). Default: last data.")
ORG = typer.Option(None, "--org", help="Only this organization (slug).")
PROJECT = typer.Option(None, "--project", help="Only this project id.")
USER = typer.Option(None, "--user", help="Only this user id.")
MODEL = typer.Option(None, "--model", help="Only this model.")
KEY = typer.Option(None, "--key", "--api-key", help="Only this API key id.")
BREAKDOWN = typer.Option(False, "--breakdown", help="Split each row's cost by model.")
TOP = typer.Option(
    None, "--top", min=1, help="Only the N largest rows (a table's Total stays the whole)."
)


@app.command("summary")
def summary_command(
    since: str | None = SINCE,
    until: str | None = UNTIL,
    org: str | None = ORG,
    project: str | None = PROJECT,
    user: str | None = USER,
    model: str | None = MODEL,
    api_key: str | None = KEY,
    fmt: Format = FORMAT,
) -> None:
    """Total cost, requests and tokens, with the change against the previous period.

    CSV: one row of the totals (the JSON object's fields)."""
    from usage_tracker.services.reports.totals import summary

    q = _query(since, until, org, project, user, model, api_key)
    with get_context().session_factory() as session:
        result = summary(session, q)
        before = summary(session, previous_period(q)) if fmt == Format.table else None
    if fmt != Format.table:
        print_data(fmt, result.to_json(), [result.to_json()])
        return
    for line in summary_lines(q, result, before):
        console.print(line, highlight=False)


def _breakdown_command(by: str, title: str, default_top: int | None = None) -> Callable[..., None]:
    def command(
        since: str | None = SINCE,
        until: str | None = UNTIL,
        org: str | None = ORG,
        project: str | None = PROJECT,
        user: str | None = USER,
        model: str | None = MODEL,
        api_key: str | None = KEY,
        show_breakdown: bool = BREAKDOWN,
        top: int | None = TOP,
        fmt: Format = FORMAT,
    ) -> None:
        from usage_tracker.services.reports.totals import breakdown, group_metrics

        q = _query(since, until, org, project, user, model, api_key)
        split = "model" if show_breakdown and by != "model" else None
        top = top or default_top
        if fmt != Format.table:
            with get_context().session_factory() as session:
                rows = breakdown(session, q, by, top=top, split=split)
            data = [r.to_json(by, split) for r in rows]
            print_data(fmt, data, [r.to_json(by) for r in rows])
            return
        with get_context().session_factory() as session:  # a table totals every row
            every = breakdown(session, q, by, split=split)
        heading = f"{title}, {q.since} – {q.until} (UTC)"
        shown = every[:top] if top else every
        total = group_metrics(every)
        print_table(breakdown_table(heading, by, shown, total, split, of=len(every)))

    command.__doc__ = f"{title}: cost, requests and tokens per {by.replace('_', ' ')}."
    return command


for _name, _by, _title in (
    ("daily", "day", "Daily"),
    ("weekly", "week", "Weekly"),
    ("monthly", "month", "Monthly"),
    ("users", "user", "Users"),
    ("projects", "project", "Projects"),
    ("models", "model", "Models"),
    ("keys", "api_key", "API keys"),
    ("line-items", "line_item", "Line items"),
    ("endpoints", "endpoint", "Endpoints"),
):
    app.command(_name)(_breakdown_command(_by, _title))


@app.command("reconcile")
def reconcile_command(
    since: str | None = SINCE,
    until: str | None = UNTIL,
    org: str | None = ORG,
    project: str | None = PROJECT,
    model: str | None = MODEL,
    top: int = typer.Option(20, "--top", min=1, help="Rows of each table shown (table format)."),
    fmt: Format = FORMAT,
) -> None:
    """Estimated (usage × prices) against billed cost per day × project × model, with drift,
    and billed cost allocated to users and keys.

    CSV: the day × project × model rows."""
    from usage_tracker.cli.reconcile_render import print_reconciliation
    from usage_tracker.services.reports.reconcile import reconcile

    q = _query(since, until, org, project, None, model, None)
    with get_context().session_factory() as session:
        result = reconcile(session, q)
    data = result.to_json()
    emit(fmt, data, rows=data["rows"], table=lambda: print_reconciliation(result, top),
         columns=RECONCILE_COLUMNS)  # fmt: skip


RECONCILE_COLUMNS = ("date", "project_id", "model", "billed_usd", "estimated_usd", "drift_pct")
