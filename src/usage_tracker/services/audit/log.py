"""The audit log: every change the tracker makes, to OpenAI or to its own data, and its outcome.

    record_audit(session, organization_id=org.id, actor="alice", action="rate_limit.update",
                 target_type="rate_limit", target_id="proj_1/rl-gpt-4o",
                 before={...}, after={...}, result="ok", request_id="req_123")

Results: `ok`, `failed` (the change did not happen; `detail` says why) or `skipped`.
Entries are only ever added. Callers commit (bulk operations commit per item).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import AuditEntry, Organization
from usage_tracker.services.kit.exports import csv_text

RESULTS = ("ok", "failed", "skipped")
EXPORT_FIELDS = (
    "id",
    "at",
    "organization",
    "actor",
    "action",
    "target_type",
    "target_id",
    "result",
    "request_id",
    "detail",
    "operation_id",
    "before",
    "after",
)


def record_audit(
    session: Session,
    *,
    organization_id: int | None,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    before: Any,
    after: Any,
    result: str,
    request_id: str | None = None,
    detail: str | None = None,
    operation_id: int | None = None,
) -> AuditEntry:
    """Add one entry (flushed, not committed). `before`/`after` must be JSON-serialisable."""
    if result not in RESULTS:
        raise ValueError(f"audit result must be one of {', '.join(RESULTS)}, got {result!r}")
    entry = AuditEntry(
        organization_id=organization_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=_jsonable(before),
        after=_jsonable(after),
        result=result,
        request_id=request_id,
        detail=detail,
        operation_id=operation_id,
    )
    session.add(entry)
    session.flush()
    return entry


def _jsonable(value: Any) -> Any:
    return None if value is None else json.loads(json.dumps(value, default=str))


@dataclass(frozen=True)
class AuditFilter:
    organization_id: int | None = None
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("rate_limit.")
    target_type: str | None = None
    target_id: str | None = None  # exact, or a prefix ending in "/" ("proj_1/")
    result: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    operation_id: int | None = None


def list_audit(
    session: Session, f: AuditFilter = AuditFilter(), *, limit: int | None = 1000
) -> list[AuditEntry]:
    """Entries matching `f`, newest first."""
    q = select(AuditEntry)
    if f.organization_id is not None:
        q = q.where(AuditEntry.organization_id == f.organization_id)
    if f.actor:
        q = q.where(AuditEntry.actor == f.actor)
    if f.action:
        column = AuditEntry.action
        q = q.where(column.startswith(f.action) if f.action.endswith(".") else column == f.action)
    if f.target_type:
        q = q.where(AuditEntry.target_type == f.target_type)
    if f.target_id:
        target = AuditEntry.target_id
        wide = f.target_id.endswith("/")
        q = q.where(target.startswith(f.target_id) if wide else target == f.target_id)
    if f.result:
        q = q.where(AuditEntry.result == f.result)
    if f.since:
        q = q.where(AuditEntry.at >= f.since)
    if f.until:
        q = q.where(AuditEntry.at < f.until)
    if f.operation_id is not None:
        q = q.where(AuditEntry.operation_id == f.operation_id)
    q = q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return list(session.scalars(q))


def project_audit(
    session: Session, organization_id: int, project_id: str, *, limit: int = 200
) -> list[AuditEntry]:
    """Entries about one project: the project itself and its rate limits and keys."""
    entries = list_audit(
        session, AuditFilter(organization_id, target_id=f"{project_id}/"), limit=limit
    )
    entries += list_audit(session, AuditFilter(organization_id, target_id=project_id), limit=limit)
    entries.sort(key=lambda e: (e.at, e.id), reverse=True)
    return entries[:limit]


def audit_to_json(entry: AuditEntry, org_slugs: dict[int, str] | None = None) -> dict[str, Any]:
    slug = (org_slugs or {}).get(entry.organization_id or 0)
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "organization": slug,
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
        "result": entry.result,
        "request_id": entry.request_id,
        "detail": entry.detail,
        "operation_id": entry.operation_id,
    }


def org_slugs(session: Session) -> dict[int, str]:
    return {o.id: o.slug for o in session.scalars(select(Organization))}


def export_audit_json(session: Session, entries: Sequence[AuditEntry]) -> str:
    slugs = org_slugs(session)
    return json.dumps([audit_to_json(e, slugs) for e in entries], indent=2) + "\n"


def export_audit_csv(session: Session, entries: Sequence[AuditEntry]) -> str:
    """CSV with before/after as JSON text in their cells."""
    slugs = org_slugs(session)
    rows = [audit_to_json(entry, slugs) for entry in entries]
    return csv_text(rows, EXPORT_FIELDS, newline="\n")
