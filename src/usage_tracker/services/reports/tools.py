"""Tool usage beside model requests: web search and file search calls, code interpreter
sessions, vector store bytes — each in its own unit, never added to "Requests" (which counts
`num_model_requests` of model endpoints only: domain.endpoints.MODEL_ENDPOINTS)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import UsageRollup
from usage_tracker.domain.endpoints import TOOL_COUNTS
from usage_tracker.services.reports.sources import row_conditions, tool_choices
from usage_tracker.services.reports.types import ReportQuery, ToolCount


def tool_counts(session: Session, q: ReportQuery) -> list[ToolCount]:
    """Each tool endpoint the ledger has data for in the range: its count and unit (calls and
    sessions add up over days; stored bytes are the largest day's)."""
    out = []
    for endpoint, (metric, unit, combine) in TOOL_COUNTS.items():
        choices = tool_choices(session, q, endpoint)
        if not choices:
            continue
        column = getattr(UsageRollup, metric)
        where = row_conditions(UsageRollup, choices, q, False)
        if combine == "peak":
            per_day = (
                select(func.sum(column).label("v")).where(*where).group_by(UsageRollup.period)
            ).subquery()
            value = session.scalar(select(func.coalesce(func.max(per_day.c.v), 0)))
        else:
            value = session.scalar(select(func.coalesce(func.sum(column), 0)).where(*where))
        out.append(ToolCount(endpoint, int(value or 0), unit, combine))
    return out
