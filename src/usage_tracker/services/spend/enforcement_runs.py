"""Enforcement actions carried out by a bulk operation (disable a project, revoke keys, restore
the project): the action records the step it is in and the operation that carries it out; its
status from then on is derived from that operation (`EnforcementAction.status`,
`domain.enforcement.action_status`), in the foreground (the CLI, the scheduler) or in the
background (the web's `bulk_runner`) alike:

    begin(session, op, action, APPLY)        # action.status == "applying"; committed
    bulk.run_operation(session, client, op)  # its end makes the action "applied" | "partial" | …

A retry or a resume from the operation's page that succeeds shows the action applied. Only the
action's current operation counts, so retrying an old one (an apply's, once the action has been
undone) never changes it. The operation is tagged with the action and its budget, so its page
links back to the budget.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from usage_tracker.db.models import BulkOperation, EnforcementAction
from usage_tracker.domain.enforcement import APPLYING, RESTORING, STEPS

APPLY, RESTORE = "apply", "restore"
IN_PROGRESS = {APPLY: APPLYING, RESTORE: RESTORING}
ACTION_KEY, STEP_KEY, BUDGET_KEY = "enforcement_action_id", "enforcement_step", "budget_id"


def begin(session: Session, op: BulkOperation, a: EnforcementAction, step: str) -> None:
    """Tie `op` to the action and put the action in the step (committed, so pages show it)."""
    op.params = {**op.params, ACTION_KEY: a.id, STEP_KEY: step, BUDGET_KEY: a.budget_id}
    a.status = IN_PROGRESS[step]
    a.operation = op
    session.commit()


def in_progress(a: EnforcementAction) -> bool:
    return a.status in STEPS


def operation_of(session: Session, a: EnforcementAction) -> BulkOperation | None:
    """The operation that carries the action's current (or last) step out."""
    return a.operation


def operations_of(
    session: Session, actions: Sequence[EnforcementAction]
) -> dict[int, BulkOperation]:
    """Each action's operation, by action id (actions without one are left out)."""
    return {a.id: a.operation for a in actions if a.operation is not None}
