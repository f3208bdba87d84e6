"""What the ledger can answer: the first and last day it has data for, the dimensions its
record sets are grouped by, and the default range of a report."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Organization, RecordSet, RecordSetDay
from usage_tracker.services.reports.memo import remembered
from usage_tracker.services.reports.sources import NEEDS_COST, NEEDS_USAGE
from usage_tracker.services.reports.types import TIME_DIMENSIONS


@remembered
def data_bounds(session: Session, org: str | None = None) -> tuple[date, date] | None:
    """First and last day the ledger has any data for."""
    query = select(func.min(RecordSetDay.day), func.max(RecordSetDay.day)).join(
        RecordSet, RecordSet.id == RecordSetDay.record_set_id
    )
    if org:
        query = query.join(Organization, Organization.id == RecordSet.organization_id).where(
            Organization.slug == org
        )
    first, last = session.execute(query).one()
    return (first, last) if first is not None else None


@remembered
def available_dimensions(session: Session, org: str | None = None) -> set[str]:
    """Which dimensions the loaded data can answer (for navigation that shows only those)."""
    query = select(RecordSet.kind, RecordSet.grouping)
    if org:
        query = query.join(Organization, Organization.id == RecordSet.organization_id).where(
            Organization.slug == org
        )
    found: set[str] = set()
    for kind, grouping in session.execute(query):
        dims = set(grouping.split(","))
        found.update(TIME_DIMENSIONS)
        if kind != "costs":
            found.add("endpoint")
        for dim, need in (NEEDS_COST if kind == "costs" else NEEDS_USAGE).items():
            if need in dims:
                found.add(dim)
    return found


def default_range(session: Session, org: str | None = None, days: int = 30) -> tuple[date, date]:
    """The last `days` days that have data (or up to today when the ledger is empty)."""
    bounds = data_bounds(session, org)
    until = bounds[1] if bounds else date.today()
    return until - timedelta(days=days - 1), until


@remembered
def organizations_with_data(session: Session) -> list[str]:
    """Slugs of the organizations that have any ledger data, the most recent data first."""
    last = func.max(RecordSetDay.day)
    query = (
        select(Organization.slug)
        .join(RecordSet, RecordSet.organization_id == Organization.id)
        .join(RecordSetDay, RecordSetDay.record_set_id == RecordSet.id)
        .group_by(Organization.slug)
        .order_by(last.desc(), Organization.slug)
    )
    return list(session.scalars(query))
