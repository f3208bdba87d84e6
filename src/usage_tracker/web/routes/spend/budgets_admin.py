"""Budget writes (admin only, CSRF-checked app-wide): set one and bulk set — each previewed,
then confirmed — delete one, reset all, and apply or undo an enforcement action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from usage_tracker.domain.budgets import BudgetError, parse_thresholds
from usage_tracker.domain.money import MoneyError, format_cents, parse_usd
from usage_tracker.domain.periods import PeriodError
from usage_tracker.services.orgs.credentials import CredentialError
from usage_tracker.services.orgs.organizations import Organization
from usage_tracker.services.spend.budgets import (
    Budget,
    BudgetSpec,
    apply_bulk,
    delete_budget,
    list_budgets,
    preview_bulk,
    reset_budgets,
    set_budget,
)
from usage_tracker.services.spend.openai_mirror import MirrorResult, budget_cents, mirror_budget
from usage_tracker.services.spend.openai_mirror import default_client as admin_client
from usage_tracker.services.spend.teams import TeamError
from usage_tracker.web.deps import AdminViewer, DbSession, Viewer
from usage_tracker.web.routes.spend.common import (
    Flash,
    _,
    flash,
    flash_redirect,
    get_budget_or_404,
    org_choices,
    pick_org,
    spec_fields,
    spend_page,
)

router = APIRouter(include_in_schema=False)
INPUT_ERRORS = (BudgetError, TeamError, MoneyError, PeriodError)


class BudgetForm(BaseModel):
    org: str = ""
    scope: str = "project"
    scope_id: str = ""
    amount: str = ""
    period: str = "monthly"
    timezone: str = "UTC"
    thresholds: str = "50,80,100"
    rollover: str = ""
    enforce: str = "none"
    enforce_auto: str = ""
    enforce_keys: str = ""
    mirror_openai: str = ""

    def spec(self) -> BudgetSpec:
        return BudgetSpec(
            self.scope, self.scope_id.strip(), dollars(self.amount), self.period,
            self.timezone.strip() or "UTC", parse_thresholds(self.thresholds),
            bool(self.rollover), self.enforce, bool(self.enforce_auto),
            tuple(k.strip() for k in self.enforce_keys.split(",") if k.strip()),
            bool(self.mirror_openai),
        )  # fmt: skip


class BulkForm(BaseModel):
    org: str = ""
    scope: str = "project"
    period: str = "monthly"
    lines: str = ""

    def specs(self) -> list[BudgetSpec]:
        """One budget per line: `id,amount` (scope from the form) or `scope,id,amount`."""
        specs = []
        for raw in self.lines.splitlines():
            parts = [p.strip() for p in raw.split(",")]
            if not raw.strip() or parts[0].lower() == "scope":
                continue
            if len(parts) == 2:
                parts = [self.scope, *parts]
            if len(parts) != 3:
                raise BudgetError(f"expected id,amount or scope,id,amount; got {raw.strip()!r}")
            specs.append(BudgetSpec(parts[0], parts[1], dollars(parts[2]), self.period))
        if not specs:
            raise BudgetError("nothing to set: add lines like proj_abc,500")
        return specs


def dollars(text: str) -> int:
    try:
        return parse_usd(text) if text.strip() else 0
    except MoneyError:
        raise BudgetError(f"amounts are dollars like 250 or 99.50, got {text!r}") from None


def confirm_page(
    request: Request,
    viewer: Viewer,
    db: Session,
    ctx: dict[str, Any],
    status: int = 200,
    view: str = "budgets",
) -> Response:
    base: dict[str, Any] = {
        "lines": [], "preview": None, "fields": {}, "action": None, "danger": False,
        "error": None, "cancel": "/budgets", "title": "set", "count": 0, "org": "",
    }  # fmt: skip
    return spend_page(request, viewer, db, view, "budgets/confirm.html", base | ctx, status)


def _mirror_lines(spec: BudgetSpec) -> list[str]:
    if not spec.mirror_openai:
        return []
    probe = Budget(amount_nanos=spec.amount_nanos)
    cents = budget_cents(probe)
    alerts = ", ".join(format_cents(budget_cents(probe, t)) for t in spec.thresholds)
    return [
        f"OpenAI: project {spec.scope_id} hard spend limit → {format_cents(cents)} per month",
        f"OpenAI: e-mail spend alerts at {alerts}",
    ]


@router.post("/budgets/preview", name="budgets:preview")
def preview_one(
    request: Request, viewer: AdminViewer, db: DbSession, form: Annotated[BudgetForm, Form()]
) -> Response:
    try:
        org = pick_org(request, db, form.org)
        spec = form.spec()
        preview = preview_bulk(db, org, [spec])
    except INPUT_ERRORS as exc:
        db.rollback()
        return confirm_page(request, viewer, db, {"error": str(exc)}, 422)
    slug = org.slug  # the organization may have been created for the preview only:
    db.rollback()  # after the rollback its row (and so `org`) is gone
    fields = spec_fields(spec) | {"org": slug}
    return confirm_page(request, viewer, db, {
        "title": "set", "preview": preview, "fields": fields, "lines": _mirror_lines(spec),
        "action": "/budgets/set",
    })  # fmt: skip


@router.post("/budgets/set", name="budgets:set")
def set_one(
    request: Request, viewer: AdminViewer, db: DbSession, form: Annotated[BudgetForm, Form()]
) -> Response:
    results: list[MirrorResult] = []
    actor = f"web:{viewer.name}"
    try:
        org = pick_org(request, db, form.org)
        spec = form.spec()

        def mirror(budget: Budget) -> None:
            client = _client_or_none(db, request, org, results, budget)
            if client is not None:
                results.append(mirror_budget(db, org, budget, actor, client=client))

        budget = set_budget(db, org, spec, actor, mirror=mirror)
    except INPUT_ERRORS as exc:
        db.rollback()
        return confirm_page(request, viewer, db, {"error": str(exc)}, 422)
    db.commit()
    messages: list[Flash] = [
        flash("ok", _("Budget %(scope)s %(id)s saved."), scope=budget.scope, id=budget.scope_id)
    ]
    for r in results:
        messages.append(
            flash("ok" if r.ok else "error", _("OpenAI: %(detail)s"), detail=mirror_message(r))
        )
    return flash_redirect(request, f"/budgets/{budget.id}", *messages)


def _client_or_none(
    db: Session, request: Request, org: Organization, results: list[MirrorResult], b: Budget
) -> Any:
    try:
        return admin_client(db, org, request.app.state.settings)
    except (CredentialError, ValueError) as exc:
        results.append(MirrorResult(b.scope_id, errors=[f"no Admin API key: {exc}"]))
        return None


def mirror_message(r: MirrorResult) -> str:
    done = []
    if r.limit_cents is not None:
        done.append(f"OpenAI spend limit {format_cents(r.limit_cents)}")
    if r.alerts_created:
        done.append(f"{len(r.alerts_created)} spend alert(s) added")
    return "; ".join(done + r.errors) or "nothing to mirror"


@router.get("/budgets/bulk", name="budgets:bulk")
def bulk_form(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    ctx = {"orgs": org_choices(request, db)}
    return spend_page(request, viewer, db, "budgets", "budgets/bulk.html", ctx)


@router.post("/budgets/bulk/preview", name="budgets:bulk-preview")
def bulk_preview(
    request: Request, viewer: AdminViewer, db: DbSession, form: Annotated[BulkForm, Form()]
) -> Response:
    try:
        org = pick_org(request, db, form.org)
        preview = preview_bulk(db, org, form.specs())
    except INPUT_ERRORS as exc:
        db.rollback()
        return confirm_page(
            request, viewer, db, {"error": str(exc), "cancel": "/budgets/bulk"}, 422
        )
    slug = org.slug  # read before the rollback, which may take a new organization's row
    db.rollback()
    fields = {"org": slug, "scope": form.scope, "period": form.period, "lines": form.lines}
    return confirm_page(request, viewer, db, {
        "title": "bulk", "preview": preview, "fields": fields, "action": "/budgets/bulk/apply",
        "cancel": "/budgets/bulk",
    })  # fmt: skip


@router.post("/budgets/bulk/apply", name="budgets:bulk-apply")
def bulk_apply(
    request: Request, viewer: AdminViewer, db: DbSession, form: Annotated[BulkForm, Form()]
) -> Response:
    try:
        org = pick_org(request, db, form.org)
        done = apply_bulk(db, org, form.specs(), f"web:{viewer.name}")
    except INPUT_ERRORS as exc:
        db.rollback()
        return confirm_page(
            request, viewer, db, {"error": str(exc), "cancel": "/budgets/bulk"}, 422
        )
    db.commit()
    return flash_redirect(request, "/budgets", flash("ok", _("%(n)s budget(s) set."), n=len(done)))


@router.get("/budgets/{budget_id:int}/delete", name="budgets:delete-confirm")
def delete_confirm(
    request: Request, viewer: AdminViewer, db: DbSession, budget_id: int
) -> Response:
    b, org = get_budget_or_404(db, budget_id)
    return confirm_page(request, viewer, db, {
        "title": "delete", "lines": [f"{b.scope} {b.scope_id} ({org.slug})"], "danger": True,
        "action": f"/budgets/{b.id}/delete", "cancel": f"/budgets/{b.id}",
    })  # fmt: skip


@router.post("/budgets/{budget_id:int}/delete", name="budgets:delete")
def delete_one(request: Request, viewer: AdminViewer, db: DbSession, budget_id: int) -> Response:
    b, org = get_budget_or_404(db, budget_id)
    label = f"{b.scope} {b.scope_id}"
    delete_budget(db, org, b.scope, b.scope_id, f"web:{viewer.name}")
    db.commit()
    return flash_redirect(
        request, "/budgets", flash("ok", _("Budget %(label)s deleted."), label=label)
    )


@router.get("/budgets/reset/{org_slug}", name="budgets:reset-confirm")
def resetconfirm_page(
    request: Request, viewer: AdminViewer, db: DbSession, org_slug: str
) -> Response:
    org = pick_org(request, db, org_slug)
    rows = list_budgets(db, org)
    slug, lines = org.slug, [f"{b.scope} {b.scope_id}" for b, _ in rows]
    db.rollback()
    return confirm_page(request, viewer, db, {
        "title": "reset", "lines": lines, "danger": True,
        "action": f"/budgets/reset/{slug}", "count": len(rows), "org": slug,
    })  # fmt: skip


@router.post("/budgets/reset/{org_slug}", name="budgets:reset")
def reset_all(request: Request, viewer: AdminViewer, db: DbSession, org_slug: str) -> Response:
    org = pick_org(request, db, org_slug)
    n = reset_budgets(db, org, f"web:{viewer.name}")
    db.commit()
    return flash_redirect(request, "/budgets", flash("ok", _("%(n)s budget(s) deleted."), n=n))
