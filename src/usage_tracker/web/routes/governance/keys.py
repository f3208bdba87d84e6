"""API keys: the inventory with hygiene filters, a refresh, and revocation (preview → confirm)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from usage_tracker.services.governance.key_revocation import plan_revoke, revoke_keys
from usage_tracker.services.governance.keys_inventory import (
    DEFAULT_STALE_DAYS,
    FLAGS,
    refresh_key_inventory,
)
from usage_tracker.services.views.keys import key_view
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer
from usage_tracker.web.routes.governance.common import (
    actor,
    admin_client,
    call,
    page,
    pick_org,
    redirect,
    require_org,
    start_operation,
)

router = APIRouter(prefix="/governance", include_in_schema=False)
KeyIds = Annotated[list[str], Form()]


@router.get("/keys", name="gov:keys")
def inventory(
    request: Request,
    viewer: PageViewer,
    db: DbSession,
    flag: str = "",
    stale_days: int = Query(DEFAULT_STALE_DAYS, ge=0, le=3650),
    project: str = "",
    q: str = "",
) -> Response:
    if flag and flag not in FLAGS:
        raise HTTPException(status_code=422, detail=f"flag must be one of {', '.join(FLAGS)}")
    org = pick_org(request, db)
    view = None
    if org is not None:
        view = key_view(
            db,
            org.id,
            flag=flag or None,
            stale_days=stale_days,
            project_id=project or None,
            search=q or None,
        )
    filters = {"flag": flag, "stale_days": stale_days, "project": project, "q": q}
    ctx = {"inv": view, "filters": filters, "flag_names": FLAGS}
    return page(request, db, viewer, "keys.html", "gov:keys", org, ctx)


@router.post("/keys/refresh", name="gov:keys-refresh")
def refresh(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    """Read every project's keys, the members and the admin keys from the Admin API."""
    org = require_org(request, db)
    client = admin_client(request, db, org)
    call(lambda: refresh_key_inventory(db, client, org.id))
    return redirect(request, "gov:keys", org)


def _chosen(key_ids: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(k.strip() for k in key_ids if k.strip()))
    if not chosen:
        raise HTTPException(status_code=422, detail="choose at least one key")
    return chosen


@router.post("/keys/revoke/preview", name="gov:keys-preview")
def revoke_preview(
    request: Request, viewer: AdminViewer, db: DbSession, key_id: KeyIds
) -> Response:
    """Exactly which keys go (from the stored inventory), and a confirmation naming the count."""
    org = require_org(request, db)
    plan = call(lambda: plan_revoke(db, org.id, _chosen(key_id)))
    return page(request, db, viewer, "revoke_preview.html", "gov:keys", org, {"plan": plan})


@router.post("/keys/revoke", name="gov:keys-revoke")
def revoke(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    key_id: KeyIds,
    count: Annotated[int, Form()],
) -> Response:
    """Revoke the previewed keys; refused when the count confirmed is not the count chosen."""
    org = require_org(request, db)
    chosen = _chosen(key_id)
    if count != len(chosen):
        raise HTTPException(
            status_code=422,
            detail=f"you confirmed {count} keys but {len(chosen)} were sent; preview again",
        )
    client = admin_client(request, db, org)
    result = call(lambda: revoke_keys(db, client, org.id, chosen, actor=actor(viewer), run=False))
    if result.operation is None:
        return redirect(request, "gov:keys", org)
    return start_operation(request, org, result.operation)
