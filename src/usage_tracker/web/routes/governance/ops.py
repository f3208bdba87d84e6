"""Disable and restore a project (preview → confirm → result), and every bulk operation's result.

Previews are POSTs: they read the project's current limits from the Admin API, which a page
never does on its own. Confirming plans with the same service the CLI and budget enforcement
call, then runs the operation in the background: the answer is its page, showing the progress.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from usage_tracker.services.governance import bulk_operations
from usage_tracker.services.governance.bulk_progress import operation_progress
from usage_tracker.services.governance.project_disable import disable_project, restore_project
from usage_tracker.services.governance.rate_limits import ActionResult
from usage_tracker.services.orgs.organizations import Organization
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer, Viewer
from usage_tracker.web.render import path_for
from usage_tracker.web.routes.governance.common import (
    actor,
    admin_client,
    call,
    page,
    pick_org,
    progress_of,
    redirect,
    require_org,
    start_operation,
)

router = APIRouter(prefix="/governance", include_in_schema=False)
ACTIONS = ("disable", "restore")


def _reason(text: str) -> str:
    return text.strip() or "disabled by hand"


def _act(
    request: Request,
    viewer: Viewer,
    db: Session,
    project_id: str,
    action: str,
    reason: str,
    *,
    dry_run: bool,
) -> tuple[Organization, ActionResult]:
    """Disable or restore with the organization's own key: the plan read from the Admin API now
    (`dry_run`), else also the stored, pending operation for the background runner."""
    if action not in ACTIONS:
        raise HTTPException(status_code=404, detail="no such action")
    org = require_org(request, db)
    client = admin_client(request, db, org)
    who = actor(viewer)
    if action == "disable":
        why = _reason(reason)
        result = call(
            lambda: disable_project(
                db, client, org.id, project_id, actor=who, reason=why, dry_run=dry_run, run=False
            )
        )
    else:
        result = call(
            lambda: restore_project(
                db, client, org.id, project_id, actor=who, dry_run=dry_run, run=False
            )
        )
    return org, result


@router.post("/projects/{project_id:path}/{action}/preview", name="gov:project-preview")
def preview(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    project_id: str,
    action: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """What disable would set to 0 (and which models it cannot edit), or what restore sets back."""
    org, result = _act(request, viewer, db, project_id, action, reason, dry_run=True)
    ctx: dict[str, Any] = {
        "action": action,
        "project_id": project_id,
        "plan": result.plan,
        "reason": _reason(reason),
        "confirm_url": path_for(
            request, "gov:project-confirm", project_id=project_id, action=action
        ),
    }
    return page(request, db, viewer, "project_action.html", "gov:projects", org, ctx)


@router.post("/projects/{project_id:path}/{action}", name="gov:project-confirm")
def confirm(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    project_id: str,
    action: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    org, result = _act(request, viewer, db, project_id, action, reason, dry_run=False)
    if result.operation is None:
        return redirect(request, "gov:project", org, project_id=project_id)
    return start_operation(request, org, result.operation)


@router.get("/operations", name="gov:operations")
def operations(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    org = pick_org(request, db)
    ops = bulk_operations.list_operations(db, org.id, limit=100) if org else []
    runner = request.app.state.bulk_runner
    rows = [operation_progress(db, op, live=runner.is_alive(op.id)) for op in ops]
    return page(request, db, viewer, "operations.html", "gov:operations", org, {"rows": rows})


@router.get("/operations/{operation_id}", name="gov:operation")
def operation(request: Request, viewer: PageViewer, db: DbSession, operation_id: int) -> Response:
    """Every item of one bulk operation: status, change, error and OpenAI's request id; while it
    runs, a progress bar the page's script updates (without script, the page reloads itself)."""
    org = require_org(request, db)
    p = progress_of(request, db, org, operation_id)
    ctx = {"op": p.op, "p": p, "items": p.items, "counts": p.counts}
    return page(request, db, viewer, "operation.html", "gov:operations", org, ctx)


@router.post("/operations/{operation_id}/retry", name="gov:operation-retry")
def retry(request: Request, viewer: AdminViewer, db: DbSession, operation_id: int) -> Response:
    """Run again the failed items, and the pending ones an interrupted run left (resume), in
    the background; 409 while the operation runs."""
    org = require_org(request, db)
    op = call(lambda: bulk_operations.get_operation(db, org.id, operation_id))
    admin_client(request, db, org).close()  # 409 here and now when the org has no key
    return start_operation(request, org, op)
