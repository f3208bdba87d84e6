"""Every table as CSV, JSON or XLSX: `/export/{table}.{format}` with the view's filters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from usage_tracker.services.kit.exports import FORMATS, export
from usage_tracker.services.ledger.imports import import_history
from usage_tracker.services.reports import totals as reports
from usage_tracker.services.views import dashboard as views
from usage_tracker.web.deps import DbSession, PageViewer
from usage_tracker.web.routes.reports.api import import_json
from usage_tracker.web.state import load_state

router = APIRouter(include_in_schema=False)
TABLES = {
    "daily": "day",
    "users": "user",
    "projects": "project",
    "models": "model",
    "keys": "api_key",
    "imports": None,
}


@router.get("/export/{table}.{fmt}", name="export")
def export_table(
    request: Request, viewer: PageViewer, db: DbSession, table: str, fmt: str
) -> Response:
    if table not in TABLES or fmt not in FORMATS:
        raise HTTPException(status_code=404, detail="no such table or format")
    state = load_state(request, db)
    by = TABLES[table]
    rows: list[dict[str, Any]]
    if by is None:
        rows = [import_json(run) for run in import_history(db, state.filters.org, limit=10_000)]
    else:
        if by != "day" and by not in state.dims:
            raise HTTPException(status_code=404, detail=f"the data has no {by} dimension")
        rows = views.rows_json(reports.breakdown(db, state.filters.query, by), by)
    body, media_type = export(rows, fmt, title=table)
    f = state.filters
    name = f"{table}_{f.since.isoformat()}_{f.until.isoformat()}.{fmt}"
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
