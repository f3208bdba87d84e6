"""The budgets pages: the list (cards, sortable table, filters), a budget's detail with its burn
chart, the edit history and the alert history. Writes are in `budgets_admin`; JSON twins in
`budgets_api`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from usage_tracker.domain.budgets import ENFORCEMENTS, SCOPES
from usage_tracker.domain.periods import PERIODS
from usage_tracker.services.ledger.scope_names import Name, choices
from usage_tracker.services.orgs.organizations import (
    Organization,
    list_organizations,
    organization_by_id,
)
from usage_tracker.services.spend import enforcement, enforcement_runs
from usage_tracker.services.spend.budget_status import BudgetState, evaluate_budget
from usage_tracker.services.spend.budgets import (
    Budget,
    budget_history,
    budget_names,
    list_budgets,
    scope_names,
)
from usage_tracker.services.spend.channels import list_channels
from usage_tracker.services.spend.evaluation import alert_history
from usage_tracker.services.spend.openai_mirror import openai_controls
from usage_tracker.web import charts
from usage_tracker.web.deps import DbSession, PageViewer
from usage_tracker.web.render import gettext_for, page_context
from usage_tracker.web.routes.spend.common import get_budget_or_404, org_choices, spend_page

router = APIRouter(include_in_schema=False)
FILTERS = ("over", "at-risk")


def evaluate_states(db: Session) -> tuple[list[BudgetState], list[str]]:
    """Every budget's state now, in `budgets check` order (org, scope, id); errors apart."""
    states, errors = [], []
    for budget, _slug in list_budgets(db):
        org = organization_by_id(db, budget.organization_id)
        try:
            states.append(evaluate_budget(db, org, budget))
        except (LookupError, ValueError) as exc:
            errors.append(f"budget {budget.scope} {budget.scope_id}: {exc}")
    return states, errors


def keep(state: BudgetState, status: str | None) -> bool:
    if status == "over":
        return state.status == "over"
    if status == "at-risk":
        return state.at_risk
    return True


def period_totals(states: list[BudgetState]) -> list[dict[str, Any]]:
    """Budget and spend summed per period kind (monthly, quarterly, yearly): a monthly and a
    yearly amount are never added together."""
    out = []
    for period in PERIODS:
        group = [s for s in states if s.budget.period == period]
        if group:
            out.append({
                "period": period, "count": len(group),
                "budget": sum(s.budget_nanos for s in group),
                "spent": sum(s.spent_nanos for s in group),
            })  # fmt: skip
    return out


@router.get("/budgets", name="budgets:list")
def budgets_page(
    request: Request, viewer: PageViewer, db: DbSession, status: str | None = None
) -> HTMLResponse:
    states, errors = evaluate_states(db)
    status = status if status in FILTERS else None
    shown = sorted((s for s in states if keep(s, status)), key=lambda s: -s.percent)
    cards = {
        "periods": period_totals(states),
        "warning": sum(1 for s in states if s.status == "warning"),
        "over": sum(1 for s in states if s.status == "over"),
        "at_risk": sum(1 for s in states if s.at_risk),
    }
    ctx = {
        "states": shown, "errors": errors, "status": status, "cards": cards,
        "orgs": org_choices(request, db), "scopes": SCOPES, "periods": PERIODS,
        "enforcements": ENFORCEMENTS, "known": known_ids(db) if viewer.is_admin else {},
    }  # fmt: skip
    return spend_page(request, viewer, db, "budgets", "budgets/list.html", ctx)


def known_ids(db: Session) -> dict[str, list[Name]]:
    """What the budget form offers per scope: every id the tracker knows, with its name."""
    orgs = list_organizations(db)
    out: dict[str, list[Name]] = {"org": [Name("org", o.slug, o.name, True) for o in orgs]}
    for scope in ("project", "user", "key", "team"):
        out[scope] = [n for o in orgs for n in choices(db, o.id, scope)]
    return out


@router.get("/budgets/history", name="budgets:history")
def history_page(request: Request, viewer: PageViewer, db: DbSession) -> HTMLResponse:
    orgs = list_organizations(db)
    slugs = {o.id: o.slug for o in orgs}
    edits = sorted(
        (e for org in orgs for e in budget_history(db, org)),
        key=lambda e: (e.at, e.id),
        reverse=True,
    )
    ctx = {"edits": edits, "slugs": slugs, "edit_names": scope_names(db, edits)}
    return spend_page(request, viewer, db, "budgets", "budgets/history.html", ctx)


@router.get("/budgets/{budget_id:int}", name="budgets:detail")
def detail_page(
    request: Request, viewer: PageViewer, db: DbSession, budget_id: int
) -> HTMLResponse:
    budget, org = get_budget_or_404(db, budget_id)
    state = evaluate_budget(db, org, budget)
    ctx = page_context(request, viewer)
    chart = charts.burn(state, ctx["fmt"], gettext_for(ctx["lang"]))
    return spend_page(request, viewer, db, "budgets", "budgets/detail.html", detail_context(
        db, org, budget, state, chart
    ))  # fmt: skip


def detail_context(
    db: Session, org: Organization, budget: Budget, state: BudgetState, chart: dict[str, Any]
) -> dict[str, Any]:
    controls = openai_controls(db, org.id, budget.scope_id) if budget.scope == "project" else None
    actions = enforcement.actions(db, budget_id=budget.id)
    edits = budget_history(db, org, budget.scope, budget.scope_id)
    targets = enforcement.target_names(db, budget, actions)
    return {
        "s": state,
        "b": budget,
        "burn_chart": chart,
        "events": alert_history(db, budget.id),
        "channels_enabled": len(list_channels(db, enabled_only=True)),
        "budget_names": budget_names(db, [budget]),
        "actions": actions,
        "action_ops": enforcement_runs.operations_of(db, actions),
        "restorable": enforcement.RESTORABLE,
        "enforce_preview": enforcement.preview(budget, state, targets),
        "target_names": targets,
        "edits": edits,
        "edit_names": scope_names(db, edits),
        "controls": controls,
    }


@router.get("/alerts", name="alerts:list")
def alerts_page(request: Request, viewer: PageViewer, db: DbSession) -> HTMLResponse:
    names = budget_names(db, [b for b, _slug in list_budgets(db)])
    ctx = {
        "events": alert_history(db, limit=500), "budget_names": names,
        "channels_enabled": len(list_channels(db, enabled_only=True)),
    }  # fmt: skip
    return spend_page(request, viewer, db, "alerts", "budgets/alerts.html", ctx)
