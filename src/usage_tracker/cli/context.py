"""What every command needs: validated settings and an up-to-date database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import typer

from usage_tracker.cli.consoles import console, err_console

# SQLAlchemy, Alembic and pydantic load when a command first needs them (fast `--help`).
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from usage_tracker.settings import Settings

__all__ = ["AppContext", "console", "err_console", "fail", "get_context", "reset_context"]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a clear error (what happened, what to do) and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@dataclass
class AppContext:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        from usage_tracker.db.engine import make_engine

        return make_engine(self.settings.effective_database_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on a database brought up to the newest schema first."""
        from sqlalchemy.exc import OperationalError

        from usage_tracker.db.engine import make_session_factory
        from usage_tracker.db.migrate import is_up_to_date, upgrade

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
        from pydantic import ValidationError

        from usage_tracker.settings import load_settings

        try:
            _context = AppContext(load_settings())
        except ValidationError as exc:
            raise fail(f"invalid settings: {exc}") from exc
    return _context
