"""Rows split among users where the billed data has no user dimension (`--allocate-users`).

The split is `report reconcile`'s allocation (services/reports/attribution.py): each user's share
of estimated cost in the row's day × project × model, tokens where the model is unpriced. It is
an allocation, not billed data, and its rows say so in `x_AllocationMethod`. Amounts split
exactly in nano-dollars and quantities in 1e-9 units (the remainders to the largest share), so
the rows of one split add up to the row they replace. A row whose day × project × model has no
usage stays whole, without a user.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from usage_tracker.domain.focus import QUANTITY_SCALE, quantity_decimal
from usage_tracker.services.reports.attribution import (
    ALLOCATION_METHOD,
    Key,
    allocation_weights,
    split_by_weight,
)
from usage_tracker.services.reports.types import ReportQuery

Share = tuple[str | None, int, Decimal | None]


class UserAllocation:
    method = ALLOCATION_METHOD

    def __init__(self, session: Session, org: str | None) -> None:
        self.session = session
        self.org = org
        self._weights: dict[Key, dict[str | None, int]] = {}

    def load(self, since: date, until: date) -> None:
        """The users' weights of the days [since, until] (one chunk of the export)."""
        self._weights = allocation_weights(
            self.session, ReportQuery(since, until, org=self.org), "user"
        )

    def split(
        self, day: date, project: str | None, model: str | None, amount: int, quantity: float | None
    ) -> list[Share] | None:
        """The row's amount (and quantity) per user; None when there is no usage to split by."""
        weights = self._weights.get((day, project, model))
        parts = split_by_weight(amount, weights) if weights else None
        if parts is None or weights is None:
            return None
        if quantity is None:
            return [(who, part, None) for who, part in parts]
        scaled = int(quantity_decimal(quantity).scaleb(QUANTITY_SCALE))
        units = dict(split_by_weight(scaled, weights) or [])
        return [(who, part, Decimal(units[who]).scaleb(-QUANTITY_SCALE)) for who, part in parts]
