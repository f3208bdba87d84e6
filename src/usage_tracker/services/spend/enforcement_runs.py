"""Enforcement actions carried out by a bulk operation (disable a project, revoke keys, restore
the project): the action waits in an in-progress state while its operation runs, and the
operation's end settles it — in the foreground (the CLI, the scheduler) or in the background
(the web's `bulk_runner`), with the same bookkeeping:

    begin(session, op, action, APPLY)   # tags op, action.status = "applying"; committed
    bulk.run_operation(session, client, op)  # its end calls settle(): "applied" | "partial" | …
    operation_of(session, action)       # the operation that carries it out (its page: progress)

`settle` runs at the end of every run of a tagged operation (`bulk._finish`), also a retry or a
resume from the operation's page: a partial apply that is retried to success becomes applied.
Only the action's latest operation settles it, so retrying an old one never overwrites a newer
result (an apply's operation once the action has been undone, say).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import BulkOperation, EnforcementAction

APPLY, RESTORE = "apply", "restore"
IN_PROGRESS = {APPLY: "applying", RESTORE: "restoring"}
# The statuses a run of the step's operation may settle: in progress, or what a retry improves.
SETTLES = {APPLY: ("applying", "partial", "failed"), RESTORE: ("restoring", "restore-failed")}
ACTION_KEY, STEP_KEY, BUDGET_KEY = "enforcement_action_id", "enforcement_step", "budget_id"


def begin(session: Session, op: BulkOperation, a: EnforcementAction, step: str) -> None:
    """Tie `op` to the action and mark the action in progress (committed, so pages show it)."""
    op.params = {**op.params, ACTION_KEY: a.id, STEP_KEY: step, BUDGET_KEY: a.budget_id}
    a.status = IN_PROGRESS[step]
    session.commit()


def in_progress(a: EnforcementAction) -> bool:
    return a.status in IN_PROGRESS.values()


def settle(session: Session, op: BulkOperation) -> None:
    """At the end of a run of `op`: the status its action would have had from a synchronous
    apply or restore (applied | partial | failed; restored | restore-failed), and when."""
    action_id, step = op.params.get(ACTION_KEY), op.params.get(STEP_KEY)
    a = session.get(EnforcementAction, action_id) if action_id is not None else None
    if a is None or step not in SETTLES or a.status not in SETTLES[step]:
        return
    latest = operation_of(session, a)
    if latest is None or latest.id != op.id:
        return
    if step == APPLY:
        a.status = {"succeeded": "applied", "partial": "partial"}.get(op.status, "failed")
        a.applied_at = utcnow()
    else:
        a.status = "restored" if op.status == "succeeded" else "restore-failed"
        a.restored_at = utcnow()


def _tagged(action_ids: Sequence[int]) -> Select[BulkOperation]:
    key = BulkOperation.params[ACTION_KEY].as_integer()
    return select(BulkOperation).where(key.in_(list(action_ids)))


def operation_of(session: Session, a: EnforcementAction) -> BulkOperation | None:
    """The latest operation that carries the action out (apply, then maybe restore)."""
    query = _tagged([a.id]).where(BulkOperation.organization_id == a.organization_id)
    return session.scalars(query.order_by(BulkOperation.id.desc()).limit(1)).first()


def operations_of(
    session: Session, actions: Sequence[EnforcementAction]
) -> dict[int, BulkOperation]:
    """Each action's latest operation, by action id (actions without one are left out)."""
    if not actions:
        return {}
    out: dict[int, BulkOperation] = {}
    for op in session.scalars(_tagged([a.id for a in actions]).order_by(BulkOperation.id)):
        out[int(op.params[ACTION_KEY])] = op
    return out
