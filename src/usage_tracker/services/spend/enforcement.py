"""Budget enforcement at 100 %: lower the OpenAI project spend limit, disable the project (the
governance snapshot/restore), or revoke chosen keys — previewed, confirmed, audited, undone.

A budget with `enforce` set proposes one action per period when it goes over; the action runs
at once when the budget enforces automatically, else it waits for an admin to apply it
(`usage-tracker budgets enforce`, or the budget page). When the next period starts, applied
actions are undone: the spend limit goes back to what it was (or is removed), the project's
rate limits are restored from their snapshot. Revoked keys cannot come back; that is said in
the preview. Commits as it goes (the bulk operations it runs commit per item). Disabling,
revoking and restoring a project run as a bulk operation: the action is "applying" or
"restoring" while the operation runs, then what the operation's end says (`enforcement_runs`:
derived from the operation, never copied); the web runs it in the background (`run=False`, then
`bulk_runner`), the CLI and the scheduler at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from usage_tracker.db.models import Budget, BulkOperation, EnforcementAction, Organization
from usage_tracker.domain.money import format_cents
from usage_tracker.openai_admin import AdminApiError, get_project_spend_limit
from usage_tracker.openai_admin.spend import delete_project_spend_limit, set_project_spend_limit
from usage_tracker.services.audit.log import record_audit
from usage_tracker.services.governance import bulk
from usage_tracker.services.governance.key_revocation import revoke_keys
from usage_tracker.services.governance.project_disable import (
    NothingToRestore,
    disable_project,
    restore_project,
)
from usage_tracker.services.kit.errors import NotFound
from usage_tracker.services.ledger.scope_names import names_for
from usage_tracker.services.spend import enforcement_runs
from usage_tracker.services.spend.budget_status import BudgetState

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


ClientFor = Callable[[str], "AdminClient"]  # organization slug → Admin API client
APPLICABLE = ("proposed", "failed", "partial")
RESTORABLE = ("applied", "partial", "restore-failed")


def targets_for(budget: Budget) -> list[str]:
    if budget.enforce == "revoke-keys":
        chosen = [k for k in (budget.enforce_keys or "").split(",") if k]
        return chosen or ([budget.scope_id] if budget.scope == "key" else [])
    return [budget.scope_id]


def target_names(
    session: Session, budget: Budget, actions: Sequence[EnforcementAction] = ()
) -> dict[str, str]:
    """Names of the projects or keys the budget's enforcement (and its actions) act on."""
    scope = "key" if budget.enforce == "revoke-keys" or budget.scope == "key" else "project"
    ids = set(targets_for(budget)) | {t for a in actions for t in (a.targets or [])}
    found = names_for(session, budget.organization_id, scope, ids, ledger=False)
    return {i: n.name for i, n in found.items() if n.name}


def preview(
    budget: Budget, state: BudgetState | None = None, names: Mapping[str, str] | None = None
) -> list[str]:
    """What applying the budget's enforcement would do, in words (targets by name and id)."""
    names = names or {}
    targets = [f"{names[t]} ({t})" if t in names else t for t in targets_for(budget)]
    if budget.enforce == "spend-limit":
        cents = _limit_cents(state) if state else None
        at = format_cents(cents) if cents is not None else "the spend so far"
        return [f"Set OpenAI's hard monthly spend limit of project {targets[0]} to {at}",
                "Undone when the next period starts: the previous limit comes back."]  # fmt: skip
    if budget.enforce == "disable":
        return [f"Disable project {targets[0]}: requests per minute → 0 on every model",
                "Undone when the next period starts: every limit is restored."]  # fmt: skip
    if budget.enforce == "revoke-keys":
        if not targets:
            return ["No keys are chosen: set them with `budgets set ... --revoke-key ID`."]
        return [f"Revoke API keys {', '.join(targets)}",
                "This cannot be undone: new keys must be created."]  # fmt: skip
    return ["Notify only: nothing is changed."]


def _limit_cents(state: BudgetState) -> int:
    # OpenAI's limit counts the calendar month in UTC; never below one cent.
    return max(1, math.ceil(state.spent_nanos / 10_000_000))


def propose(
    session: Session, org: Organization, budget: Budget, state: BudgetState
) -> EnforcementAction | None:
    """The period's action for an over-budget budget (created once; None: nothing to enforce)."""
    if budget.enforce == "none" or state.status != "over":
        return None
    found = _action(session, budget.id, state)
    if found is not None:
        return found
    action = EnforcementAction(
        organization_id=org.id,
        budget_id=budget.id,
        period_start=state.period.start,
        action=budget.enforce,
        targets=targets_for(budget),
        status="proposed",
        after={"limit_cents": _limit_cents(state)} if budget.enforce == "spend-limit" else None,
        detail="; ".join(preview(budget, state)),
    )
    try:
        with session.begin_nested():
            session.add(action)
    except IntegrityError:  # another process proposed it a moment ago
        return _action(session, budget.id, state)
    session.commit()
    return action


def _action(session: Session, budget_id: int, state: BudgetState) -> EnforcementAction | None:
    return session.scalar(
        select(EnforcementAction).where(
            EnforcementAction.budget_id == budget_id,
            EnforcementAction.period_start == state.period.start,
        )
    )


def _audit(session: Session, a: EnforcementAction, what: str, result: str, **kw: Any) -> None:
    record_audit(
        session,
        organization_id=a.organization_id,
        actor=a.actor or f"budget:{a.budget_id}",
        action=f"budget.{what}",
        target_type="project" if a.action != "revoke-keys" else "api_key",
        target_id=",".join(a.targets),
        result=result,
        **{"before": a.before, "after": a.after, **kw},
    )


def apply(
    session: Session,
    client: AdminClient,
    a: EnforcementAction,
    actor: str,
    *,
    run: bool = True,
) -> EnforcementAction:
    """Carry out a proposed (or failed) action; its status says how it went. Disabling and
    revoking run as a bulk operation whose end decides the status (`enforcement_runs`);
    `run=False` stores it, the action "applying", for `bulk_runner` to run in the background."""
    if a.status not in APPLICABLE:
        return a
    a.actor = actor
    detail = None
    try:
        if a.action == "spend-limit":
            current = get_project_spend_limit(client, a.targets[0])
            a.before = {"limit_cents": current.threshold_cents if current else None}
            _, request_id = set_project_spend_limit(client, a.targets[0], a.after["limit_cents"])
            a.status = "applied"
            _audit(session, a, "enforce", "ok", request_id=request_id)
        elif a.action == "disable":
            result = disable_project(
                session, client, a.organization_id, a.targets[0], actor=actor, reason="over budget",
                run=False,
            )  # fmt: skip
            op = result.operation
            assert op is not None
            a.before = {"snapshot_id": result.snapshot_id, "operation_id": op.id}
            return _carry_out(session, client, a, op, enforcement_runs.APPLY, run)
        elif a.action == "revoke-keys":
            if not a.targets:
                raise ValueError("no keys are chosen for this budget")
            op = revoke_keys(session, client, a.organization_id, a.targets, actor=actor,
                             run=False).operation  # fmt: skip
            a.before = {"operation_id": op.id if op else None}
            if op is not None:
                return _carry_out(session, client, a, op, enforcement_runs.APPLY, run)
            a.status = "failed"
    except (AdminApiError, LookupError, ValueError) as exc:
        a.status, detail = "failed", str(exc)
        _audit(session, a, "enforce", "failed", detail=detail)
    a.applied_at = datetime.now(UTC)
    if detail:
        a.detail = detail
    session.commit()
    return a


def restore(
    session: Session,
    client: AdminClient,
    a: EnforcementAction,
    actor: str,
    *,
    run: bool = True,
) -> EnforcementAction:
    """Undo an applied action (spend limit back, project restored); keys stay revoked.
    Restoring a project runs as a bulk operation whose end decides the status; `run=False`
    stores it, the action "restoring", for `bulk_runner` to run in the background."""
    if a.status not in RESTORABLE:
        return a
    a.actor = actor
    try:
        if a.action == "spend-limit":
            previous = (a.before or {}).get("limit_cents")
            if previous is None:
                request_id = delete_project_spend_limit(client, a.targets[0])
            else:
                request_id = set_project_spend_limit(client, a.targets[0], previous)[1]
            a.status = "restored"
            _audit(session, a, "restore", "ok", request_id=request_id)
        elif a.action == "disable":
            result = restore_project(
                session, client, a.organization_id, a.targets[0], actor=actor, run=False
            )
            assert result.operation is not None
            return _carry_out(session, client, a, result.operation, enforcement_runs.RESTORE, run)
        else:
            a.status = "irreversible"
    except NothingToRestore:
        a.status = "restored"
    except (AdminApiError, LookupError, ValueError) as exc:
        a.status, a.detail = "restore-failed", str(exc)
        _audit(session, a, "restore", "failed", detail=str(exc))
    a.restored_at = datetime.now(UTC)
    session.commit()
    return a


def _carry_out(
    session: Session,
    client: AdminClient,
    a: EnforcementAction,
    op: BulkOperation,
    step: str,
    run: bool,
) -> EnforcementAction:
    """The action is "applying" / "restoring" until its operation ends; then what it says."""
    enforcement_runs.begin(session, op, a, step)
    if run:
        bulk.run_operation(session, client, op)
    return a


def action_by_id(session: Session, budget_id: int, action_id: int) -> EnforcementAction:
    """The budget's action; NotFound when the budget has no such action."""
    a = session.get(EnforcementAction, action_id)
    if a is None or a.budget_id != budget_id:
        raise NotFound(f"no action {action_id} on budget {budget_id}")
    return a


def actions(
    session: Session, org: Organization | None = None, budget_id: int | None = None
) -> list[EnforcementAction]:
    query = select(EnforcementAction)
    if org is not None:
        query = query.where(EnforcementAction.organization_id == org.id)
    if budget_id is not None:
        query = query.where(EnforcementAction.budget_id == budget_id)
    return list(session.scalars(query.order_by(EnforcementAction.id.desc())))


def action_json(a: EnforcementAction) -> dict[str, Any]:
    return {
        "id": a.id,
        "budget_id": a.budget_id,
        "period_start": a.period_start.isoformat(),
        "action": a.action,
        "targets": a.targets,
        "status": a.status,
        "detail": a.detail,
        "actor": a.actor,
        "applied_at": a.applied_at.isoformat() if a.applied_at else None,
        "restored_at": a.restored_at.isoformat() if a.restored_at else None,
    }
