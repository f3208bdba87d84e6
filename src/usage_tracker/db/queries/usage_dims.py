"""Storing combinations of usage dimensions (`usage_dims`) in the writer's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from usage_tracker.db.models import UsageDims
from usage_tracker.domain.endpoints import USAGE_DIMENSIONS
from usage_tracker.domain.usage_dims import Dims

_COLUMNS = ("id", *USAGE_DIMENSIONS)
_CHUNK = 500


class DimsCollision(RuntimeError):
    """Two different combinations of usage dimensions with the same id (never seen; checked)."""


def store_dims(session: Session, fresh: dict[int, Dims]) -> None:
    """Add the combinations the database does not have yet; refuse a different combination
    under an id already taken."""
    ids = sorted(fresh)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        stored = {
            key: tuple(values)
            for key, *values in session.execute(
                select(*(getattr(UsageDims, c) for c in _COLUMNS)).where(UsageDims.id.in_(chunk))
            )
        }
        for key, dims in stored.items():
            if dims != fresh[key]:
                raise DimsCollision(
                    f"usage dimensions {fresh[key]!r} and {dims!r} share the id {key}; "
                    "nothing was written. Please report this."
                )
        missing = [(key, *fresh[key]) for key in chunk if key not in stored]
        if missing:
            _insert(session, missing)


def _insert(session: Session, rows: list[tuple[Any, ...]]) -> None:
    values = [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
    name = session.get_bind().dialect.name
    if name in ("sqlite", "postgresql"):
        dialect = sqlite if name == "sqlite" else postgresql
        # Another import may be adding the same combination at this moment.
        statement = dialect.insert(UsageDims).on_conflict_do_nothing(index_elements=["id"])
        session.execute(statement, values)
    else:
        session.execute(insert(UsageDims), values)
