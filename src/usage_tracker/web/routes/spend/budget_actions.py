"""Enforcement from the budget page (admin only): apply a proposed action or undo an applied
one, each after a confirmation page that says what will happen. Disabling, revoking and
restoring run in the background like every bulk operation: the answer is the operation's page;
the budget page shows the action "applying" / "restoring" with a link to it until it ends."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services.governance import bulk
from usage_tracker.services.governance.bulk_runner import RunnerBusy
from usage_tracker.services.orgs.credentials import CredentialError
from usage_tracker.services.orgs.organizations import organization_by_id
from usage_tracker.services.spend import enforcement, enforcement_runs
from usage_tracker.services.spend.enforcement import EnforcementAction
from usage_tracker.services.spend.openai_mirror import default_client as admin_client
from usage_tracker.web.deps import AdminViewer, DbSession
from usage_tracker.web.render import path_for
from usage_tracker.web.routes.spend.budgets_admin import confirm_page
from usage_tracker.web.routes.spend.common import _, flash, flash_redirect

router = APIRouter(include_in_schema=False)


def _action(db: Session, budget_id: int, action_id: int) -> EnforcementAction:
    return enforcement.action_by_id(db, budget_id, action_id)


@router.get("/budgets/{budget_id:int}/actions/{action_id:int}", name="budgets:action-confirm")
def action_confirm(
    request: Request, viewer: AdminViewer, db: DbSession, budget_id: int, action_id: int,
    undo: bool = False,
) -> Response:  # fmt: skip
    a = _action(db, budget_id, action_id)
    lines = [f"{a.action} → {', '.join(a.targets)}", *(a.detail or "").split("; ")]
    return confirm_page(request, viewer, db, {
        "title": "undo" if undo else "apply", "lines": lines, "danger": not undo,
        "action": f"/budgets/{budget_id}/actions/{action_id}",
        "fields": {"undo": "1" if undo else ""},
        "cancel": f"/budgets/{budget_id}",
    })  # fmt: skip


@router.post("/budgets/{budget_id:int}/actions/{action_id:int}", name="budgets:action")
def action_run(
    request: Request, viewer: AdminViewer, db: DbSession, budget_id: int, action_id: int,
    undo: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """A spend limit is set (or put back) here and now: two calls. Disabling, revoking and
    restoring are planned here and run in the background: the answer is the operation's page."""
    a = _action(db, budget_id, action_id)
    org = organization_by_id(db, a.organization_id)
    back = f"/budgets/{budget_id}"
    was_running = enforcement_runs.in_progress(a)
    try:
        with admin_client(db, org, request.app.state.settings) as client:
            run = enforcement.restore if undo else enforcement.apply
            done = run(db, client, a, f"web:{viewer.name}", run=False)
    except (CredentialError, AdminApiError, LookupError, ValueError) as exc:
        db.rollback()
        return flash_redirect(request, back, flash("error", _("Failed: %(detail)s"), detail=exc))
    op = enforcement_runs.operation_of(db, done) if enforcement_runs.in_progress(done) else None
    if op is not None:
        if not was_running:
            try:
                request.app.state.bulk_runner.start(op.id)
            except (bulk.AlreadyRunning, RunnerBusy) as exc:
                failed = flash("error", _("Failed: %(detail)s"), detail=exc)
                return flash_redirect(request, back, failed)
        url = path_for(request, "gov:operation", operation_id=op.id)
        return RedirectResponse(f"{url}?{urlencode({'org': org.slug})}", status_code=303)
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
