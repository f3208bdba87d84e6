"""Assign a template to projects, apply it (diff preview → confirm), and the drift view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from usage_tracker.services.governance.drift import template_drift
from usage_tracker.services.governance.rate_limits import ActionResult
from usage_tracker.services.governance.templates import apply_template, assign_template
from usage_tracker.services.orgs.organizations import Organization
from usage_tracker.services.views.rate_limits import matrix_view
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer, Viewer
from usage_tracker.web.routes.governance.common import (
    actor,
    admin_client,
    call,
    page,
    pick_org,
    redirect,
    require_org,
    start_operation,
)
from usage_tracker.web.routes.governance.templates import find_template

router = APIRouter(prefix="/governance", include_in_schema=False)
Projects = Annotated[list[str], Form()]


def _projects(project_ids: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(p.strip() for p in project_ids if p.strip()))
    if not chosen:
        raise HTTPException(status_code=422, detail="choose at least one project")
    return chosen


def _apply(
    request: Request,
    viewer: Viewer,
    db: Session,
    org: Organization,
    name: str,
    chosen: list[str],
    *,
    dry_run: bool,
) -> ActionResult:
    """The plan read from the Admin API now (`dry_run`), else the pending operation to start."""
    client = admin_client(request, db, org)
    return call(
        lambda: apply_template(
            db, client, org.id, name, chosen, actor=actor(viewer), dry_run=dry_run, run=False
        )
    )


@router.post("/templates/{template_id}/assign", name="gov:template-assign")
def assign(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    template_id: int,
    project_id: Projects,
) -> Response:
    """Record that these projects should follow the template; drift is measured against it."""
    org = require_org(request, db)
    template = find_template(db, org, template_id)
    chosen = _projects(project_id)
    call(lambda: assign_template(db, org.id, template.name, chosen, actor=actor(viewer)))
    return redirect(request, "gov:template", org, template_id=template.id)


@router.post("/templates/{template_id}/apply/preview", name="gov:template-preview")
def apply_preview(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    template_id: int,
    project_id: Projects,
) -> Response:
    """Current → new per project and model, read from the Admin API now; nothing changes yet."""
    org = require_org(request, db)
    template = find_template(db, org, template_id)
    chosen = _projects(project_id)
    result = _apply(request, viewer, db, org, template.name, chosen, dry_run=True)
    ctx: dict[str, Any] = {
        "template": template,
        "chosen": chosen,
        "plan": result.plan,
        "projects": matrix_view(db, org.id).projects,
    }
    return page(request, db, viewer, "apply_preview.html", "gov:templates", org, ctx)


@router.post("/templates/{template_id}/apply", name="gov:template-apply")
def apply_confirm(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    template_id: int,
    project_id: Projects,
) -> Response:
    org = require_org(request, db)
    template = find_template(db, org, template_id)
    chosen = _projects(project_id)
    result = _apply(request, viewer, db, org, template.name, chosen, dry_run=False)
    assert result.operation is not None
    return start_operation(request, org, result.operation)


@router.get("/drift", name="gov:drift")
def drift(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    """Projects whose stored limits differ from their assigned template, field by field."""
    org = pick_org(request, db)
    rows = template_drift(db, org.id) if org else []
    projects = matrix_view(db, org.id).projects if org else {}
    ctx = {"rows": rows, "projects": projects}
    return page(request, db, viewer, "drift.html", "gov:drift", org, ctx)
