"""The rate-limit matrix as the governance pages and `/api/v1` show it: filters and drift marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.openai_admin.actions import RATE_LIMIT_FIELDS
from usage_tracker.services.rate_limit_drift import template_drift
from usage_tracker.services.rate_limit_templates import assignments
from usage_tracker.services.rate_limits import MatrixRow, matrix_age, rate_limit_matrix


@dataclass
class MatrixView:
    rows: list[MatrixRow]
    fields: list[str]  # the limit fields any row has, in the API's order
    age: datetime | None
    projects: dict[str, str]  # every project id → its name (for the filter), not only shown ones
    models: list[str]
    templates: dict[str, str]  # project id → assigned template name
    differs: set[tuple[str, str, str]] = field(default_factory=set)  # (project, model, field)

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
) -> MatrixView:
    """The stored matrix, narrowed by project, exact model, text, or "differs from template"."""
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
        view.rows = [r for r in rows if view.row_differs(r)]
    return view


def limit_row(
    session: Session, organization_id: int, project_id: str, rate_limit_id: str
) -> MatrixRow:
    """One stored row of the matrix (LookupError when the matrix does not have it)."""
    for row in rate_limit_matrix(session, organization_id, project_id=project_id):
        if row.id == rate_limit_id:
            return row
    raise LookupError(f"project {project_id} has no stored rate limit {rate_limit_id}")
