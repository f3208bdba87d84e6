"""`/api/v1`: the JSON twin of every view, from the same service calls. Read-only.

Authenticate with the browser session or `Authorization: Bearer <token>`
(`usage-tracker tokens create NAME`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.services.governance.key_directory import EMPTY_OWNER_JSON, key_owners
from usage_tracker.services.ledger.imports import import_history
from usage_tracker.services.reports import focus
from usage_tracker.services.reports import totals as reports
from usage_tracker.services.reports.types import DIMENSIONS
from usage_tracker.services.views import dashboard as views
from usage_tracker.web.deps import ApiViewer, DbSession
from usage_tracker.web.state import ViewState, load_state

router = APIRouter(prefix="/api/v1", tags=["reports"])
Json = dict[str, Any]

# Every endpoint reads the same filters from the query string (documented here for OpenAPI).
FILTER_DOC = (
    "Filters: `range` (7d, 30d, this_month, last_month, custom), `since`/`until` "
    "(YYYY-MM-DD, inclusive UTC days), `org`, `project`, `user`, `model`, `api_key`."
)


def _state(request: Request, db: DbSession, need: str | None = None) -> ViewState:
    state = load_state(request, db)
    if need is not None and need not in state.dims:
        raise HTTPException(status_code=404, detail=f"the data has no {need} dimension")
    return state


def _filters_json(state: ViewState) -> Json:
    f = state.filters
    return {"range": f.range, "since": f.since.isoformat(), "until": f.until.isoformat()} | {
        k: v for k, v in f.active.items()
    }


@router.get("/summary", name="api:summary", summary="Totals for a period", description=FILTER_DOC)
def summary(request: Request, viewer: ApiViewer, db: DbSession) -> Json:
    """Exactly `usage-tracker report summary --format json`."""
    return reports.summary(db, _state(request, db).filters.query).to_json()


@router.get("/dimensions", name="api:dimensions", summary="What the data supports")
def dimensions(request: Request, viewer: ApiViewer, db: DbSession) -> Json:
    state = _state(request, db)
    return {
        "dimensions": sorted(state.dims),
        "first_day": state.bounds[0].isoformat() if state.bounds else None,
        "last_day": state.bounds[1].isoformat() if state.bounds else None,
        "organizations": state.orgs,
        "views": {item.name: item.enabled for item in state.nav},
    }


@router.get("/overview", name="api:overview", summary="The overview view", description=FILTER_DOC)
def overview(
    request: Request,
    viewer: ApiViewer,
    db: DbSession,
    stack: str = Query("model", pattern="^(model|project)$"),
) -> Json:
    state = _state(request, db)
    data = views.overview(db, state.filters.query, state.dims, stack)
    return {"filters": _filters_json(state)} | data.to_json()


def _table(request: Request, db: DbSession, by: str) -> Json:
    state = _state(request, db, by)
    table = views.table(db, state.filters.query, by)
    out = {"filters": _filters_json(state)} | table.to_json()
    if by == "api_key":  # owner and last use from the stored key inventory, when known
        owners = key_owners(db, (row.key for row in table.rows), state.filters.org)
        for row, data in zip(table.rows, out["rows"], strict=True):
            owner = owners.get(row.key or "")
            data.update(owner.to_json() if owner else EMPTY_OWNER_JSON)
    return out


def _detail(request: Request, db: DbSession, by: str, key: str) -> Json:
    state = _state(request, db, by)
    data = views.detail(db, state.filters.query, by, key, state.dims)
    return {"filters": _filters_json(state)} | data.to_json()


@router.get("/users", name="api:users", summary="The users view", description=FILTER_DOC)
def users(request: Request, viewer: ApiViewer, db: DbSession) -> Json:
    return _table(request, db, "user")


@router.get("/users/{user_id}", name="api:user", summary="One user: daily cost by model, projects")
def user(request: Request, viewer: ApiViewer, db: DbSession, user_id: str) -> Json:
    return _detail(request, db, "user", user_id)


@router.get("/projects", name="api:projects", summary="The projects view", description=FILTER_DOC)
def projects(request: Request, viewer: ApiViewer, db: DbSession) -> Json:
    return _table(request, db, "project")


@router.get(
    "/projects/{project_id}", name="api:project", summary="One project: model mix, keys, users"
)
def project(request: Request, viewer: ApiViewer, db: DbSession, project_id: str) -> Json:
    return _detail(request, db, "project", project_id)


@router.get("/models", name="api:models", summary="The models view", description=FILTER_DOC)
def models(request: Request, viewer: ApiViewer, db: DbSession) -> Json:
    return _table(request, db, "model")


@router.get("/keys", name="api:keys", summary="The API keys view", description=FILTER_DOC)
def keys(request: Request, viewer: ApiViewer, db: DbSession) -> Json:
    return _table(request, db, "api_key")


@router.get("/keys/{api_key_id}", name="api:key", summary="One API key: daily cost by model")
def key(request: Request, viewer: ApiViewer, db: DbSession, api_key_id: str) -> Json:
    return _detail(request, db, "api_key", api_key_id)


@router.get(
    "/breakdown/{by}", name="api:breakdown", summary="Any breakdown", description=FILTER_DOC
)
def breakdown(
    request: Request,
    viewer: ApiViewer,
    db: DbSession,
    by: str,
    top: int | None = Query(None, ge=1, le=1000),
    split: str | None = None,
) -> Json:
    if by not in DIMENSIONS or (split is not None and split not in DIMENSIONS):
        raise HTTPException(status_code=422, detail=f"by and split must be one of {DIMENSIONS}")
    state = _state(request, db)
    rows = reports.breakdown(db, state.filters.query, by, top=top, split=split)
    return {"filters": _filters_json(state), "by": by, "rows": views.rows_json(rows, by)}


@router.get("/imports", name="api:imports", summary="The import history (the Data view)")
def imports(request: Request, viewer: ApiViewer, db: DbSession) -> Json:
    state = _state(request, db)
    return {"imports": [import_json(run) for run in import_history(db, state.filters.org)]}


def import_json(run: Any) -> Json:
    return {
        "id": run.id,
        "file_name": run.file_name,
        "kind": run.kind,
        "grouping": run.grouping,
        "rows": run.rows,
        "buckets": run.buckets,
        "first_day": run.first_day.isoformat() if run.first_day else None,
        "last_day": run.last_day.isoformat() if run.last_day else None,
        "started_at": run.started_at.isoformat(),
        "outcome": run.outcome,
        "message": run.message,
    }


@router.get(
    "/export/focus",
    name="api:export_focus",
    summary="The bill in FOCUS 1.2 (CSV or Parquet)",
    description="Billed cost as FOCUS rows for FinOps tools, exactly `usage-tracker export focus`"
    " (docs/focus.md). `since`/`until`: inclusive UTC days.",
    response_class=StreamingResponse,
)
def export_focus(
    request: Request,
    viewer: ApiViewer,
    since: date,
    until: date,
    org: str | None = None,
    format: str = Query("csv", pattern="^(csv|parquet)$"),
    allocate_users: bool = False,
) -> StreamingResponse:
    try:
        q = focus.FocusQuery(since, until, (org or "").strip() or None, allocate_users)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if format == "parquet" and not focus.parquet_available():
        raise HTTPException(status_code=501, detail=focus.PARQUET_MISSING)
    name = focus.file_name(q, format)
    return StreamingResponse(
        _focus_chunks(request.app.state.session_factory, q, format),
        media_type=focus.MEDIA_TYPES[format],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _focus_chunks(factory: sessionmaker[Session], q: focus.FocusQuery, fmt: str) -> Iterator[bytes]:
    """The file, read in a session of its own: the response streams after the route returns."""
    with factory() as session:
        yield from focus.export_focus(session, q, fmt)
