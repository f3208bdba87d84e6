"""Rate limits: the project × model matrix from the database, a refresh, one-limit edits.

Disable and restore live in `project_disable`; templates in `rate_limit_templates`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import BulkOperation, Project, RateLimitSnapshot
from usage_tracker.db.queries import stored_rate_limits
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS, parse_rate_limit
from usage_tracker.openai_admin import list_projects, list_rate_limits
from usage_tracker.services.governance import bulk
from usage_tracker.services.governance.bulk_operations import UPDATE, PlannedItem, create_operation
from usage_tracker.services.ledger.names import upsert_projects

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


@dataclass(frozen=True)
class Skip:
    project_id: str
    model: str
    reason: str


@dataclass
class Plan:
    """What an action would change: one item per rate limit (current → new), and what it skips."""

    items: list[PlannedItem] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [
                {
                    "project_id": i.project_id,
                    "id": i.target_id,
                    "model": i.label,
                    "current": {k: (i.before or {}).get(k) for k in i.change},
                    "new": dict(i.change),
                }
                for i in self.items
            ],
            "skipped": [
                {"project_id": s.project_id, "model": s.model, "reason": s.reason}
                for s in self.skipped
            ],
        }


@dataclass
class ActionResult:
    plan: Plan
    operation: BulkOperation | None = None  # None for a dry run
    snapshot_id: int | None = None


@dataclass(frozen=True)
class MatrixRow:
    project_id: str
    project_name: str | None
    model: str
    id: str
    limits: dict[str, int]
    fetched_at: datetime
    disabled: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "project_name": self.project_name,
            "model": self.model,
            "id": self.id,
            **self.limits,
            "fetched_at": self.fetched_at.isoformat(),
            "disabled": self.disabled,
        }


def rate_limit_matrix(
    session: Session,
    organization_id: int,
    *,
    project_id: str | None = None,
    search: str | None = None,
    project_ids: set[str] | None = None,
) -> list[MatrixRow]:
    """Every stored project × model limit (filter by project, a set of projects, or text)."""
    names = {
        p.project_id: p.name
        for p in session.scalars(select(Project).where(Project.organization_id == organization_id))
    }
    disabled = disabled_projects(session, organization_id)
    rows = []
    wanted = [project_id] if project_id else None
    for r in stored_rate_limits.stored_limits(session, organization_id, wanted):
        if project_ids is not None and r.project_id not in project_ids:
            continue
        name = names.get(r.project_id)
        text = f"{r.project_id} {name or ''} {r.model}".lower()
        if search and search.lower() not in text:
            continue
        limits = {f: getattr(r, f) for f in RATE_LIMIT_FIELDS if getattr(r, f) is not None}
        rows.append(
            MatrixRow(
                r.project_id,
                name,
                r.model,
                r.rate_limit_id,
                limits,
                r.fetched_at,
                r.project_id in disabled,
            )
        )
    return rows


def matrix_age(rows: list[MatrixRow]) -> datetime | None:
    """When the oldest row was read from the API."""
    return min((r.fetched_at for r in rows), default=None)


def refresh_rate_limits(
    session: Session,
    client: AdminClient,
    organization_id: int,
    project_ids: list[str] | None = None,
    *,
    max_workers: int = bulk.DEFAULT_WORKERS,
) -> int:
    """Read every (or these) active project's limits from the API (paginated) and store them."""
    if project_ids is None:
        projects = list_projects(client, include_archived=False)
        upsert_projects(session, organization_id, projects)
        project_ids = [p.id for p in projects]
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        fetched = list(pool.map(lambda pid: list_rate_limits(client, pid), project_ids))
    now = utcnow()
    for pid, limits in zip(project_ids, fetched, strict=True):
        stored_rate_limits.replace_project_limits(session, organization_id, pid, limits, now)
    session.commit()
    return sum(len(limits) for limits in fetched)


def current_limits(
    session: Session, client: AdminClient, organization_id: int, project_id: str
) -> list[dict[str, Any]]:
    """The project's limits as the API has them now (also stored, so the matrix is fresh)."""
    limits = list_rate_limits(client, project_id)
    stored_rate_limits.replace_project_limits(session, organization_id, project_id, limits)
    session.commit()
    return [stored_rate_limits.limit_json(limit) for limit in limits]


def edit_rate_limit(
    session: Session,
    client: AdminClient,
    organization_id: int,
    project_id: str,
    rate_limit_id: str,
    changes: dict[str, int],
    *,
    actor: str,
    run: bool = True,
) -> BulkOperation:
    """Change some fields of one limit (audited, stored); the operation holds the outcome.
    `run=False`: the operation is stored, pending, for `bulk_runner` to run in the background."""
    unknown = set(changes) - set(RATE_LIMIT_FIELDS)
    if unknown or not changes:
        raise ValueError(
            f"give one or more of {', '.join(RATE_LIMIT_FIELDS)} (got {sorted(changes)})"
        )
    changes = {name: parse_rate_limit(name, value) for name, value in changes.items()}
    current = {c["id"]: c for c in current_limits(session, client, organization_id, project_id)}
    if rate_limit_id not in current:
        raise LookupError(f"project {project_id} has no rate limit {rate_limit_id}")
    before = current[rate_limit_id]
    item = PlannedItem(UPDATE, project_id, rate_limit_id, before["model"], changes, before)
    op = create_operation(
        session,
        organization_id,
        "rate_limit.edit",
        actor,
        f"edit {before['model']} of {project_id}",
        [item],
        {"target": ("project", project_id)},
    )
    return bulk.run_operation(session, client, op) if run else op


def disabled_projects(session: Session, organization_id: int) -> set[str]:
    q = select(RateLimitSnapshot.project_id).where(
        RateLimitSnapshot.organization_id == organization_id,
        RateLimitSnapshot.restored_at.is_(None),
    )
    return set(session.scalars(q))
