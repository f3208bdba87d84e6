"""The stored rate-limit matrix (table `rate_limits`): what the Admin API last said, with its age.

Written by a refresh (services.governance.rate_limits or the metadata sync) and after every
successful change the tracker makes, so the matrix and drift views read the database, never the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import RateLimit as StoredRateLimit
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS, RateLimit


def limit_json(limit: RateLimit) -> dict[str, Any]:
    """{id, model, <every limit field the API gave>} — the shape snapshots and JSON output use."""
    out: dict[str, Any] = {"id": limit.id, "model": limit.model}
    for name in RATE_LIMIT_FIELDS:
        value = getattr(limit, name)
        if value is not None:
            out[name] = value
    return out


def row_json(row: StoredRateLimit) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.rate_limit_id, "model": row.model}
    for name in RATE_LIMIT_FIELDS:
        value = getattr(row, name)
        if value is not None:
            out[name] = value
    return out


def stored_limits(
    session: Session, organization_id: int, project_ids: Iterable[str] | None = None
) -> list[StoredRateLimit]:
    q = select(StoredRateLimit).where(StoredRateLimit.organization_id == organization_id)
    if project_ids is not None:
        q = q.where(StoredRateLimit.project_id.in_(list(project_ids)))
    return list(session.scalars(q.order_by(StoredRateLimit.project_id, StoredRateLimit.model)))


def store_limit_json(
    session: Session,
    organization_id: int,
    project_id: str,
    limit: dict[str, Any],
    fetched_at: datetime | None = None,
) -> None:
    """Insert or update one project × model row from `{id, model, fields...}`."""
    row = session.scalar(
        select(StoredRateLimit).where(
            StoredRateLimit.organization_id == organization_id,
            StoredRateLimit.project_id == project_id,
            StoredRateLimit.rate_limit_id == limit["id"],
        )
    )
    if row is None:
        row = StoredRateLimit(
            organization_id=organization_id, project_id=project_id, rate_limit_id=limit["id"]
        )
        session.add(row)
    row.model = limit["model"]
    for name in RATE_LIMIT_FIELDS:
        setattr(row, name, limit.get(name))
    row.fetched_at = fetched_at or utcnow()
    session.flush()


def replace_project_limits(
    session: Session,
    organization_id: int,
    project_id: str,
    limits: Iterable[RateLimit],
    fetched_at: datetime | None = None,
) -> None:
    """Make the stored rows of one project exactly `limits` (rows the API no longer has go)."""
    at = fetched_at or utcnow()
    seen = []
    for limit in limits:
        store_limit_json(session, organization_id, project_id, limit_json(limit), at)
        seen.append(limit.id)
    session.execute(
        delete(StoredRateLimit).where(
            StoredRateLimit.organization_id == organization_id,
            StoredRateLimit.project_id == project_id,
            StoredRateLimit.rate_limit_id.not_in(seen),
        )
    )
