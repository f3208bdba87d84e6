"""Enforcement from the budget page (admin only): apply a proposed action or undo an applied
one, each after a confirmation page that says what will happen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from usage_tracker.db.models import EnforcementAction, Organization
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services import enforcement
from usage_tracker.services.credentials import CredentialError
from usage_tracker.services.spend_mirror import default_client as admin_client
from usage_tracker.web.deps import AdminViewer, DbSession
from usage_tracker.web.routes.budgets_admin import confirm_page
from usage_tracker.web.routes.budgets_common import _, flash, flash_redirect

router = APIRouter(include_in_schema=False)


def _action(db: Session, budget_id: int, action_id: int) -> EnforcementAction:
    a = db.get(EnforcementAction, action_id)
    if a is None or a.budget_id != budget_id:
        raise HTTPException(status_code=404, detail=f"no action {action_id} on budget {budget_id}")
    return a


@router.get("/budgets/{budget_id:int}/actions/{action_id:int}", name="budgets:action-confirm")
def action_confirm(
    request: Request, viewer: AdminViewer, db: DbSession, budget_id: int, action_id: int,
    undo: bool = False,
) -> Response:  # fmt: skip
    a = _action(db, budget_id, action_id)
    lines = [f"{a.action} → {', '.join(a.targets)}", *(a.detail or "").split("; ")]
    return confirm_page(request, viewer, db, {
        "title": "undo" if undo else "apply", "lines": lines, "danger": not undo,
        "action": f"/budgets/{budget_id:int}/actions/{action_id:int}",
        "fields": {"undo": "1" if undo else ""},
        "cancel": f"/budgets/{budget_id:int}",
    })  # fmt: skip


@router.post("/budgets/{budget_id:int}/actions/{action_id:int}", name="budgets:action")
def action_run(
    request: Request, viewer: AdminViewer, db: DbSession, budget_id: int, action_id: int,
    undo: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    a = _action(db, budget_id, action_id)
    org = db.get(Organization, a.organization_id)
    assert org is not None
    back = f"/budgets/{budget_id:int}"
    try:
        client = admin_client(db, org, request.app.state.settings)
        run = enforcement.restore if undo else enforcement.apply
        done = run(db, client, a, f"web:{viewer.name}")
    except (CredentialError, AdminApiError, LookupError, ValueError) as exc:
        db.rollback()
        return flash_redirect(request, back, flash("error", _("Failed: %(detail)s"), detail=exc))
    ok = done.status not in ("failed", "restore-failed", "partial")
    return flash_redirect(
        request,
        back,
        flash(
            "ok" if ok else "error",
            _("%(action)s: %(status)s"),
            action=done.action,
            status=done.status,
        ),
    )
