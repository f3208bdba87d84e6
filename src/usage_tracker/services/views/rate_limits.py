"""The rate-limit matrix as the governance pages and `/api/v1` show it: filters and drift marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Budget, Organization
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS
from usage_tracker.services.governance.drift import template_drift
from usage_tracker.services.governance.rate_limits import MatrixRow, matrix_age, rate_limit_matrix
from usage_tracker.services.governance.templates import assignments
from usage_tracker.services.spend.budget_status import evaluate_budget


@dataclass
class MatrixView:
    rows: list[MatrixRow]
    fields: list[str]  # the limit fields any row has, in the API's order
    age: datetime | None
    projects: dict[str, str]  # every project id → its name (for the filter), not only shown ones
    models: list[str]
    templates: dict[str, str]  # project id → assigned template name
    differs: set[tuple[str, str, str]] = field(default_factory=set)  # (project, model, field)
    # project id → "over" | "at_risk" | "ok", for projects with a budget (only when asked for)
    standing: dict[str, str] | None = None

    def row_differs(self, row: MatrixRow) -> bool:
        return any((row.project_id, row.model, f) in self.differs for f in RATE_LIMIT_FIELDS)

    def to_json(self) -> dict[str, Any]:
        return {
            "fetched_at": self.age.isoformat() if self.age else None,
            "fields": self.fields,
            "rows": [
                r.to_json()
                | {
                    "template": self.templates.get(r.project_id),
                    "differs_from_template": sorted(
                        f for f in RATE_LIMIT_FIELDS if (r.project_id, r.model, f) in self.differs
                    ),
                }
                | ({} if self.standing is None else {"budget": self.standing.get(r.project_id)})
                for r in self.rows
            ],
        }


def matrix_view(
    session: Session,
    organization_id: int,
    *,
    project_id: str | None = None,
    model: str | None = None,
    search: str | None = None,
    differs_only: bool = False,
    budget: str | None = None,
) -> MatrixView:
    """The stored matrix, narrowed by project, exact model, text, "differs from template", or
    the standing of the project's budget (`budget`: "over" or "at_risk", see `BUDGET_FILTERS`)."""
    if budget is not None and budget not in BUDGET_FILTERS:
        raise ValueError(f"budget filter must be one of {', '.join(BUDGET_FILTERS)}")
    every = rate_limit_matrix(session, organization_id)
    drift = template_drift(session, organization_id)
    differs = {(d.project_id, d.model, d.field) for d in drift}
    rows = rate_limit_matrix(session, organization_id, project_id=project_id, search=search)
    if model:
        rows = [r for r in rows if r.model == model]
    view = MatrixView(
        rows=rows,
        fields=[f for f in RATE_LIMIT_FIELDS if any(f in r.limits for r in every)],
        age=matrix_age(every),
        projects={r.project_id: r.project_name or r.project_id for r in every},
        models=sorted({r.model for r in every}),
        templates={pid: t.name for pid, t in assignments(session, organization_id).items()},
        differs=differs,
    )
    if differs_only:
        view.rows = [r for r in view.rows if view.row_differs(r)]
    if budget is not None:
        view.standing = project_budget_standing(session, organization_id)
        view.rows = [r for r in view.rows if view.standing.get(r.project_id) == budget]
    return view


BUDGET_FILTERS = ("over", "at_risk")


def project_budget_standing(
    session: Session, organization_id: int, now: datetime | None = None
) -> dict[str, str]:
    """Each project budget's standing now: "over" (spent more than the budget), "at_risk" (not
    over, but forecast to run out within the period) or "ok". Projects without a budget are absent.
    A budget that cannot be evaluated counts as "ok"."""
    org = session.get(Organization, organization_id)
    if org is None:
        return {}
    budgets = session.scalars(
        select(Budget).where(Budget.organization_id == organization_id, Budget.scope == "project")
    )
    out: dict[str, str] = {}
    for budget in budgets:
        try:
            state = evaluate_budget(session, org, budget, now)
        except (LookupError, ValueError):
            out[budget.scope_id] = "ok"
            continue
        out[budget.scope_id] = (
            "over" if state.status == "over" else "at_risk" if state.at_risk else "ok"
        )
    return out


def limit_row(
    session: Session, organization_id: int, project_id: str, rate_limit_id: str
) -> MatrixRow:
    """One stored row of the matrix (LookupError when the matrix does not have it)."""
    for row in rate_limit_matrix(session, organization_id, project_id=project_id):
        if row.id == rate_limit_id:
            return row
    raise LookupError(f"project {project_id} has no stored rate limit {rate_limit_id}")
