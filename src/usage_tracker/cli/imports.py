"""`usage-tracker import PATH...`: exported files into the ledger, each all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from usage_tracker.cli.context import console, err_console, fail, get_context


def import_command(
    paths: list[Path] = typer.Argument(..., help="Files exported from OpenAI (JSON or CSV)."),
    org: str | None = typer.Option(
        None, "--org", help="Organization to import into (default: USAGE_TRACKER_DEFAULT_ORG)."
    ),
) -> None:
    """Import cost, usage and user-info exports. Re-importing a file changes nothing.

    Exit status is 0 only when every file was imported (or had been already).
    """
    from usage_tracker.services.ledger.imports import ImportFailed, import_file  # loads on use

    ctx = get_context()
    slug = org or ctx.settings.default_org
    failures = 0
    for path in paths:
        size = path.stat().st_size if path.is_file() else 0
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=size < 20_000_000,
        ) as bar:
            task = bar.add_task(path.name, total=size or None)
            try:
                result = import_file(
                    ctx.session_factory,
                    slug,
                    path,
                    progress=lambda n, t=task: bar.advance(t, n),  # type: ignore[misc]
                )
            except ImportFailed as exc:
                failures += 1
                err_console.print(f"[bold red]failed:[/] {exc}", highlight=False, soft_wrap=True)
                continue
            except ValueError as exc:
                raise fail(str(exc)) from exc
        mark = "[green]imported[/]" if result.outcome == "imported" else "[yellow]unchanged[/]"
        console.print(f"{mark} {result.message}", highlight=False, soft_wrap=True)
    if failures:
        raise fail(f"{failures} of {len(paths)} files were not imported (see above)")
