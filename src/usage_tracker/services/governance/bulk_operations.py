"""Stored bulk operations: the planned items, the operation that holds them, and reading them back.

    item = PlannedItem(UPDATE, project_id, rate_limit_id, model, {"max_requests_per_1_minute": 0})
    op = create_operation(session, org_id, "template.apply", actor, summary, [item])  # pending
    op = get_operation(session, org_id, operation_id)  # LookupError outside the organization
    counts(operation_items(session, op))  # {"total": …, "pending": …, "succeeded": …, …}

An operation is stored (committed) before it runs, so its page exists from the start;
`bulk.run_operation` runs its items and `bulk_progress` shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import BulkOperation, BulkOperationItem

# The actions an item can have.
UPDATE = "rate_limit.update"
DELETE_KEY = "api_key.delete"


@dataclass(frozen=True)
class PlannedItem:
    """One call to make: set `change` on a rate limit, or delete a key (`change` empty)."""

    action: str
    project_id: str
    target_id: str
    label: str
    change: dict[str, int] = field(default_factory=dict)
    before: Any = None


def create_operation(
    session: Session,
    organization_id: int,
    kind: str,
    actor: str,
    summary: str,
    items: Sequence[PlannedItem],
    params: dict[str, Any] | None = None,
) -> BulkOperation:
    """Store an operation and its pending items (committed, so it is visible before it runs)."""
    op = BulkOperation(
        organization_id=organization_id,
        kind=kind,
        actor=actor,
        summary=summary,
        params=dict(params or {}),
        status="pending",
    )
    session.add(op)
    session.flush()
    for position, p in enumerate(items):
        session.add(
            BulkOperationItem(
                operation_id=op.id,
                position=position,
                action=p.action,
                project_id=p.project_id,
                target_id=p.target_id,
                label=p.label,
                change=dict(p.change),
                before=p.before,
                status="pending",
            )
        )
    session.commit()
    return op


def operation_items(session: Session, op: BulkOperation) -> list[BulkOperationItem]:
    q = select(BulkOperationItem).where(BulkOperationItem.operation_id == op.id)
    return list(session.scalars(q.order_by(BulkOperationItem.position)))


def get_operation(session: Session, organization_id: int, operation_id: int) -> BulkOperation:
    op = session.get(BulkOperation, operation_id)
    if op is None or op.organization_id != organization_id:
        raise LookupError(f"no bulk operation {operation_id} in this organization")
    return op


def list_operations(session: Session, organization_id: int, limit: int = 50) -> list[BulkOperation]:
    q = select(BulkOperation).where(BulkOperation.organization_id == organization_id)
    return list(session.scalars(q.order_by(BulkOperation.id.desc()).limit(limit)))


def counts(items: Sequence[BulkOperationItem]) -> dict[str, int]:
    out = {"total": len(items), "pending": 0, "succeeded": 0, "failed": 0, "skipped": 0}
    for item in items:
        out[item.status] = out.get(item.status, 0) + 1
    return out
