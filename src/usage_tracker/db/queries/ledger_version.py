"""A value that changes whenever anything a report reads changes.

Reports read buckets (their records, rollups and days are written with them), prices and the
names of members, projects and API keys. A bucket written, replaced or dropped moves the
buckets' count, largest id or newest `updated_at`; a price or a name added, changed or removed
moves its table's count or newest `updated_at`. One statement, a few index reads.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import ApiKey, Bucket, Member, Organization, Price, Project


@functools.cache
def _statement() -> Select[Any]:
    parts = [
        select(func.count(Bucket.id)).scalar_subquery(),
        select(func.max(Bucket.id)).scalar_subquery(),
        select(func.max(Bucket.updated_at)).scalar_subquery(),
        select(func.count(Organization.id)).scalar_subquery(),
        select(func.max(Organization.id)).scalar_subquery(),
    ]
    for table in (Price, Member, Project, ApiKey):
        parts.append(select(func.count(table.id)).scalar_subquery())
        parts.append(select(func.max(table.updated_at)).scalar_subquery())
    return select(*parts)


def ledger_version(session: Session) -> tuple[Any, ...]:
    """The ledger's version as the session sees it (its own uncommitted writes included)."""
    row = session.execute(_statement()).one()
    return (str(session.get_bind().engine.url), *row)
