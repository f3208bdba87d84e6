"""Rate limits: the project × model matrix, a refresh and one-limit edits (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS, parse_rate_limit
from usage_tracker.services.governance.rate_limits import edit_rate_limit, refresh_rate_limits
from usage_tracker.services.views.rate_limits import BUDGET_FILTERS, limit_row, matrix_view
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


@router.get("/rate-limits", name="gov:limits")
def matrix(
    request: Request,
    viewer: PageViewer,
    db: DbSession,
    project: str = "",
    model: str = "",
    q: str = "",
    differs: str = "",
    budget: str = "",
) -> Response:
    org = pick_org(request, db)
    budget = budget if budget in BUDGET_FILTERS else ""
    view = None
    if org is not None:
        view = matrix_view(
            db,
            org.id,
            project_id=project or None,
            model=model or None,
            search=q or None,
            differs_only=bool(differs),
            budget=budget or None,
        )
    filters = {
        "project": project,
        "model": model,
        "q": q,
        "differs": bool(differs),
        "budget": budget,
    }
    ctx = {"matrix": view, "filters": filters}
    return page(request, db, viewer, "limits.html", "gov:limits", org, ctx)


@router.post("/rate-limits/refresh", name="gov:limits-refresh")
def refresh(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    org = require_org(request, db)
    client = admin_client(request, db, org)
    call(lambda: refresh_rate_limits(db, client, org.id))
    return redirect(request, "gov:limits", org)


@router.get("/rate-limits/{project_id:path}/{rate_limit_id}", name="gov:limit-edit")
def edit_form(
    request: Request, viewer: AdminViewer, db: DbSession, project_id: str, rate_limit_id: str
) -> Response:
    org = require_org(request, db)
    row = call(lambda: limit_row(db, org.id, project_id, rate_limit_id))
    ctx: dict[str, Any] = {"row": row, "fields": RATE_LIMIT_FIELDS, "errors": [], "typed": {}}
    return page(request, db, viewer, "limit_edit.html", "gov:limits", org, ctx)


FormInt = Annotated[str, Form()]


@router.post("/rate-limits/{project_id:path}/{rate_limit_id}", name="gov:limit-save")
def edit_save(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    project_id: str,
    rate_limit_id: str,
    max_requests_per_1_minute: FormInt = "",
    max_tokens_per_1_minute: FormInt = "",
    max_images_per_1_minute: FormInt = "",
    max_audio_megabytes_per_1_minute: FormInt = "",
    max_requests_per_1_day: FormInt = "",
    batch_1_day_max_input_tokens: FormInt = "",
) -> Response:
    """Change the fields whose value differs from the stored one; the result page follows."""
    org = require_org(request, db)
    given = {
        "max_requests_per_1_minute": max_requests_per_1_minute,
        "max_tokens_per_1_minute": max_tokens_per_1_minute,
        "max_images_per_1_minute": max_images_per_1_minute,
        "max_audio_megabytes_per_1_minute": max_audio_megabytes_per_1_minute,
        "max_requests_per_1_day": max_requests_per_1_day,
        "batch_1_day_max_input_tokens": batch_1_day_max_input_tokens,
    }
    row = call(lambda: limit_row(db, org.id, project_id, rate_limit_id))
    changes, errors = _changes(given, row.limits)
    if errors:
        # Nothing is sent: the form again, with what was typed and what is wrong with it.
        ctx: dict[str, Any] = {"row": row, "fields": RATE_LIMIT_FIELDS, "errors": errors}
        ctx["typed"] = given
        return page(request, db, viewer, "limit_edit.html", "gov:limits", org, ctx, status=422)
    if not changes:
        return redirect(request, "gov:limits", org)
    client = admin_client(request, db, org)
    op = call(
        lambda: edit_rate_limit(
            db, client, org.id, project_id, rate_limit_id, changes, actor=actor(viewer), run=False
        )
    )
    return start_operation(request, org, op)


def _changes(given: dict[str, str], stored: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """The fields whose typed value differs from the stored one, and a message for each value
    that is not a limit (not a whole number, negative, too large)."""
    changes: dict[str, int] = {}
    errors: list[str] = []
    for name in RATE_LIMIT_FIELDS:
        raw = given.get(name, "").strip()
        if not raw:
            continue
        try:
            value = parse_rate_limit(name, raw)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if stored.get(name) != value:
            changes[name] = value
    return changes, errors
