"""Budgets: set one or many (with a preview), delete, reset all, and the history of edits.

Every change writes a `BudgetEdit` (before/after) so an edit is explained later. Editing a
budget never resets its alerts: alerts are keyed by budget × period × threshold, so an edit
mid-period re-evaluates it without re-sending thresholds already sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Budget, BudgetEdit, Organization
from usage_tracker.domain.budgets import (
    DEFAULT_THRESHOLDS,
    BudgetError,
    check_enforcement,
    check_scope,
    format_thresholds,
    parse_thresholds,
)
from usage_tracker.domain.money import usd_string
from usage_tracker.domain.periods import PERIODS, PeriodError, zone
from usage_tracker.services.kit.errors import NotFound
from usage_tracker.services.ledger.scope_names import (
    SCOPE_OF,
    Name,
    names_by_org,
    names_for,
)
from usage_tracker.services.orgs.organizations import organization_by_id
from usage_tracker.services.spend.openai_mirror import mirror_budget
from usage_tracker.services.spend.teams import team_info


@dataclass(frozen=True)
class BudgetSpec:
    scope: str
    scope_id: str
    amount_nanos: int
    period: str = "monthly"
    timezone: str = "UTC"
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    rollover: bool = False
    enforce: str = "none"
    enforce_auto: bool = False
    enforce_keys: tuple[str, ...] = ()
    mirror_openai: bool = False


def budget_json(b: Budget, org: str | None = None) -> dict[str, Any]:
    return {
        "budget_id": b.id,
        "org": org,
        "scope": b.scope,
        "id": b.scope_id,
        "amount_usd": usd_string(b.amount_nanos),
        "period": b.period,
        "timezone": b.timezone,
        "thresholds": list(parse_thresholds(b.thresholds)),
        "rollover": b.rollover,
        "enforce": b.enforce,
        "enforce_auto": b.enforce_auto,
        "enforce_keys": [k for k in (b.enforce_keys or "").split(",") if k],
        "mirror_openai": b.mirror_openai,
    }


def validate(session: Session, org: Organization, spec: BudgetSpec) -> BudgetSpec:
    check_scope(spec.scope)
    if not spec.scope_id.strip():
        raise BudgetError("--id is required (the project, user, key or team id)")
    if spec.scope == "org" and spec.scope_id not in (org.slug, org.openai_org_id):
        raise BudgetError(f"an org budget's --id is the organization ({org.slug})")
    if spec.amount_nanos <= 0:
        raise BudgetError("the amount must be more than $0")
    if spec.period not in PERIODS:
        raise BudgetError(f"--period must be one of {', '.join(PERIODS)}")
    try:
        zone(spec.timezone)
    except PeriodError as exc:
        raise BudgetError(str(exc)) from None
    check_enforcement(spec.enforce, spec.scope)
    if spec.mirror_openai and spec.scope != "project":
        raise BudgetError("only a project budget can be mirrored to OpenAI's spend limit")
    if spec.scope == "team":
        team_info(session, org, spec.scope_id)
    return replace(spec, scope_id=org.slug if spec.scope == "org" else spec.scope_id.strip())


def budget_by_id(session: Session, budget_id: int) -> tuple[Budget, Organization]:
    """The budget and its organization; NotFound when there is no such budget."""
    budget = session.get(Budget, budget_id)
    if budget is None:
        raise NotFound(f"no budget {budget_id}")
    return budget, organization_by_id(session, budget.organization_id)


def get_budget(session: Session, org: Organization, scope: str, scope_id: str) -> Budget | None:
    if scope == "org":
        scope_id = org.slug
    return session.scalar(
        select(Budget).where(
            Budget.organization_id == org.id, Budget.scope == scope, Budget.scope_id == scope_id
        )
    )


def _edit(
    session: Session, org: Organization, b: Budget, action: str, actor: str, before: Any
) -> None:
    after = None if action in ("delete", "reset") else budget_json(b, org.slug)
    session.add(
        BudgetEdit(
            organization_id=org.id,
            budget_id=b.id,
            scope=b.scope,
            scope_id=b.scope_id,
            action=action,
            actor=actor,
            before=before,
            after=after,
        )
    )


Mirror = Callable[[Budget], object]


def set_budget(
    session: Session,
    org: Organization,
    spec: BudgetSpec,
    actor: str,
    *,
    mirror: Mirror | None = None,
) -> Budget:
    """Create or update the budget of a scope (flushed, not committed).

    With `mirror_openai`, `mirror(budget)` runs after the save (default: `spend_mirror`)."""
    spec = validate(session, org, spec)
    b = get_budget(session, org, spec.scope, spec.scope_id)
    before = budget_json(b, org.slug) if b is not None else None
    if b is None:
        b = Budget(organization_id=org.id, scope=spec.scope, scope_id=spec.scope_id)
        session.add(b)
    b.amount_nanos = spec.amount_nanos
    b.period = spec.period
    b.timezone = spec.timezone
    b.thresholds = format_thresholds(spec.thresholds)
    b.rollover = spec.rollover
    b.enforce = spec.enforce
    b.enforce_auto = spec.enforce_auto
    b.enforce_keys = ",".join(spec.enforce_keys) or None
    b.mirror_openai = spec.mirror_openai
    session.flush()
    if before != budget_json(b, org.slug):
        _edit(session, org, b, "update" if before else "create", actor, before)
        session.flush()
    if b.mirror_openai:
        _mirror(session, org, b, actor, mirror)
    return b


def _mirror(
    session: Session, org: Organization, b: Budget, actor: str, mirror: Mirror | None
) -> None:
    """The hook to OpenAI's own spend limit and alerts (see services/spend/openai_mirror.py)."""
    if mirror is not None:
        mirror(b)
        return
    mirror_budget(session, org, b, actor)


def delete_budget(
    session: Session, org: Organization, scope: str, scope_id: str, actor: str
) -> bool:
    b = get_budget(session, org, scope, scope_id)
    if b is None:
        return False
    _edit(session, org, b, "delete", actor, budget_json(b, org.slug))
    session.delete(b)
    session.flush()
    return True


def list_budgets(session: Session, org: Organization | None = None) -> list[tuple[Budget, str]]:
    query = select(Budget, Organization.slug).join(
        Organization, Organization.id == Budget.organization_id
    )
    if org is not None:
        query = query.where(Budget.organization_id == org.id)
    query = query.order_by(Organization.slug, Budget.scope, Budget.scope_id)
    return [(b, slug) for b, slug in session.execute(query)]


def reset_budgets(session: Session, org: Organization, actor: str) -> int:
    """Delete every budget of the organization (each deletion is in the history)."""
    rows = list_budgets(session, org)
    for b, _ in rows:
        _edit(session, org, b, "reset", actor, budget_json(b, org.slug))
        session.delete(b)
    session.flush()
    return len(rows)


@dataclass
class PreviewRow:
    scope: str
    scope_id: str
    current_nanos: int | None
    new_nanos: int
    period: str = "monthly"
    name: str | None = None  # the project's, user's, key's or org's name
    known: bool = True  # the tracker has seen the id (directory, usage or costs)

    @property
    def delta_nanos(self) -> int:
        return self.new_nanos - (self.current_nanos or 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "id": self.scope_id,
            "name": self.name,
            "known": self.known,
            "current_usd": usd_string(self.current_nanos),
            "new_usd": usd_string(self.new_nanos),
            "delta_usd": usd_string(self.delta_nanos),
        }


@dataclass
class PeriodTotal:
    """Every budget of one period of the organization, before and after a bulk change."""

    period: str
    before_nanos: int = 0
    after_nanos: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "before_usd": usd_string(self.before_nanos),
            "after_usd": usd_string(self.after_nanos),
            "delta_usd": usd_string(self.after_nanos - self.before_nanos),
        }


@dataclass
class BulkPreview:
    """The changes, and the organization's totals per period (amounts of different periods
    are never added: a monthly and a yearly budget have no sum)."""

    rows: list[PreviewRow] = field(default_factory=list)
    totals: list[PeriodTotal] = field(default_factory=list)

    @property
    def main(self) -> PeriodTotal | None:
        """The total of the period the changes are in, when they are all in one."""
        periods = {r.period for r in self.rows}
        return next((t for t in self.totals if {t.period} == periods), None)

    def to_json(self) -> dict[str, Any]:
        main = self.main
        return {
            "changes": [r.to_json() for r in self.rows],
            "period": main.period if main else None,
            "total_before_usd": usd_string(main.before_nanos) if main else None,
            "total_after_usd": usd_string(main.after_nanos) if main else None,
            "delta_usd": usd_string(main.after_nanos - main.before_nanos) if main else None,
            "totals": [t.to_json() for t in self.totals],
        }


def preview_bulk(session: Session, org: Organization, specs: Sequence[BudgetSpec]) -> BulkPreview:
    """What setting these budgets would change (nothing is written)."""
    checked = [validate(session, org, s) for s in specs]
    preview = BulkPreview()
    current = {
        (b.scope, b.scope_id): (b.period, b.amount_nanos) for b, _ in list_budgets(session, org)
    }
    after = dict(current)
    for spec in checked:
        key = (spec.scope, spec.scope_id)
        now = current.get(key)
        preview.rows.append(
            PreviewRow(
                spec.scope, spec.scope_id, now[1] if now else None, spec.amount_nanos, spec.period
            )
        )
        after[key] = (spec.period, spec.amount_nanos)
    _name_rows(session, org, preview.rows)
    totals = {p: PeriodTotal(p) for p in PERIODS}
    for period, nanos in current.values():
        totals[period].before_nanos += nanos
    for period, nanos in after.values():
        totals[period].after_nanos += nanos
    preview.totals = [t for t in totals.values() if t.before_nanos or t.after_nanos]
    return preview


def _name_rows(session: Session, org: Organization, rows: list[PreviewRow]) -> None:
    """Each row's name, and whether the tracker has ever seen its id (a team must exist)."""
    for scope in {r.scope for r in rows}:
        ids = [r.scope_id for r in rows if r.scope == scope]
        found = names_for(session, org.id, scope, ids)
        for r in rows:
            if r.scope == scope and r.scope_id in found:
                r.name, r.known = found[r.scope_id].name, found[r.scope_id].known


def unknown_ids(preview: BulkPreview) -> list[PreviewRow]:
    """Rows whose id the tracker has never seen: allowed, but worth a warning."""
    return [r for r in preview.rows if not r.known]


def apply_bulk(
    session: Session, org: Organization, specs: Sequence[BudgetSpec], actor: str
) -> list[Budget]:
    """Set every budget or none (the caller commits once)."""
    preview_bulk(session, org, specs)
    return [set_budget(session, org, s, actor) for s in specs]


def budget_history(
    session: Session, org: Organization, scope: str | None = None, scope_id: str | None = None
) -> list[BudgetEdit]:
    query = select(BudgetEdit).where(BudgetEdit.organization_id == org.id)
    if scope:
        query = query.where(BudgetEdit.scope == scope)
    if scope_id:
        query = query.where(BudgetEdit.scope_id == scope_id)
    return list(session.scalars(query.order_by(BudgetEdit.at.desc(), BudgetEdit.id.desc())))


def edit_json(e: BudgetEdit) -> dict[str, Any]:
    return {
        "at": e.at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "scope": e.scope,
        "id": e.scope_id,
        "before": e.before,
        "after": e.after,
    }


def scope_names(session: Session, rows: Iterable[Any]) -> dict[tuple[int, str, str], Name]:
    """Names of the scopes budgets, edits, alerts or actions point at (anything with
    `organization_id`, `scope` and `scope_id`), keyed by (organization id, scope, id)."""
    return names_by_org(session, ((r.organization_id, r.scope, r.scope_id) for r in rows))


def budget_names(session: Session, budgets: Iterable[Budget]) -> dict[int, Name]:
    """Each budget's scope Name by budget id."""
    budgets = list(budgets)
    found = scope_names(session, budgets)
    return {
        b.id: found[(b.organization_id, SCOPE_OF.get(b.scope, b.scope), b.scope_id)]
        for b in budgets
    }
