"""What every command needs: validated settings and an up-to-date database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.engine import make_engine, make_session_factory
from usage_tracker.db.migrate import is_up_to_date, upgrade
from usage_tracker.settings import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a clear error (what happened, what to do) and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@dataclass
class AppContext:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.effective_database_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on a database brought up to the newest schema first."""
        try:
            if not is_up_to_date(self.engine):
                upgrade(self.engine)
        except OperationalError as exc:
            raise fail(
                f"cannot open the database ({exc.orig}); check USAGE_TRACKER_DATABASE_URL"
            ) from exc
        return make_session_factory(self.engine)


_context: AppContext | None = None


def reset_context() -> None:
    """Forget the settings of a previous invocation (each command run reads them afresh)."""
    global _context
    if _context is not None and "engine" in _context.__dict__:
        _context.engine.dispose()
    _context = None


def get_context() -> AppContext:
    global _context
    if _context is None:
        try:
            _context = AppContext(load_settings())
        except ValidationError as exc:
            raise fail(f"invalid settings: {exc}") from exc
    return _context
