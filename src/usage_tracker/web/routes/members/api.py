"""`/api/v1/members`: the stored members as JSON — the same objects as
`usage-tracker members list --format json` (and `/members?format=json`). Read-only; the browser
session or `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from usage_tracker.db.base import utcnow
from usage_tracker.services.members.project_memberships import MemberFilters, member_rows
from usage_tracker.web.deps import ApiViewer, DbSession
from usage_tracker.web.routes.governance.common import require_org

router = APIRouter(prefix="/api/v1", tags=["governance"])  # added to the app by web/app.py


@router.get(
    "/members",
    name="api:members",
    summary="Organization members with roles, projects, keys and spend",
)
def members(
    request: Request,
    viewer: ApiViewer,
    db: DbSession,
    q: str = "",
    role: str = "",
    project: str = "",
    stale_keys: bool = False,
    inactive_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> list[dict[str, Any]]:
    """Every stored member of `org` (`id`, `name`, `email`, `role`, `added_at`, `projects`, keys,
    `spend_30d_usd`). Filters: `q` (text), `role`, `project`, `stale_keys`, `inactive_days`.
    Refresh with `usage-tracker members list` or the Members page."""
    org = require_org(request, db)
    filters = MemberFilters(q, role, project, stale_keys, inactive_days)
    _, rows = member_rows(db, org, filters, now=utcnow())
    return [row.to_json() for row in rows]
