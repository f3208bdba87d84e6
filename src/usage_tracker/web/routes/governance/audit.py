"""The audit log: filterable by organization, actor, action, target, result, dates; exportable.

`?source=openai` switches to OpenAI's own audit log as the sync stored it (the `audit_logs`
stream): filterable by organization, event type, project, actor and dates; exportable too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from usage_tracker.services.audit.log import (
    RESULTS,
    AuditFilter,
    list_audit,
    org_slugs,
)
from usage_tracker.services.audit.openai_log import (
    OpenAIAuditFilter,
    event_projects,
    event_types,
    list_openai_audit,
    openai_audit_to_json,
)
from usage_tracker.services.kit.exports import FORMATS, export
from usage_tracker.services.orgs.organizations import Organization
from usage_tracker.services.sync.audit_logs import STREAM
from usage_tracker.services.sync.status import sync_history
from usage_tracker.services.views.audit_names import named_audit_json
from usage_tracker.web.deps import DbSession, PageViewer, Viewer
from usage_tracker.web.routes.governance.common import page, pick_org

router = APIRouter(prefix="/governance", include_in_schema=False)
ALL = "all"
PAGE_LIMIT = 500
TEXT_FILTERS = ("actor", "action", "target")
SOURCES = ("tracker", "openai")
OPENAI_FILTERS = ("type", "project", "actor", "since", "until")


@dataclass(frozen=True)
class AuditQuery:
    org: Organization | None  # None with all_orgs: every organization and the tracker itself
    all_orgs: bool
    filter: AuditFilter
    params: dict[str, str]


def _day(value: str, name: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"{name} must be YYYY-MM-DD") from exc


def audit_query(request: Request, db: Session) -> AuditQuery:
    """The filters from the query string: `org` (or `all`), `actor`, `action` (exact or a
    prefix ending in "."), `target` (exact or a prefix ending in "/"), `result`, `since`/`until`
    (inclusive UTC days)."""
    qp = request.query_params
    params = {k: (qp.get(k) or "").strip() for k in (*TEXT_FILTERS, "result", "since", "until")}
    all_orgs = qp.get("org") == ALL
    org = None if all_orgs else pick_org(request, db)
    if params["result"] and params["result"] not in RESULTS:
        raise HTTPException(status_code=422, detail=f"result must be one of {', '.join(RESULTS)}")
    since, until = _day(params["since"], "since"), _day(params["until"], "until")
    f = AuditFilter(
        organization_id=org.id if org else None,
        actor=params["actor"] or None,
        action=params["action"] or None,
        target_id=params["target"] or None,
        result=params["result"] or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )
    return AuditQuery(org, all_orgs, f, params)


def audit_rows(db: Session, q: AuditQuery, limit: int | None = PAGE_LIMIT) -> list[dict[str, Any]]:
    return named_audit_json(db, list_audit(db, q.filter, limit=limit))


def audit_source(request: Request) -> str:
    """`tracker` (the default: what this tool changed) or `openai` (OpenAI's own audit log)."""
    source = (request.query_params.get("source") or "tracker").strip()
    if source not in SOURCES:
        raise HTTPException(status_code=422, detail=f"source must be one of {', '.join(SOURCES)}")
    return source


@dataclass(frozen=True)
class OpenAIAuditQuery:
    org: Organization | None  # None with all_orgs
    all_orgs: bool
    filter: OpenAIAuditFilter
    params: dict[str, str]


def openai_audit_query(request: Request, db: Session) -> OpenAIAuditQuery:
    """The filters for OpenAI's events: `org` (or `all`), `type` (exact or a prefix ending in
    "."), `project` (the event's project or what it acted on), `actor` (e-mail, user, service
    account or key id), `since`/`until` (inclusive UTC days)."""
    qp = request.query_params
    params = {k: (qp.get(k) or "").strip() for k in OPENAI_FILTERS}
    all_orgs = qp.get("org") == ALL
    org = None if all_orgs else pick_org(request, db)
    since, until = _day(params["since"], "since"), _day(params["until"], "until")
    f = OpenAIAuditFilter(
        organization_id=org.id if org else None,
        type=params["type"] or None,
        project_id=params["project"] or None,
        actor=params["actor"] or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )
    return OpenAIAuditQuery(org, all_orgs, f, params)


def openai_audit_rows(
    db: Session, q: OpenAIAuditQuery, limit: int | None = PAGE_LIMIT
) -> list[dict[str, Any]]:
    slugs = org_slugs(db)
    return [openai_audit_to_json(e, slugs) for e in list_openai_audit(db, q.filter, limit=limit)]


def audit_stream_error(db: Session, org: Organization | None) -> str | None:
    """Why the latest sync of `org` could not read OpenAI's audit log, if it could not."""
    runs = sync_history(db, org.slug, limit=1) if org else []
    return runs[0].errors.get(STREAM) if runs else None


def _openai_page(request: Request, viewer: Viewer, db: Session) -> Response:
    q = openai_audit_query(request, db)
    query = request.url.query
    org_id = q.org.id if q.org else None
    ctx = {
        "source": "openai",
        "events": openai_audit_rows(db, q),
        "filters": q.params,
        "all_orgs": q.all_orgs,
        "event_types": event_types(db, org_id),
        "event_projects": event_projects(db, org_id),
        "stream_error": audit_stream_error(db, q.org),
        "limit": PAGE_LIMIT,
        "export_qs": f"?{query}" if query else "",
    }
    return page(request, db, viewer, "audit.html", "gov:audit", q.org, ctx)


@router.get("/audit", name="gov:audit")
def audit(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    if audit_source(request) == "openai":
        return _openai_page(request, viewer, db)
    q = audit_query(request, db)
    rows = audit_rows(db, q)
    query = request.url.query
    ctx = {
        "source": "tracker",
        "entries": rows,
        "filters": q.params,
        "all_orgs": q.all_orgs,
        "results": RESULTS,
        "limit": PAGE_LIMIT,
        "export_qs": f"?{query}" if query else "",
    }
    return page(request, db, viewer, "audit.html", "gov:audit", q.org, ctx)


@router.get("/audit/export.{fmt}", name="gov:audit-export")
def audit_export(request: Request, viewer: PageViewer, db: DbSession, fmt: str) -> Response:
    """Every matching entry (no page limit) as CSV, JSON or XLSX, like the other exports;
    `?source=openai`: OpenAI's events."""
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail="no such format")
    if audit_source(request) == "openai":
        oq = openai_audit_query(request, db)
        body, media_type = export(openai_audit_rows(db, oq, limit=None), fmt, title="openai_audit")
        name = f"openai_audit_{oq.org.slug if oq.org else ALL}.{fmt}"
    else:
        q = audit_query(request, db)
        body, media_type = export(audit_rows(db, q, limit=None), fmt, title="audit")
        name = f"audit_{q.org.slug if q.org else ALL}.{fmt}"
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
