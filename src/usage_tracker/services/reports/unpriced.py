"""Cost lines the tracker cannot price or name — listed, never dropped or priced by guesswork:
a `quantity_unit` it does not know (`domain/units`), a line item whose shape it does not
recognise (`domain/line_items`: no model is made up for it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostRecord, Organization, RecordSet
from usage_tracker.domain.line_items import parse_line_item
from usage_tracker.domain.units import known_unit


@dataclass(frozen=True, order=True)
class UnpricedLine:
    line_item: str
    quantity_unit: str | None
    reason: str  # "unknown unit" | "unrecognised line item"

    def to_json(self) -> dict[str, Any]:
        return {"line_item": self.line_item, "quantity_unit": self.quantity_unit,
                "reason": self.reason}  # fmt: skip


def unpriced_lines(session: Session, org: str | None = None) -> list[UnpricedLine]:
    """Every distinct line item (with its unit) that cannot be priced or named, sorted."""
    query = select(CostRecord.line_item, CostRecord.quantity_unit).distinct()
    if org is not None:
        sets = (
            select(RecordSet.id)
            .join(Organization, Organization.id == RecordSet.organization_id)
            .where(Organization.slug == org)
        )
        query = query.where(CostRecord.record_set_id.in_(sets))
    out: set[UnpricedLine] = set()
    for item, unit in session.execute(query):
        if item is not None and not parse_line_item(item).recognised:
            out.add(UnpricedLine(item, unit, "unrecognised line item"))
        elif unit is not None and not known_unit(unit):
            out.add(UnpricedLine(item or "", unit, "unknown unit"))
    return sorted(out)
