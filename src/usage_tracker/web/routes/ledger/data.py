"""The Data view: upload files (admin), import history, sync status."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from usage_tracker.services.ledger.imports import ImportFailed, import_file, import_history
from usage_tracker.services.orgs.organizations import validate_slug
from usage_tracker.services.reports.allocation_store import refresh_allocations
from usage_tracker.services.reports.focus import FORMATS as FOCUS_FORMATS
from usage_tracker.services.reports.focus import parquet_available
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer, Viewer
from usage_tracker.web.frame import frame_page
from usage_tracker.web.routes.ledger.sync import sync_flash
from usage_tracker.web.state import ViewState, load_state, preferred_org, remember_org
from usage_tracker.web.sync_hook import SyncHook

router = APIRouter(include_in_schema=False)
CHUNK = 1 << 20


def _page(
    request: Request, viewer: Viewer, db: DbSession, state: ViewState, **ctx: Any
) -> Response:
    """The Data view with the import history of the chosen organization (or all of them)."""
    base = {
        "history": import_history(db, state.filters.org, limit=50),
        "focus_formats": FOCUS_FORMATS if parquet_available() else ("csv",),
    }
    return frame_page(request, viewer, db, "views/data.html", "data", base | ctx, state=state)


@router.get("/data", name="data")
def data_page(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    """Uploads, sync and history; `?org=` picks the organization (remembered), else the one
    with data (`preferred_org`): "Sync now" and uploads go to it."""
    state = load_state(request, db)
    if state.filters.org:
        remember_org(request, state.filters.org)
    chosen = state.filters.org or preferred_org(request, db, state.orgs)
    hook: SyncHook | None = request.app.state.sync
    return _page(
        request,
        viewer,
        db,
        state,
        results=None,
        sync_rows=hook.status(db, state.filters.org) if hook else None,
        default_org=chosen or request.app.state.settings.default_org,
    )


def _save(upload: UploadFile, limit: int) -> Path:
    suffix = Path(upload.filename or "upload").suffix[:10]
    size = 0
    with tempfile.NamedTemporaryFile(delete=False, suffix=suffix) as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                Path(out.name).unlink(missing_ok=True)
                raise ImportFailed(
                    f"{upload.filename}: larger than {limit // CHUNK} MB; nothing was imported"
                )
            out.write(chunk)
    return Path(out.name)


def import_upload(request: Request, org: str, upload: UploadFile) -> dict[str, Any]:
    name = upload.filename or "upload"
    limit = request.app.state.web_settings.max_upload_mb * CHUNK
    try:
        path = _save(upload, limit)
    except ImportFailed as exc:
        return {"file_name": name, "ok": False, "error": str(exc)}
    try:
        result = import_file(request.app.state.session_factory, org, path, file_name=name)
    except ImportFailed as exc:
        return {"file_name": name, "ok": False, "error": str(exc)}
    finally:
        path.unlink(missing_ok=True)
    return {
        "file_name": result.file_name,
        "ok": True,
        "outcome": result.outcome,
        "kind": result.kind,
        "grouping": result.grouping,
        "rows": result.rows,
        "buckets": result.buckets,
        "first_day": result.first_day.isoformat() if result.first_day else None,
        "last_day": result.last_day.isoformat() if result.last_day else None,
        "message": result.message,
    }


@router.post("/data/upload", name="data:upload")
def upload(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    files: Annotated[list[UploadFile], File()],
    org: Annotated[str, Form()] = "",
) -> Response:
    """Import each file on its own: one bad file never blocks or changes the others."""
    slug = _org_slug(request, org)
    results = [import_upload(request, slug, f) for f in files]
    if any(r.get("outcome") == "imported" for r in results):
        refresh_allocations(request.app.state.session_factory, slug)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"org": slug, "results": results})
    state = load_state(request, db)
    return _page(request, viewer, db, state, results=results, sync_rows=None, default_org=slug)


@router.post("/data/sync", name="data:sync")
def sync_now(request: Request, viewer: AdminViewer, org: Annotated[str, Form()] = "") -> Response:
    """Sync the chosen organization, then back to the Data page with what happened (a missing
    or rejected key says how to fix it); JSON for a client that asks for it."""
    slug = _org_slug(request, org)
    hook: SyncHook | None = request.app.state.sync
    return sync_flash(request, hook, slug)


def _org_slug(request: Request, org: str | None) -> str:
    """The organization a write goes to (the default one unless named); 422 if malformed."""
    try:
        return validate_slug(org or request.app.state.settings.default_org)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
