"""Which rate-limit template a project should follow (table `rate_limit_template_assignments`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import RateLimitTemplateAssignment


def assign_template_id(
    session: Session, organization_id: int, project_id: str, template_id: int
) -> None:
    row = session.scalar(
        select(RateLimitTemplateAssignment).where(
            RateLimitTemplateAssignment.organization_id == organization_id,
            RateLimitTemplateAssignment.project_id == project_id,
        )
    )
    if row is None:
        row = RateLimitTemplateAssignment(organization_id=organization_id, project_id=project_id)
        session.add(row)
    row.template_id = template_id
    session.flush()
