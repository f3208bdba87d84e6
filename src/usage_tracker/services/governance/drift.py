"""Drift: projects whose stored limits differ from the template assigned to them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from usage_tracker.db.queries import stored_rate_limits
from usage_tracker.services.governance.templates import assignments


@dataclass(frozen=True)
class Drift:
    project_id: str
    template: str
    model: str
    field: str
    expected: int
    actual: int | None  # None: the project has no such limit


def template_drift(session: Session, organization_id: int) -> list[Drift]:
    """Every stored limit that differs from its project's assigned template."""
    out = []
    stored = stored_rate_limits.stored_limits(session, organization_id)
    for pid, template in sorted(assignments(session, organization_id).items()):
        by_model = {r.model: r for r in stored if r.project_id == pid}
        for model, fields in sorted(template.limits.items()):
            row = by_model.get(model)
            for name, expected in sorted(fields.items()):
                actual = getattr(row, name) if row is not None else None
                if actual != expected:
                    out.append(Drift(pid, template.name, model, name, expected, actual))
    return out
