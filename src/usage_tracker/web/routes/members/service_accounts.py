"""A project's service accounts: the stored list (refreshed from the Admin API on request),
creating one — its new API key is on the result page once, never stored, logged or cached —
and deleting one after a confirmation. Writes are admin only and CSRF-checked; the service
(`services/members/service_accounts.py`) audits them with the key's id, never its value."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from usage_tracker.services.members.service_accounts import (
    account_json,
    create_account,
    delete_account,
    refresh_accounts,
    stored_accounts,
)
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer
from usage_tracker.web.routes.governance.common import actor, admin_client, call, require_org
from usage_tracker.web.routes.members.invites import active_projects
from usage_tracker.web.routes.members.projects import members_page

router = APIRouter(include_in_schema=False)  # included by routes/members/members.py under /members
Text = Annotated[str, Form()]


def _to_accounts(request: Request, slug: str, project_id: str) -> Response:
    url = request.app.url_path_for("members:service-accounts")
    return RedirectResponse(f"{url}?org={slug}&project={project_id}", status_code=303)


def _project(db: DbSession, org_id: int, project_id: str) -> tuple[str, str]:
    names = dict(active_projects(db, org_id))
    if project_id not in names:
        raise HTTPException(status_code=404, detail=f"no active project {project_id!r}")
    return project_id, names[project_id]


@router.get("/service-accounts", name="members:service-accounts")
def accounts_page(
    request: Request, viewer: PageViewer, db: DbSession, project: str = ""
) -> Response:
    """Choose a project; its service accounts as last read, with create and delete (admin)."""
    org = require_org(request, db)
    projects = active_projects(db, org.id)
    chosen = project or (projects[0][0] if projects else "")
    ctx = {
        "projects": projects,
        "project": chosen,
        "project_name": dict(projects).get(chosen),
        "accounts": stored_accounts(db, org.id, chosen) if chosen else [],
    }
    return members_page(request, db, viewer, "service_accounts.html", org, ctx)


@router.post("/service-accounts/refresh", name="members:service-accounts-refresh")
def accounts_refresh(
    request: Request, viewer: AdminViewer, db: DbSession, project_id: Text
) -> Response:
    org = require_org(request, db)
    pid, _ = _project(db, org.id, project_id)
    client = admin_client(request, db, org)
    call(lambda: refresh_accounts(db, client, org.id, pid))
    return _to_accounts(request, org.slug, pid)


@router.post("/service-accounts", name="members:service-account-create")
def account_create(
    request: Request, viewer: AdminViewer, db: DbSession, project_id: Text, name: Text
) -> Response:
    """Create the account; the page shows its key this once and is never cached."""
    org = require_org(request, db)
    pid, project_name = _project(db, org.id, project_id)
    if not name.strip():
        raise HTTPException(status_code=422, detail="a service account needs a name")
    client = admin_client(request, db, org)
    created, request_id = call(
        lambda: create_account(db, client, org.id, pid, name, actor=actor(viewer))
    )
    ctx = {
        "account": account_json(created.account),
        "project": pid,
        "project_name": project_name,
        "key_id": created.key_id,
        "key_value": created.key_value,
        "request_id": request_id,
    }
    response = members_page(request, db, viewer, "service_account_created.html", org, ctx)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _account(db: DbSession, org_id: int, project_id: str, account_id: str) -> dict[str, object]:
    found = next(
        (a for a in stored_accounts(db, org_id, project_id) if a["id"] == account_id), None
    )
    if found is None:
        raise HTTPException(
            status_code=404, detail=f"no service account {account_id} in project {project_id}"
        )
    return dict(found)


@router.post(
    "/service-accounts/{account_id}/delete/preview", name="members:service-account-delete-preview"
)
def delete_preview(
    request: Request, viewer: AdminViewer, db: DbSession, account_id: str, project_id: Text
) -> Response:
    org = require_org(request, db)
    pid, project_name = _project(db, org.id, project_id)
    ctx = {"account": _account(db, org.id, pid, account_id), "project_name": project_name}
    return members_page(request, db, viewer, "service_account_delete.html", org, ctx)


@router.post("/service-accounts/{account_id}/delete", name="members:service-account-delete")
def delete_apply(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    account_id: str,
    project_id: Text,
    confirm: Text,
) -> Response:
    """Delete the account through the Admin API (audited as `service_account.delete`)."""
    org = require_org(request, db)
    if confirm != account_id:
        raise HTTPException(status_code=422, detail="the confirmation does not name this account")
    pid, _ = _project(db, org.id, project_id)
    client = admin_client(request, db, org)
    call(lambda: delete_account(db, client, org.id, pid, account_id, actor=actor(viewer)))
    return _to_accounts(request, org.slug, pid)
