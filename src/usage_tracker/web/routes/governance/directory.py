"""Members and projects (read-only): roles, memberships, keys, limits, spend, and each project's
page with its audit entries. A refresh (admin, POST) reads them from the Admin API."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from usage_tracker.services.audit.log import org_slugs, project_audit
from usage_tracker.services.audit.openai_log import openai_audit_to_json, project_openai_audit
from usage_tracker.services.governance.project_disable import active_snapshot
from usage_tracker.services.views.audit_names import named_audit_json
from usage_tracker.services.views.keys import key_view
from usage_tracker.services.views.people import directory, project_keys, refresh_directory
from usage_tracker.services.views.rate_limits import matrix_view
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer
from usage_tracker.web.routes.governance.common import (
    admin_client,
    call,
    page,
    pick_org,
    redirect,
    require_org,
)

router = APIRouter(prefix="/governance", include_in_schema=False)


@router.get("/members", name="gov:members")
def members(request: Request, viewer: PageViewer) -> Response:
    """The older read-only members page: now the member administration page, /members (which
    shows roles and project memberships too); the query string (`org`) is kept."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(request.app.url_path_for("members:list") + query, status_code=308)


@router.get("/projects", name="gov:projects")
def projects(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    org = pick_org(request, db)
    data = directory(db, org) if org else None
    return page(request, db, viewer, "projects.html", "gov:projects", org, {"dir": data})


@router.post("/directory/refresh", name="gov:directory-refresh")
def refresh(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    """Members, projects and project memberships from the Admin API (the org's own key)."""
    org = require_org(request, db)
    client = admin_client(request, db, org)
    call(lambda: refresh_directory(db, client, org.id))
    target = request.query_params.get("back")
    return redirect(request, "gov:projects" if target == "projects" else "members:list", org)


@router.get("/projects/{project_id}", name="gov:project")
def project(request: Request, viewer: PageViewer, db: DbSession, project_id: str) -> Response:
    """One project: limits, keys, members, spend, every audit entry about it and OpenAI's own
    audit-log events for it (as the sync stored them)."""
    org = require_org(request, db)
    data = directory(db, org)
    row = next((p for p in data.projects if p.project_id == project_id), None)
    limits = matrix_view(db, org.id, project_id=project_id)
    if row is None and not limits.rows:
        raise HTTPException(status_code=404, detail=f"no project {project_id} in {org.slug}")
    slugs = org_slugs(db)
    ctx = {
        "project_id": project_id,
        "row": row,
        "disabled": active_snapshot(db, org.id, project_id) is not None,
        "matrix": limits,
        "keys": project_keys(db, org.id, project_id),
        "inv": key_view(db, org.id, project_id=project_id),
        "entries": named_audit_json(db, project_audit(db, org.id, project_id)),
        "openai_entries": [
            openai_audit_to_json(e, slugs) for e in project_openai_audit(db, org.id, project_id)
        ],
    }
    return page(request, db, viewer, "project.html", "gov:projects", org, ctx)
