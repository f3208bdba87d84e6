"""Rate-limit templates: list, create from a project, import, edit, delete, export (two formats)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from usage_tracker.services.governance.templates import (
    RateLimitTemplate,
    TemplateFormatError,
    delete_template,
    export_template,
    import_template,
    list_templates,
    save_template,
    template_from_project,
)
from usage_tracker.services.orgs.organizations import Organization
from usage_tracker.services.views.rate_limits import matrix_view
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer
from usage_tracker.web.routes.governance.common import (
    actor,
    admin_client,
    call,
    page,
    pick_org,
    redirect,
    require_org,
)

router = APIRouter(prefix="/governance", include_in_schema=False)
MAX_TEMPLATE_BYTES = 1 << 20
FORMATS = ("tracker", "legacy")


def find_template(db: Session, org: Organization, template_id: int) -> RateLimitTemplate:
    for template in list_templates(db, org.id):
        if template.id == template_id:
            return template
    raise HTTPException(status_code=404, detail=f"no rate-limit template {template_id}")


def _list_page(
    request: Request, db: Session, viewer: Any, org: Organization | None, error: str | None = None
) -> Response:
    templates = list_templates(db, org.id) if org else []
    projects = matrix_view(db, org.id).projects if org else {}
    ctx = {"templates": templates, "projects": projects, "error": error}
    status = 422 if error else 200
    response = page(request, db, viewer, "templates.html", "gov:templates", org, ctx)
    response.status_code = status
    return response


@router.get("/templates", name="gov:templates")
def templates(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    return _list_page(request, db, viewer, pick_org(request, db))


@router.post("/templates/from-project", name="gov:template-from-project")
def from_project(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    name: Annotated[str, Form()],
    project_id: Annotated[str, Form()],
) -> Response:
    """A template holding every limit the project has now (read from the Admin API)."""
    org = require_org(request, db)
    client = admin_client(request, db, org)
    template = call(
        lambda: template_from_project(db, client, org.id, name, project_id, actor=actor(viewer))
    )
    return redirect(request, "gov:template", org, template_id=template.id)


@router.post("/templates/import", name="gov:template-import")
def import_file(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    file: Annotated[UploadFile, File()],
    name: Annotated[str, Form()] = "",
) -> Response:
    """The tracker's format or the older array of {id, model, max_requests..., max_tokens...}."""
    org = require_org(request, db)
    raw = file.file.read(MAX_TEMPLATE_BYTES + 1)
    try:
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise TemplateFormatError("the file is larger than 1 MB")
        data = json.loads(raw.decode("utf-8-sig"))
        default = data.get("name") if isinstance(data, dict) else None
        chosen = name.strip() or default or Path(file.filename or "template").stem
        template = import_template(db, org.id, str(chosen), data, actor=actor(viewer))
    except (ValueError, UnicodeDecodeError) as exc:
        db.rollback()
        return _list_page(request, db, viewer, org, f"{file.filename}: {exc}")
    return redirect(request, "gov:template", org, template_id=template.id)


@router.get("/templates/{template_id}", name="gov:template")
def template_page(
    request: Request, viewer: PageViewer, db: DbSession, template_id: int
) -> Response:
    org = require_org(request, db)
    template = find_template(db, org, template_id)
    return _detail(request, db, viewer, org, template)


def _detail(
    request: Request,
    db: Session,
    viewer: Any,
    org: Organization,
    template: RateLimitTemplate,
    *,
    limits_text: str | None = None,
    error: str | None = None,
) -> Response:
    view = matrix_view(db, org.id)
    assigned = sorted(pid for pid, name in view.templates.items() if name == template.name)
    ctx = {
        "template": template,
        "limits_text": limits_text or json.dumps(template.limits, indent=2, sort_keys=True),
        "projects": view.projects,
        "assigned": assigned,
        "fields": view.fields,
        "error": error,
    }
    response = page(request, db, viewer, "template.html", "gov:templates", org, ctx)
    response.status_code = 422 if error else 200
    return response


@router.post("/templates/{template_id}/edit", name="gov:template-edit")
def edit(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    template_id: int,
    limits: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
) -> Response:
    org = require_org(request, db)
    template = find_template(db, org, template_id)
    try:
        save_template(
            db,
            org.id,
            template.name,
            json.loads(limits),
            actor=actor(viewer),
            description=description.strip(),
        )
    except ValueError as exc:
        db.rollback()
        return _detail(request, db, viewer, org, template, limits_text=limits, error=str(exc))
    return redirect(request, "gov:template", org, template_id=template.id)


@router.post("/templates/{template_id}/delete", name="gov:template-delete")
def delete(request: Request, viewer: AdminViewer, db: DbSession, template_id: int) -> Response:
    org = require_org(request, db)
    template = find_template(db, org, template_id)
    call(lambda: delete_template(db, org.id, template.name, actor=actor(viewer)))
    return redirect(request, "gov:templates", org)


@router.get("/templates/{template_id}/export.json", name="gov:template-export")
def export(
    request: Request, viewer: PageViewer, db: DbSession, template_id: int, format: str = "tracker"
) -> Response:
    if format not in FORMATS:
        raise HTTPException(status_code=422, detail=f"format must be one of {', '.join(FORMATS)}")
    org = require_org(request, db)
    template = find_template(db, org, template_id)
    body = json.dumps(export_template(template, format), indent=2) + "\n"
    suffix = "-legacy" if format == "legacy" else ""
    filename = f"{template.name}{suffix}.json".replace('"', "").replace("/", "_")
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
