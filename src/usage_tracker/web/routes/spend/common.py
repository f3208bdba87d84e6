"""What the budget, alert, channel and team pages share: the page frame, organizations, flash."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from usage_tracker.domain.money import usd_string
from usage_tracker.services.orgs.organizations import (
    Organization,
    ensure_organization,
    list_organizations,
)
from usage_tracker.services.spend.budgets import Budget, BudgetSpec, budget_by_id
from usage_tracker.web.deps import Viewer
from usage_tracker.web.frame import Flash, _, flash, flash_redirect, frame_page


def org_choices(request: Request, db: Session) -> list[str]:
    slugs = [o.slug for o in list_organizations(db)]
    default = request.app.state.settings.default_org
    return slugs if slugs else [default]


def pick_org(request: Request, db: Session, slug: str | None) -> Organization:
    """An organization the form offered (the default one is created when there is none)."""
    slug = (slug or "").strip().lower() or request.app.state.settings.default_org
    if slug not in org_choices(request, db):
        raise HTTPException(status_code=422, detail=f"unknown organization {slug!r}")
    return ensure_organization(db, slug)


def get_budget_or_404(db: Session, budget_id: int) -> tuple[Budget, Organization]:
    """The budget and its organization (a service NotFound answers 404)."""
    return budget_by_id(db, budget_id)


def spec_fields(spec: BudgetSpec) -> dict[str, str]:
    """A budget spec as hidden form fields, for the confirm step."""
    return {
        "scope": spec.scope,
        "scope_id": spec.scope_id,
        "amount": usd_string(spec.amount_nanos) or "",
        "period": spec.period,
        "timezone": spec.timezone,
        "thresholds": ",".join(str(t) for t in spec.thresholds),
        "rollover": "1" if spec.rollover else "",
        "enforce": spec.enforce,
        "enforce_auto": "1" if spec.enforce_auto else "",
        "enforce_keys": ",".join(spec.enforce_keys),
        "mirror_openai": "1" if spec.mirror_openai else "",
    }


def spend_page(
    request: Request,
    viewer: Viewer,
    db: Session,
    view: str,
    template: str,
    ctx: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    """A page of the spend-control area in the dashboard frame."""
    return frame_page(request, viewer, db, template, view, ctx, status_code=status_code)


__all__ = ["Flash", "_", "flash", "flash_redirect", "spend_page"]
