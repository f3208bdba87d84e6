"""Disable a project through its rate limits, and restore it exactly. Budget enforcement calls:

    result = disable_project(session, client, org.id, "proj_1", actor="budget:42", reason="over")
    result.operation.status     # succeeded | partial | failed; items say which model did what
    restore_project(session, client, org.id, "proj_1", actor="budget:42")

Disable snapshots every current limit first (once: disabling a disabled project keeps the first
snapshot), then sets max_requests_per_1_minute to 0 on every model; a model the API refuses to
edit is reported as skipped, never as a failure. Restore sets every field back to the snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import RateLimitSnapshot
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS
from usage_tracker.services.governance import bulk
from usage_tracker.services.governance.bulk_operations import UPDATE, PlannedItem, create_operation
from usage_tracker.services.governance.rate_limits import ActionResult, Plan, Skip, current_limits

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


DISABLE_FIELD = "max_requests_per_1_minute"


class NothingToRestore(LookupError):
    pass


def active_snapshot(
    session: Session, organization_id: int, project_id: str
) -> RateLimitSnapshot | None:
    """The snapshot of a project that is disabled and not yet restored."""
    q = select(RateLimitSnapshot).where(
        RateLimitSnapshot.organization_id == organization_id,
        RateLimitSnapshot.project_id == project_id,
        RateLimitSnapshot.restored_at.is_(None),
    )
    return session.scalars(q.order_by(RateLimitSnapshot.id.desc())).first()


def plan_disable(current: list[dict[str, Any]], project_id: str) -> Plan:
    plan = Plan()
    for limit in current:
        value = limit.get(DISABLE_FIELD)
        if value is None:
            plan.skipped.append(Skip(project_id, limit["model"], f"has no {DISABLE_FIELD}"))
        elif value == 0:
            plan.skipped.append(Skip(project_id, limit["model"], "already 0 requests per minute"))
        else:
            plan.items.append(
                PlannedItem(
                    UPDATE, project_id, limit["id"], limit["model"], {DISABLE_FIELD: 0}, limit
                )
            )
    return plan


def disable_project(
    session: Session,
    client: AdminClient,
    organization_id: int,
    project_id: str,
    *,
    actor: str,
    reason: str = "disabled by hand",
    dry_run: bool = False,
    run: bool = True,
    max_workers: int = bulk.DEFAULT_WORKERS,
) -> ActionResult:
    """Snapshot every limit, then requests per minute → 0 on every editable model.
    `run=False`: the operation is stored, pending, for `bulk_runner` to run in the background."""
    current = current_limits(session, client, organization_id, project_id)
    plan = plan_disable(current, project_id)
    if dry_run:
        return ActionResult(plan)
    snapshot = active_snapshot(session, organization_id, project_id)
    if snapshot is None:
        snapshot = RateLimitSnapshot(
            organization_id=organization_id,
            project_id=project_id,
            reason=reason,
            actor=actor,
            limits=current,
        )
        session.add(snapshot)
        session.flush()
    op = create_operation(
        session,
        organization_id,
        "project.disable",
        actor,
        f"disable {project_id}: {reason}",
        plan.items,
        {"snapshot_id": snapshot.id, "refused_is_skip": True, "target": ("project", project_id)},
    )
    if run:
        bulk.run_operation(session, client, op, max_workers=max_workers)
    return ActionResult(plan, op, snapshot.id)


def plan_restore(snapshot: RateLimitSnapshot, current: list[dict[str, Any]]) -> Plan:
    plan = Plan()
    by_id = {c["id"]: c for c in current}
    by_model = {c["model"]: c for c in current}
    for saved in snapshot.limits:
        now = by_id.get(saved["id"]) or by_model.get(saved["model"])
        if now is None:
            plan.skipped.append(
                Skip(snapshot.project_id, saved["model"], "the project no longer has this limit")
            )
            continue
        change = {f: saved[f] for f in RATE_LIMIT_FIELDS if f in saved and now.get(f) != saved[f]}
        if change:
            plan.items.append(
                PlannedItem(UPDATE, snapshot.project_id, now["id"], saved["model"], change, now)
            )
    return plan


def restore_project(
    session: Session,
    client: AdminClient,
    organization_id: int,
    project_id: str,
    *,
    actor: str,
    dry_run: bool = False,
    run: bool = True,
    max_workers: int = bulk.DEFAULT_WORKERS,
) -> ActionResult:
    """Put every limit back exactly as the disable snapshot has it; raises NothingToRestore.
    `run=False`: the operation is stored, pending, for `bulk_runner` to run in the background."""
    snapshot = active_snapshot(session, organization_id, project_id)
    if snapshot is None:
        raise NothingToRestore(
            f"project {project_id} is not disabled: there is no snapshot to restore"
        )
    plan = plan_restore(snapshot, current_limits(session, client, organization_id, project_id))
    if dry_run:
        return ActionResult(plan, snapshot_id=snapshot.id)
    op = create_operation(
        session,
        organization_id,
        "project.restore",
        actor,
        f"restore {project_id} from snapshot {snapshot.id}",
        plan.items,
        {"snapshot_id": snapshot.id, "target": ("project", project_id)},
    )
    if run:
        bulk.run_operation(session, client, op, max_workers=max_workers)
    return ActionResult(plan, op, snapshot.id)
