"""`/api/v1` JSON twins of the governance pages: the rate-limit matrix, the key inventory, a
bulk operation's progress and the audit log, from the same service calls. Read-only (session or
bearer token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from usage_tracker.services.governance.keys_inventory import DEFAULT_STALE_DAYS, FLAGS
from usage_tracker.services.views.keys import key_view
from usage_tracker.services.views.rate_limits import matrix_view
from usage_tracker.web.deps import ApiViewer, DbSession
from usage_tracker.web.routes.governance.audit import (
    audit_query,
    audit_rows,
    audit_source,
    openai_audit_query,
    openai_audit_rows,
)
from usage_tracker.web.routes.governance.common import progress_of, require_org

router = APIRouter(prefix="/api/v1", tags=["governance"])
Json = dict[str, Any]


@router.get(
    "/rate-limits",
    name="api:rate_limits",
    summary="The rate-limit matrix (stored; see `fetched_at`)",
)
def rate_limits(
    request: Request,
    viewer: ApiViewer,
    db: DbSession,
    project: str | None = None,
    model: str | None = None,
    q: str | None = None,
    differs: bool = False,
    budget: str | None = Query(None, pattern="^(over|at_risk)$"),
) -> Json:
    """Every project × model limit of `org` with every limit field, its assigned template and
    the fields that differ from it. Filters: `project`, `model`, `q` (text), `differs`, and
    `budget` (`over` or `at_risk`: projects whose budget is spent, or forecast to run out; the
    rows then carry `budget`, the project budget's standing)."""
    org = require_org(request, db)
    view = matrix_view(
        db, org.id, project_id=project, model=model, search=q, differs_only=differs, budget=budget
    )
    return {"organization": org.slug} | view.to_json()


@router.get("/api-keys", name="api:api_keys", summary="The API-key inventory with hygiene flags")
def api_keys(
    request: Request,
    viewer: ApiViewer,
    db: DbSession,
    flag: str | None = None,
    stale_days: int = Query(DEFAULT_STALE_DAYS, ge=0, le=3650),
    project: str | None = None,
    q: str | None = None,
) -> Json:
    """Project keys (owner, created, last used, 30-day cost, flags) and the admin keys.
    `flag`: one of never_used, stale, owner_departed, owner_no_project_access."""
    if flag is not None and flag not in FLAGS:
        raise HTTPException(status_code=422, detail=f"flag must be one of {', '.join(FLAGS)}")
    org = require_org(request, db)
    view = key_view(db, org.id, flag=flag, stale_days=stale_days, project_id=project, search=q)
    return {"organization": org.slug} | view.to_json()


@router.get(
    "/operations/{operation_id}",
    name="api:operation",
    summary="A bulk operation's progress and results",
)
def operation(request: Request, viewer: ApiViewer, db: DbSession, operation_id: int) -> Json:
    """The operation (`status` as stored; `state`: `running` while this dashboard runs it,
    `interrupted` when it was left unfinished by a stopped process), `done` of `counts.total`
    items, and every item's status, change, error and OpenAI request id. The operation page
    polls it while the operation runs."""
    org = require_org(request, db)
    return {"organization": org.slug} | progress_of(request, db, org, operation_id).to_json()


@router.get("/audit", name="api:audit", summary="The audit log")
def audit(
    request: Request,
    viewer: ApiViewer,
    db: DbSession,
    limit: int = Query(1000, ge=1, le=100_000),
) -> Json:
    """Entries newest first. Filters: `org` (or `all`), `actor`, `action` (or a prefix ending in
    "."), `target` (or a prefix ending in "/"), `result`, `since`/`until` (YYYY-MM-DD).

    `source=openai`: OpenAI's own audit-log events as the sync stored them (`source` is then in
    the answer), filtered by `org` (or `all`), `type` (or a prefix ending in "."), `project`,
    `actor` (e-mail, user, service account or key id) and `since`/`until`."""
    if audit_source(request) == "openai":
        oq = openai_audit_query(request, db)
        return {
            "organization": oq.org.slug if oq.org else None,
            "source": "openai",
            "entries": openai_audit_rows(db, oq, limit=limit),
        }
    q = audit_query(request, db)
    return {
        "organization": q.org.slug if q.org else None,
        "entries": audit_rows(db, q, limit=limit),
    }
