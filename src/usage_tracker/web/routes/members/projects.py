"""The project membership editor: members × projects, add / change role / remove, with a
preview of every item (or why it is skipped), then the per-item results (admin only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.domain.roles import ORG_ROLES
from usage_tracker.services.members.project_memberships import (
    ACTIONS,
    MembershipPlan,
    apply_memberships,
    member_rows,
    plan_memberships,
)
from usage_tracker.services.orgs.organizations import Organization
from usage_tracker.web.deps import AdminViewer, DbSession, Viewer
from usage_tracker.web.frame import FLASH_KEY
from usage_tracker.web.render import path_for, render
from usage_tracker.web.routes.governance.common import actor, admin_client, call, require_org
from usage_tracker.web.state import load_state

router = APIRouter(include_in_schema=False)  # included by routes/members/members.py under /members
VIEW = "gov:access"
Ids = Annotated[list[str], Form()]


def members_page(
    request: Request,
    db: Session,
    viewer: Viewer,
    template: str,
    org: Organization | None,
    ctx: dict[str, Any] | None = None,
) -> HTMLResponse:
    """A members page in the dashboard layout (no date filters)."""
    state = load_state(request, db)
    base: dict[str, Any] = {
        "view": VIEW,
        "state": state,
        "f": state.filters,
        "supported": True,
        "org": org,
        "org_slugs": state.orgs,
        "q_org": f"?org={org.slug}" if org else "",
        "org_roles": ORG_ROLES,
        "flash": request.scope["session"].pop(FLASH_KEY, None) or [],
    }
    return render(request, f"members/{template}", viewer, base | (ctx or {}))


def to_members(request: Request, org: Organization, user_id: str | None = None) -> Response:
    if user_id is None:
        url = request.app.url_path_for("members:list")
    else:
        url = path_for(request, "members:detail", user_id=user_id)
    return RedirectResponse(f"{url}?org={org.slug}", status_code=303)


@router.get("/projects/edit", name="members:editor")
def editor(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    """Choose members and projects, then what to do to each pair."""
    org = require_org(request, db)
    r, rows = member_rows(db, org, now=utcnow())
    chosen = set(request.query_params.getlist("user_id"))
    projects = sorted(
        ((pid, p) for pid, p in r.projects.items() if not p.get("archived")),
        key=lambda kv: (kv[1].get("name") or kv[0]).lower(),
    )
    ctx = {"rows": rows, "chosen": chosen, "projects": projects, "actions": ACTIONS}
    return members_page(request, db, viewer, "editor.html", org, ctx)


def _plan(
    request: Request, db: Session, action: str, users: list[str], projects: list[str], role: str
) -> tuple[Organization, MembershipPlan]:
    org = require_org(request, db)
    users = [u for u in dict.fromkeys(users) if u.strip()]
    projects = [p for p in dict.fromkeys(projects) if p.strip()]
    return org, call(lambda: plan_memberships(db, org.id, action, users, projects, role or None))


@router.post("/projects/preview", name="members:memberships-preview")
def preview(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    action: Annotated[str, Form()],
    user_id: Ids,
    project_id: Ids,
    role: Annotated[str, Form()] = "",
) -> Response:
    org, plan = _plan(request, db, action, user_id, project_id, role)
    ctx = {"plan": plan, "role": role}
    return members_page(request, db, viewer, "preview.html", org, ctx)


@router.post("/projects/apply", name="members:memberships-apply")
def apply(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    action: Annotated[str, Form()],
    user_id: Ids,
    project_id: Ids,
    count: Annotated[int, Form()],
    role: Annotated[str, Form()] = "",
) -> Response:
    """Apply the previewed plan; refused when it no longer has the count that was confirmed."""
    org, plan = _plan(request, db, action, user_id, project_id, role)
    if count != len(plan.todo):
        raise HTTPException(
            status_code=409,
            detail=f"you confirmed {count} changes but the plan now has {len(plan.todo)}; "
            "preview again",
        )
    client = admin_client(request, db, org)
    result = apply_memberships(db, client, org.id, plan, actor=actor(viewer))
    return members_page(request, db, viewer, "results.html", org, {"result": result})
