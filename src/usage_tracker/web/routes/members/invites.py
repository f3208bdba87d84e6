"""Invites to the organization: the pending ones, inviting by e-mail with a role and project
memberships (preview → confirm), and revoking one (preview → confirm). Writes are admin only,
CSRF-checked, made with the organization's own key and audited by `services/members/invites.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from usage_tracker.domain.roles import ORG_ROLES, PROJECT_ROLES
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.members.invites import (
    create_invite,
    refresh_invites,
    revoke_invite,
    stored_invites,
)
from usage_tracker.services.members.roster import roster
from usage_tracker.services.views.audit_names import named_audit_json
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer
from usage_tracker.web.routes.governance.common import actor, admin_client, call, require_org
from usage_tracker.web.routes.members.projects import members_page

router = APIRouter(include_in_schema=False)  # included by routes/members/members.py under /members
Ids = Annotated[list[str], Form()]


def _to_invites(request: Request, slug: str) -> Response:
    url = request.app.url_path_for("members:invites")
    return RedirectResponse(f"{url}?org={slug}", status_code=303)


def active_projects(db: DbSession, org_id: int) -> list[tuple[str, str]]:
    """Active stored projects as (id, name), by name."""
    r = roster(db, org_id)
    active = [(pid, p.get("name") or pid) for pid, p in r.projects.items() if not p.get("archived")]
    return sorted(active, key=lambda kv: (kv[1].lower(), kv[0]))


@router.get("/invites", name="members:invites")
def invites_page(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    """Pending invites (as last read), the invite form and the audit trail of invites."""
    org = require_org(request, db)
    entries = list_audit(db, AuditFilter(org.id, action="invite."), limit=50)
    ctx = {
        "invites": stored_invites(db, org.id),
        "projects": active_projects(db, org.id),
        "project_roles": PROJECT_ROLES,
        "entries": named_audit_json(db, entries),
    }
    return members_page(request, db, viewer, "invites.html", org, ctx)


@router.post("/invites/refresh", name="members:invites-refresh")
def invites_refresh(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    org = require_org(request, db)
    client = admin_client(request, db, org)
    call(lambda: refresh_invites(db, client, org.id))
    return _to_invites(request, org.slug)


def _grants(db: DbSession, org_id: int, project_ids: list[str], role: str) -> list[tuple[str, str]]:
    if role not in PROJECT_ROLES:
        raise HTTPException(status_code=422, detail=f"project role must be one of {PROJECT_ROLES}")
    known = dict(active_projects(db, org_id))
    unknown = [p for p in project_ids if p not in known]
    if unknown:
        raise HTTPException(status_code=422, detail=f"no active project {', '.join(unknown)}")
    return [(p, role) for p in dict.fromkeys(project_ids)]


@router.post("/invites/preview", name="members:invite-preview")
def invite_preview(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    email: Annotated[str, Form()],
    role: Annotated[str, Form()],
    project_id: Ids = [],  # noqa: B006 - FastAPI copies defaults
    project_role: Annotated[str, Form()] = "member",
) -> Response:
    """What the invite will grant; nothing is sent yet."""
    org = require_org(request, db)
    if role not in ORG_ROLES:
        raise HTTPException(status_code=422, detail=f"role must be one of {', '.join(ORG_ROLES)}")
    grants = _grants(db, org.id, project_id, project_role)
    names = dict(active_projects(db, org.id))
    ctx = {
        "kind": "create",
        "email": email.strip(),
        "role": role,
        "project_role": project_role,
        "grants": [{"id": p, "name": names.get(p), "role": r} for p, r in grants],
    }
    return members_page(request, db, viewer, "invite_confirm.html", org, ctx)


@router.post("/invites", name="members:invite-create")
def invite_create(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    email: Annotated[str, Form()],
    role: Annotated[str, Form()],
    project_id: Ids = [],  # noqa: B006 - FastAPI copies defaults
    project_role: Annotated[str, Form()] = "member",
) -> Response:
    """Send the invite through the Admin API (audited as `invite.create`)."""
    org = require_org(request, db)
    grants = _grants(db, org.id, project_id, project_role)
    client = admin_client(request, db, org)
    call(lambda: create_invite(db, client, org.id, email, role, grants, actor=actor(viewer)))
    return _to_invites(request, org.slug)


def _invite(db: DbSession, org_id: int, invite_id: str) -> dict[str, str | None]:
    found = next((i for i in stored_invites(db, org_id) if i.id == invite_id), None)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no pending invite {invite_id}")
    return vars(found)


@router.post("/invites/{invite_id}/revoke/preview", name="members:invite-revoke-preview")
def revoke_preview(
    request: Request, viewer: AdminViewer, db: DbSession, invite_id: str
) -> Response:
    org = require_org(request, db)
    ctx = {"kind": "revoke", "invite": _invite(db, org.id, invite_id)}
    return members_page(request, db, viewer, "invite_confirm.html", org, ctx)


@router.post("/invites/{invite_id}/revoke", name="members:invite-revoke")
def revoke_apply(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    invite_id: str,
    confirm: Annotated[str, Form()],
) -> Response:
    """Revoke the invite through the Admin API (audited as `invite.revoke`)."""
    org = require_org(request, db)
    if confirm != invite_id:
        raise HTTPException(status_code=422, detail="the confirmation does not name this invite")
    _invite(db, org.id, invite_id)
    client = admin_client(request, db, org)
    call(lambda: revoke_invite(db, client, org.id, invite_id, actor=actor(viewer)))
    return _to_invites(request, org.slug)
