"""`usage-tracker import PATH...`: exported files into the ledger, each all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TimeRemainingColumn

from usage_tracker.cli.context import console, err_console, fail, get_context

BAR_MIN_BYTES = 20_000_000  # smaller files import before a bar would be worth drawing


class FileProgress:
    """The bar of one file: "reading" while its bytes stream in (each bucket is written as it
    comes), then "writing" once they are all read, while the last rows, the rollups and the
    commit are written."""

    def __init__(self, bar: Progress, name: str, size: int) -> None:
        self.bar, self.name, self.size = bar, name, size
        self.done = 0
        self.task: TaskID = bar.add_task(self.label("reading"), total=size or None)

    def label(self, phase: str) -> str:
        return f"{self.name}: {phase}"

    def __call__(self, nbytes: int) -> None:
        self.done += nbytes
        self.bar.advance(self.task, nbytes)
        if self.size and self.done >= self.size:
            self.writing()

    def writing(self) -> None:
        self.bar.update(self.task, description=self.label("writing"))


def _new_org_note(slug: str) -> None:
    """Importing into a slug that is not there creates it; say so, with the ones there are."""
    from usage_tracker.cli.organizations import organization_slugs

    with get_context().session_factory() as session:
        slugs = organization_slugs(session)
    if slug.strip().lower() not in slugs and slugs:
        err_console.print(
            f"note: organization {slug!r} is new and is created by this import "
            f"(the organizations here: {', '.join(slugs)})",
            highlight=False,
            soft_wrap=True,
        )


def import_command(
    paths: list[Path] = typer.Argument(..., help="Files exported from OpenAI (JSON or CSV)."),
    org: str | None = typer.Option(
        None,
        "--org",
        help="Organization to import into (default: USAGE_TRACKER_DEFAULT_ORG); "
        "a new one is created.",
    ),
) -> None:
    """Import cost, usage and user-info exports. Re-importing a file changes nothing.

    Exit status is 0 only when every file was imported (or had been already).
    """
    from usage_tracker.services.ledger.imports import ImportFailed, import_file  # loads on use

    ctx = get_context()
    slug = org or ctx.settings.default_org
    if org is not None:
        _new_org_note(org)
    failures = imported = 0
    for path in paths:
        size = path.stat().st_size if path.is_file() else 0
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=size < BAR_MIN_BYTES,
        ) as bar:
            progress = FileProgress(bar, path.name, size)
            try:
                result = import_file(ctx.session_factory, slug, path, progress=progress)
            except ImportFailed as exc:
                failures += 1
                err_console.print(f"[bold red]failed:[/] {exc}", highlight=False, soft_wrap=True)
                continue
            except ValueError as exc:
                raise fail(str(exc)) from exc
        imported += result.outcome == "imported"
        mark = "[green]imported[/]" if result.outcome == "imported" else "[yellow]unchanged[/]"
        console.print(f"{mark} {result.message}", highlight=False, soft_wrap=True)
    if imported:
        from usage_tracker.services.reports.allocation_store import refresh_allocations

        with err_console.status("Allocating billed cost to users and API keys…"):
            refresh_allocations(ctx.session_factory, slug)
    if failures:
        raise fail(f"{failures} of {len(paths)} files were not imported (see above)")
