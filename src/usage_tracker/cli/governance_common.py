"""What the governance commands share: the org's own client, the actor, plans and results."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from usage_tracker.cli.context import console, err_console, fail, get_context
from usage_tracker.cli.organizations import known_org
from usage_tracker.cli.render import Format, print_data
from usage_tracker.db.models import BulkOperation, Organization
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services.governance import bulk, bulk_operations
from usage_tracker.services.governance.bulk_progress import (
    operation_json as operation_json,  # the web's too
)
from usage_tracker.services.governance.rate_limits import Plan
from usage_tracker.services.orgs.connections import open_client
from usage_tracker.services.orgs.credentials import CredentialError, connection_for

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


T = TypeVar("T")

ORG = typer.Option(None, "--org", help="Organization (slug). Default: USAGE_TRACKER_DEFAULT_ORG.")


def actor() -> str:
    """Who the audit log says did it: the local user running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def org_session(slug: str | None) -> Iterator[tuple[Session, Organization]]:
    ctx = get_context()
    with ctx.session_factory() as session:
        yield session, known_org(session, slug or ctx.settings.default_org)


def client_for(session: Session, org: Organization) -> AdminClient:
    """The organization's own stored key (never another credential)."""
    ctx = get_context()
    try:
        return open_client(connection_for(session, ctx.settings, org.slug), ctx.settings)
    except CredentialError as exc:
        raise fail(str(exc)) from exc


def api(call: Callable[[], T]) -> T:
    """Run a service call; Admin API and lookup errors end the command with their message.

    Bulk runs inside it show a progress bar (items done of items to do) on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: list[Any] = []

        def on_item(done: int, total: int, item: Any) -> None:
            if not tasks:
                tasks.append(bar.add_task("Applying", total=total))
            label = f"{item.project_id} {item.target_id}: {item.status}"
            bar.update(tasks[0], completed=done, description=label)

        try:
            with bulk.reporting(on_item):
                return call()
        except AdminApiError as exc:
            raise fail(str(exc)) from exc
        except (LookupError, ValueError) as exc:
            raise fail(str(exc)) from exc


def plan_table(plan: Plan, title: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in ("Project", "Model", "Field", "Current", "New"):
        table.add_column(column, justify="right" if column in ("Current", "New") else "left")
    for item in plan.items:
        for name, new in item.change.items():
            current = (item.before or {}).get(name)
            table.add_row(item.project_id, item.label, name, _n(current), _n(new))
    return table


def _n(value: Any) -> str:
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def print_plan(plan: Plan, title: str) -> None:
    if plan.items:
        console.print(plan_table(plan, title))
    else:
        console.print(f"{title}: nothing to change.")
    for skip in plan.skipped:
        console.print(f"  skipped {skip.project_id} {skip.model}: {skip.reason}", highlight=False)


def plan_rows(plan: Plan) -> list[dict[str, Any]]:
    """A plan for a spreadsheet: one row per project × model × field, then the skipped ones."""
    rows: list[dict[str, Any]] = []
    for item in plan.items:
        for name, new in item.change.items():
            current = (item.before or {}).get(name)
            row: dict[str, Any] = {"project_id": item.project_id, "id": item.target_id}
            row["model"] = item.label
            rows.append(row | {"field": name, "current": current, "new": new, "skipped": None})
    for skip in plan.skipped:
        row = {"project_id": skip.project_id, "id": None, "model": skip.model}
        rows.append(row | {"field": None, "current": None, "new": None, "skipped": skip.reason})
    return rows


PLAN_COLUMNS = ("project_id", "id", "model", "field", "current", "new", "skipped")


def emit_operation(fmt: Format, session: Session, op: BulkOperation) -> None:
    """A bulk operation's outcome: JSON (`operation_json`), CSV (one row per item) or text."""
    if fmt == Format.table:
        print_operation(session, op)
        return
    data = operation_json(session, op)
    print_data(fmt, data, [{"operation_id": op.id, **i} for i in data["items"]])


def print_operation(session: Session, op: BulkOperation) -> None:
    items = bulk_operations.operation_items(session, op)
    n = bulk_operations.counts(items)
    console.print(
        f"Operation {op.id} ({op.summary}): {op.status} — {n['succeeded']} succeeded, "
        f"{n['failed']} failed, {n['skipped']} skipped",
        highlight=False,
    )
    for i in items:
        if i.status in ("failed", "skipped"):
            console.print(f"  {i.status} {i.project_id} {i.label}: {i.error}", highlight=False)
    if n["failed"]:
        err_console.print(
            f"Retry only the failed items with `usage-tracker ratelimits retry {op.id}`.",
            highlight=False,
        )


def exit_for(op: BulkOperation | None) -> None:
    """Exit 1 when an operation left failed items."""
    if op is not None and op.status in ("partial", "failed"):
        raise typer.Exit(1)
