"""`/api/v1` JSON twins of the budget pages: every budget's status (the objects of
`usage-tracker budgets check --format json`), one budget in full, and the alert history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from usage_tracker.services.spend import enforcement, enforcement_runs
from usage_tracker.services.spend.budget_status import evaluate_budget
from usage_tracker.services.spend.budgets import budget_history, edit_json
from usage_tracker.services.spend.evaluation import alert_history, event_json
from usage_tracker.services.spend.openai_mirror import openai_controls
from usage_tracker.web.deps import ApiViewer, DbSession
from usage_tracker.web.routes.spend.budgets import evaluate_states, keep
from usage_tracker.web.routes.spend.common import get_budget_or_404

router = APIRouter(prefix="/api/v1", tags=["budgets"])


@router.get("/budgets", name="api:budgets", summary="Every budget with its status and forecast")
def budgets(
    viewer: ApiViewer,
    db: DbSession,
    status: str | None = Query(None, pattern="^(over|at-risk)$"),
) -> list[dict[str, Any]]:
    """Exactly the objects of `usage-tracker budgets check --format json` (nothing is sent)."""
    states, _errors = evaluate_states(db)
    return [s.to_json() for s in states if keep(s, status)]


@router.get(
    "/budgets/{budget_id}",
    name="api:budget",
    summary="One budget: status, burn, alerts, actions, edits",
)
def budget(viewer: ApiViewer, db: DbSession, budget_id: int) -> dict[str, Any]:
    b, org = get_budget_or_404(db, budget_id)
    state = evaluate_budget(db, org, b)
    actions = enforcement.actions(db, budget_id=b.id)
    ops = enforcement_runs.operations_of(db, actions)
    return state.to_json() | {
        "burn": state.burn_json(),
        "alerts": [event_json(e) for e in alert_history(db, b.id)],
        "actions": [
            enforcement.action_json(a) | {"operation_id": ops[a.id].id if a.id in ops else None}
            for a in actions
        ],
        "edits": [edit_json(e) for e in budget_history(db, org, b.scope, b.scope_id)],
        "openai": openai_controls(db, org.id, b.scope_id) if b.scope == "project" else None,
    }


@router.get("/alerts", name="api:alerts", summary="Alert history, newest first")
def alerts(
    viewer: ApiViewer, db: DbSession, budget_id: int | None = Query(None)
) -> list[dict[str, Any]]:
    return [event_json(e) for e in alert_history(db, budget_id, limit=500)]
