"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import gc
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from usage_tracker.db.engine import make_engine, make_session_factory
from usage_tracker.services.accounts.accounts import count_accounts
from usage_tracker.services.governance.bulk_runner import BulkRunner
from usage_tracker.services.kit.errors import NotFound
from usage_tracker.settings import Settings
from usage_tracker.web import assets
from usage_tracker.web.config import WebSettings
from usage_tracker.web.deps import NotSignedIn, session_viewer
from usage_tracker.web.filters import ReversedRange
from usage_tracker.web.frame import error_page, range_error_page
from usage_tracker.web.page_limiter import PageLimiter
from usage_tracker.web.routes import docs, metrics
from usage_tracker.web.routes.accounts import account, auth
from usage_tracker.web.routes.governance import api as governance_api
from usage_tracker.web.routes.governance import apply as governance_apply
from usage_tracker.web.routes.governance import audit as governance_audit
from usage_tracker.web.routes.governance import directory as governance_directory
from usage_tracker.web.routes.governance import keys as governance_keys
from usage_tracker.web.routes.governance import limits as governance_limits
from usage_tracker.web.routes.governance import ops as governance_ops
from usage_tracker.web.routes.governance import templates as governance_templates
from usage_tracker.web.routes.ledger import data
from usage_tracker.web.routes.members import members
from usage_tracker.web.routes.reports import api, exports, pages
from usage_tracker.web.routes.spend import routes as budgets_routes
from usage_tracker.web.routes.spend import teams
from usage_tracker.web.security import (
    SecurityHeadersMiddleware,
    SessionMiddleware,
    session_secret,
    verify_csrf,
)
from usage_tracker.web.sync_hook import SyncHook
from usage_tracker.web.upload_guard import UploadGuard

DESCRIPTION = (
    "Read-only JSON for every dashboard view. Authenticate with a browser session or "
    "`Authorization: Bearer <token>` (create one with `usage-tracker tokens create NAME`)."
)


def create_app(
    settings: Settings,
    *,
    web_settings: WebSettings | None = None,
    sync: SyncHook | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The dashboard for the database in `settings` (which must be migrated to head).

    `clock` is what "today" is for the date presets (default: the current UTC time)."""
    web = web_settings or WebSettings()
    app = FastAPI(
        title="OpenAI Usage Tracker",
        description=DESCRIPTION,
        version="1",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(verify_csrf)],
        lifespan=_lifespan,
    )
    engine = make_engine(settings.effective_database_url)
    app.state.settings = settings
    app.state.web_settings = web
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.bulk_runner = BulkRunner(app.state.session_factory, settings)
    app.state.assets = assets.Assets()
    app.state.sync = sync
    app.state.clock = clock
    with app.state.session_factory() as session:
        empty = count_accounts(session) == 0
    # First start: a one-time link to create the first admin (printed by `usage-tracker serve`).
    app.state.setup_token = secrets.token_urlsafe(24) if empty else None

    for router in (
        assets.router,
        auth.router,
        account.router,
        api.router,
        docs.router,
        exports.router,
        data.router,
        budgets_routes.router,
        teams.router,
        metrics.router,
        governance_api.router,
        governance_limits.router,
        governance_ops.router,
        governance_templates.router,
        governance_apply.router,
        governance_keys.router,
        governance_directory.router,
        governance_audit.router,
        members.router,
        members.api_router,
        pages.router,
    ):
        app.include_router(router)

    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(UploadGuard)  # innermost: sees the session, runs before any body is read
    app.add_middleware(PageLimiter, concurrency=web.page_concurrency)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret=session_secret(settings),
        max_age=web.session_hours * 3600,
        secure=web.cookie_secure,
    )
    return app


_GC_FROZEN = False
# On shutdown, bulk operations running in the background get this long to finish; one still
# running after it shows as interrupted (with *Resume*) when the dashboard starts again.
SHUTDOWN_WAIT_SECONDS = 30.0


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At the first start in a process, move everything loaded so far (modules, classes, the
    ORM and template machinery) out of the garbage collector's sight: the collections a page's
    many short-lived objects trigger then no longer walk the whole heap (p95 of the full-year
    overview 348 → 282 ms, docs/web.md#speed). On shutdown, wait for background bulk runs."""
    global _GC_FROZEN
    if not _GC_FROZEN:
        _GC_FROZEN = True
        gc.collect()
        gc.freeze()
    yield
    await asyncio.to_thread(app.state.bulk_runner.wait_all, SHUTDOWN_WAIT_SECONDS)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


async def _not_signed_in(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    """JSON for API clients; for a browser an HTML page in the dashboard frame (navigation
    included) that says what went wrong."""
    assert isinstance(exc, StarletteHTTPException)
    if _wants_json(request) or exc.status_code < 400:
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    if isinstance(exc, ReversedRange):
        return range_error_page(request, _viewer(request), exc)
    return error_page(request, _viewer(request), exc.status_code, exc.detail, exc.headers)


async def _not_found(request: Request, exc: Exception) -> Response:
    """A service's NotFound (no such budget, action, organization…) is the page's 404."""
    return await _http_error(request, HTTPException(status_code=404, detail=str(exc)))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _wants_json(request):
        return JSONResponse({"detail": exc.errors()}, status_code=422)
    detail = "; ".join(str(err.get("msg", "")) for err in exc.errors())
    return error_page(request, _viewer(request), 422, detail)


def _viewer(request: Request) -> Any:
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return viewer
    with request.app.state.session_factory() as session:
        return session_viewer(request, session)
