"""The dashboard views: overview, users, projects, models, keys (HTML; JSON twins in api.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from usage_tracker.services.governance.key_directory import KeyOwner, key_owners
from usage_tracker.services.reports.types import BreakdownRow
from usage_tracker.services.views import dashboard as views
from usage_tracker.services.views.table_page import OWNER_SORTS, SORTS, TableRequest, table_page
from usage_tracker.web import charts
from usage_tracker.web.deps import DbSession, PageViewer
from usage_tracker.web.frame import frame_page
from usage_tracker.web.render import gettext_for, page_context, render
from usage_tracker.web.state import ViewState, load_state

router = APIRouter(include_in_schema=False)
TABLE_VIEWS = {"users": "user", "projects": "project", "models": "model", "keys": "api_key"}


def _page(
    request: Request,
    viewer: PageViewer,
    db: DbSession,
    view: str,
    state: ViewState,
    ctx: dict[str, Any],
) -> HTMLResponse:
    return frame_page(request, viewer, db, f"views/{view}.html", view, ctx, state=state)


@router.get("/", name="overview")
def overview(request: Request, viewer: PageViewer, db: DbSession, stack: str = "model") -> Any:
    state = load_state(request, db)
    ctx = page_context(request, viewer)
    fmt, _ = ctx["fmt"], gettext_for(ctx["lang"])
    first_day = state.bounds[0] if state.bounds else None
    data = views.overview(
        db, state.filters.query, state.dims, stack, page=True, first_day=first_day
    )
    chart = charts.stacked_daily(data.daily, fmt, _, data.split_labels)
    models = charts.ranking(data.top_models or [], fmt, _, "model")
    return _page(
        request,
        viewer,
        db,
        "overview",
        state,
        {"data": data, "daily_chart": chart, "models_chart": models},
    )


@router.get("/users", name="users")
def users(request: Request, viewer: PageViewer, db: DbSession, top: int = 10) -> Any:
    return _table_page(request, viewer, db, "users", top)


@router.get("/projects", name="projects")
def projects(request: Request, viewer: PageViewer, db: DbSession, top: int = 10) -> Any:
    return _table_page(request, viewer, db, "projects", top)


@router.get("/models", name="models")
def models(request: Request, viewer: PageViewer, db: DbSession, top: int = 10) -> Any:
    return _table_page(request, viewer, db, "models", top)


@router.get("/keys", name="keys")
def keys(request: Request, viewer: PageViewer, db: DbSession, top: int = 10) -> Any:
    return _table_page(request, viewer, db, "keys", top)


def _table_page(
    request: Request, viewer: PageViewer, db: DbSession, view: str, top: int
) -> HTMLResponse:
    state = load_state(request, db)
    top = top if top in views.TOPS else 10
    if not state.supports(view):
        return _page(request, viewer, db, view, state, {"top": top})
    ctx = page_context(request, viewer)
    fmt, _ = ctx["fmt"], gettext_for(ctx["lang"])
    by = TABLE_VIEWS[view]
    table = views.table(db, state.filters.query, by, with_summary=False)
    # Owners are looked up for the rows shown, or for every matching row to sort by them.
    owners: dict[str, KeyOwner] = {}

    def owners_of(rows: list[BreakdownRow]) -> dict[str, KeyOwner]:
        owners.update(key_owners(db, (row.key for row in rows), state.filters.org))
        return owners

    sorts = SORTS if view == "keys" else tuple(s for s in SORTS if s not in OWNER_SORTS)
    shown = table_page(
        table.rows,
        TableRequest.parse(request.query_params, sorts),
        other_units=view == "models",
        owners_of=owners_of if view == "keys" else None,
    )
    extra: dict[str, Any] = {
        "table": table,
        "shown": shown,
        "top": top,
        "ranking_chart": charts.ranking(table.rows[:top], fmt, _, by),
    }
    if view == "projects":
        extra["efficiency"] = views.efficiency(table.rows)[:top]
        extra["most_used"] = sorted(table.rows, key=lambda r: -r.requests)[:top]
    if view == "keys":
        extra["owners"] = owners or owners_of(shown.rows)
    if view == "models":
        extra["kinds_chart"] = charts.token_kinds(table.rows[:20], fmt, _)
        trend = views.overview_daily(db, state.filters.query, "model")
        extra["trend_chart"] = charts.stacked_daily(trend, fmt, _)
    return _page(request, viewer, db, view, state, extra)


@router.get("/{view}/detail", name="detail")
def detail(request: Request, viewer: PageViewer, db: DbSession, view: str, key: str) -> Any:
    """The expanded row of a table: daily cost by model and related breakdowns (HTML part)."""
    if view not in TABLE_VIEWS:
        raise HTTPException(status_code=404)
    state = load_state(request, db)
    by = TABLE_VIEWS[view]
    if by not in state.dims:
        raise HTTPException(status_code=404)
    ctx = page_context(request, viewer)
    fmt, _ = ctx["fmt"], gettext_for(ctx["lang"])
    data = views.detail(db, state.filters.query, by, key, state.dims)
    chart = charts.stacked_daily(data.daily, fmt, _)
    return render(
        request,
        "views/_detail.html",
        viewer,
        {"data": data, "detail_chart": chart, "f": state.filters},
    )
