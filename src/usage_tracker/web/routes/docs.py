"""API documentation served by the app itself (no CDN): `/api/docs` and `/api/openapi.json`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from usage_tracker.web.deps import PageViewer
from usage_tracker.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/api/openapi.json", name="openapi")
def openapi(request: Request, viewer: PageViewer) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/api/docs", name="api_docs")
def api_docs(request: Request, viewer: PageViewer) -> Response:
    spec: dict[str, Any] = request.app.openapi()
    endpoints = [
        {"path": path, "method": method.upper(), "op": op}
        for path, methods in spec.get("paths", {}).items()
        for method, op in methods.items()
    ]
    return render(request, "api_docs.html", viewer, {"spec": spec, "endpoints": endpoints})
