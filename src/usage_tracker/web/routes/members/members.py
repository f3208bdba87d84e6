"""Members and access: the Members page (search and filters), a member's page, and changing a
member's organization role or removing them (preview → confirm; admin only, CSRF-checked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from usage_tracker.db.base import utcnow
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.governance.keys_inventory import refresh_key_inventory
from usage_tracker.services.members.invites import refresh_invites, stored_invites
from usage_tracker.services.members.project_memberships import MemberFilters, member_rows
from usage_tracker.services.members.roster import (
    plan_remove,
    plan_set_role,
    refresh_access,
    remove_member,
    set_role,
)
from usage_tracker.services.views.audit_names import named_audit_json
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer
from usage_tracker.web.routes.governance.common import (
    actor,
    admin_client,
    call,
    pick_org,
    require_org,
)
from usage_tracker.web.routes.members import invites as members_invites
from usage_tracker.web.routes.members import projects as members_projects
from usage_tracker.web.routes.members import service_accounts as members_service_accounts
from usage_tracker.web.routes.members.api import router as api_router
from usage_tracker.web.routes.members.projects import members_page, to_members

router = APIRouter(prefix="/members", include_in_schema=False)
router.include_router(members_projects.router)
router.include_router(members_invites.router)
router.include_router(members_service_accounts.router)
__all__ = ["api_router", "router"]


@router.get("", name="members:list")
def members_list(
    request: Request,
    viewer: PageViewer,
    db: DbSession,
    q: str = "",
    role: str = "",
    project: str = "",
    stale_keys: bool = False,
    inactive_days: Annotated[str, Query(pattern=r"^\d{0,4}$")] = "",
    format: str = "",
) -> Response:
    """Every member with role, projects, keys and spend; searchable and filterable."""
    org = pick_org(request, db)
    days = int(inactive_days) if inactive_days and int(inactive_days) > 0 else None
    filters = MemberFilters(q, role, project, stale_keys, days)
    if org is None:
        return members_page(request, db, viewer, "list.html", None, {"filters": filters})
    r, rows = member_rows(db, org, filters, now=utcnow())
    if format == "json":
        return JSONResponse([row.to_json() for row in rows])
    ctx = {
        "filters": filters,
        "roster": r,
        "rows": rows,
        "projects": sorted(r.projects.items(), key=lambda kv: kv[1].get("name") or kv[0]),
        "invites": stored_invites(db, org.id),
    }
    return members_page(request, db, viewer, "list.html", org, ctx)


@router.post("/refresh", name="members:refresh")
def members_refresh(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    """Members, memberships, keys and invites, read again from the Admin API (the org's key)."""
    org = require_org(request, db)
    client = admin_client(request, db, org)
    call(lambda: refresh_access(db, client, org.id))
    call(lambda: refresh_key_inventory(db, client, org.id))
    call(lambda: refresh_invites(db, client, org.id))
    return to_members(request, org)


@router.get("/{user_id}", name="members:detail")
def member_detail(request: Request, viewer: PageViewer, db: DbSession, user_id: str) -> Response:
    """One member: role, projects, keys they own, spend, and the audit entries about them."""
    org = require_org(request, db)
    _, rows = member_rows(db, org, now=utcnow())
    row = next((m for m in rows if m.id == user_id), None)
    if row is None:
        raise HTTPException(status_code=404, detail=f"no member {user_id} in {org.slug}")
    plan = plan_remove(db, org.id, user_id)
    entries = list_audit(db, AuditFilter(org.id, target_id=user_id), limit=100)
    entries += list_audit(db, AuditFilter(org.id, action="project_member."), limit=500)
    entries = [e for e in entries if e.target_id == user_id or e.target_id.endswith(f"/{user_id}")]
    entries.sort(key=lambda e: (e.at, e.id), reverse=True)
    ctx = {"m": row, "keys": plan.keys, "entries": named_audit_json(db, entries)}
    return members_page(request, db, viewer, "detail.html", org, ctx)


@router.post("/{user_id}/role/preview", name="members:role-preview")
def role_preview(
    request: Request, viewer: AdminViewer, db: DbSession, user_id: str, role: Annotated[str, Form()]
) -> Response:
    org = require_org(request, db)
    plan = call(lambda: plan_set_role(db, org.id, user_id, role))
    return members_page(request, db, viewer, "confirm.html", org, {"kind": "role", "plan": plan})


@router.post("/{user_id}/role", name="members:role")
def role_apply(
    request: Request, viewer: AdminViewer, db: DbSession, user_id: str, role: Annotated[str, Form()]
) -> Response:
    org = require_org(request, db)
    client = admin_client(request, db, org)
    call(lambda: set_role(db, client, org.id, user_id, role, actor=actor(viewer)))
    return to_members(request, org, user_id)


@router.post("/{user_id}/remove/preview", name="members:remove-preview")
def remove_preview(request: Request, viewer: AdminViewer, db: DbSession, user_id: str) -> Response:
    org = require_org(request, db)
    plan = call(lambda: plan_remove(db, org.id, user_id))
    return members_page(request, db, viewer, "confirm.html", org, {"kind": "remove", "plan": plan})


@router.post("/{user_id}/remove", name="members:remove")
def remove_apply(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    user_id: str,
    confirm: Annotated[str, Form()],
) -> Response:
    org = require_org(request, db)
    if confirm != user_id:
        raise HTTPException(status_code=422, detail="the confirmation does not name this member")
    client = admin_client(request, db, org)
    call(lambda: remove_member(db, client, org.id, user_id, actor=actor(viewer)))
    return to_members(request, org)
