"""The audit log: filterable by organization, actor, action, target, result, dates; exportable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from usage_tracker.db.models import Organization
from usage_tracker.services.audit import RESULTS, AuditFilter, audit_to_json, list_audit, org_slugs
from usage_tracker.services.exports import FORMATS, export
from usage_tracker.web.deps import DbSession, PageViewer
from usage_tracker.web.routes.governance_common import page, pick_org

router = APIRouter(prefix="/governance", include_in_schema=False)
ALL = "all"
PAGE_LIMIT = 500
TEXT_FILTERS = ("actor", "action", "target")


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
    slugs = org_slugs(db)
    return [audit_to_json(e, slugs) for e in list_audit(db, q.filter, limit=limit)]


@router.get("/audit", name="gov:audit")
def audit(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    q = audit_query(request, db)
    rows = audit_rows(db, q)
    query = request.url.query
    ctx = {
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
    """Every matching entry (no page limit) as CSV, JSON or XLSX, like the other exports."""
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail="no such format")
    q = audit_query(request, db)
    body, media_type = export(audit_rows(db, q, limit=None), fmt, title="audit")
    name = f"audit_{q.org.slug if q.org else ALL}.{fmt}"
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
