"""The teams pages: teams with their named members and spend, a team's page, monthly showback
per team (CSV/XLSX), and the JSON twins (`?format=json`, `/api/v1`). Showback counts each dollar
once (see `services/teams`). The writes (admin only) are in `teams_admin`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from usage_tracker.services.orgs.organizations import Organization, list_organizations
from usage_tracker.services.reports.coverage import data_bounds
from usage_tracker.services.spend.chargeback import Showback, showback, to_csv, to_xlsx
from usage_tracker.services.spend.teams import MEMBER_KINDS, list_teams
from usage_tracker.services.views.audit_names import named_audit_json
from usage_tracker.services.views.teams import (
    member_choices,
    team_history,
    team_spend,
    team_view,
    team_views,
)
from usage_tracker.web.deps import ApiViewer, DbSession, PageViewer
from usage_tracker.web.routes.spend import teams_admin
from usage_tracker.web.routes.spend.common import spend_page

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["teams"])
MONTH = Query(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (UTC calendar month)")


def _month(text: str | None, fallback: date) -> date:
    return date.fromisoformat(f"{text}-01") if text else fallback.replace(day=1)


def _org(db: Session, slug: str | None) -> Organization | None:
    orgs = list_organizations(db)
    if slug:
        found = [o for o in orgs if o.slug == slug.strip().lower()]
        if not found:
            raise HTTPException(status_code=404, detail=f"no organization {slug!r}")
        return found[0]
    return orgs[0] if orgs else None


def _range(
    db: Session, org: Organization, since: str | None, until: str | None
) -> tuple[date, date]:
    """Default: the three months up to the last day with data (this month without data)."""
    bounds = data_bounds(db, org.slug)
    end = _month(until, bounds[1] if bounds else datetime.now(UTC).date())
    index = end.year * 12 + end.month - 1 - 2
    start = _month(since, date(index // 12, index % 12 + 1, 1))
    if start > end:
        raise HTTPException(status_code=422, detail="from_month is after to_month")
    last = (end + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, last


def _showback(
    db: Session, org: str | None, since: str | None, until: str | None
) -> Showback | None:
    o = _org(db, org)
    if o is None:
        return None
    first, last = _range(db, o, since, until)
    return showback(db, o, first, last)


@router.get("/teams", name="teams:list")
def teams_page(
    request: Request, viewer: PageViewer, db: DbSession,
    org: str | None = None, from_month: str | None = MONTH, to_month: str | None = MONTH,
    format: str = "",
) -> Response:  # fmt: skip
    """Teams with named members and their spend over the months shown, and the showback."""
    o = _org(db, org)
    result = _showback(db, org, from_month, to_month) if o else None
    teams = team_views(db, o, team_spend(result) if result else None) if o else []
    if format == "json":
        return JSONResponse({"org": o.slug if o else None, "teams": [t.to_json() for t in teams]})
    ctx: dict[str, Any] = {
        "orgs": [x.slug for x in list_organizations(db)],
        "org": o.slug if o else None,
        "teams": teams,
        "showback": result,
        "from_month": from_month or "", "to_month": to_month or "",
    }  # fmt: skip
    return spend_page(request, viewer, db, "teams", "teams/list.html", ctx)


@router.get("/teams/{team_id:int}", name="teams:detail")
def team_page(
    request: Request, viewer: PageViewer, db: DbSession, team_id: int, format: str = ""
) -> Response:
    """One team: its members (named from the directory), and the audit entries about it."""
    o, info = teams_admin.team_or_404(db, team_id)
    view = team_view(db, o, info)
    if format == "json":
        return JSONResponse({"org": o.slug, **view.to_json()})
    ctx: dict[str, Any] = {
        "org": o.slug,
        "team": view,
        "kinds": MEMBER_KINDS,
        "choices": member_choices(db, o) if viewer.is_admin else {},
        "entries": named_audit_json(db, team_history(db, o, team_id)),
    }
    return spend_page(request, viewer, db, "teams", "teams/detail.html", ctx)


@router.get("/teams/showback.{fmt}", name="teams:showback-export")
def export(
    viewer: PageViewer, db: DbSession, fmt: str,
    org: str | None = None, from_month: str | None = MONTH, to_month: str | None = MONTH,
) -> Response:  # fmt: skip
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(status_code=404, detail="showback is CSV or XLSX")
    result = _showback(db, org, from_month, to_month)
    if result is None:
        raise HTTPException(status_code=404, detail="no organization yet")
    name = f"showback_{result.org}.{fmt}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(to_csv(result), media_type="text/csv; charset=utf-8", headers=headers)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(to_xlsx(result), media_type=xlsx, headers=headers)


@api_router.get("/teams", name="api:teams", summary="Teams and their members, per organization")
def teams_api(viewer: ApiViewer, db: DbSession) -> dict[str, list[dict[str, object]]]:
    return {o.slug: [t.to_json() for t in list_teams(db, o)] for o in list_organizations(db)}


@api_router.get(
    "/teams/showback",
    name="api:showback",
    summary="Monthly showback per team (usage-tracker report teams)",
)
def showback_api(
    viewer: ApiViewer, db: DbSession,
    org: str | None = None, from_month: str | None = MONTH, to_month: str | None = MONTH,
) -> dict[str, Any]:  # fmt: skip
    result = _showback(db, org, from_month, to_month)
    return {"org": result.org if result else None, "rows": result.to_json() if result else []}


router.include_router(teams_admin.router)
router.include_router(api_router)
