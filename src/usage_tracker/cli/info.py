"""`usage-tracker info`: version, database and effective settings, secrets masked."""

from __future__ import annotations

import json
import platform
from typing import Any

import typer

from usage_tracker import __version__
from usage_tracker.cli.context import console, get_context
from usage_tracker.db.migrate import current_revisions, head_revisions


def info_command(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show the version, the database and the effective settings (secrets masked)."""
    ctx = get_context()
    try:
        revision = ", ".join(sorted(current_revisions(ctx.engine))) or "empty (run db upgrade)"
        newest = ", ".join(sorted(head_revisions()))
    except Exception as exc:  # the database may be unreachable; info must still print
        revision, newest = f"unreachable ({type(exc).__name__})", "?"
    data: dict[str, Any] = {
        "version": __version__,
        "python": platform.python_version(),
        "database_revision": revision,
        "newest_revision": newest,
        "settings": ctx.settings.masked(),
    }
    if as_json:
        console.print_json(json.dumps(data))
        return
    console.print(f"[bold]OpenAI Usage Tracker[/] {__version__} (Python {data['python']})")
    console.print(f"schema: {revision} (newest {newest})")
    for key, value in data["settings"].items():
        console.print(f"  {key:<18} {value}", highlight=False)
