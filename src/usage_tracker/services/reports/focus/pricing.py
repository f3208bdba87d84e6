"""List prices for FOCUS rows: `ListUnitPrice` per unit of the row's own `PricingUnit`.

The price table (services/reports/prices.py) prices token kinds per 1M tokens and images,
seconds and characters per unit. Only published prices quote a list price (shipped, or set by
hand for the installation), never prices derived from the organization's own bill. A row gets
a list price when its model and kind are priced in the row's unit: tokens (per 1, 1000 or 1M),
images, characters, or seconds (also minutes and hours), and when list price × quantity is not
below what was billed (a list price under the bill would be a stale table, not a discount).
Everything else has no list price, and its `ListCost` is its `BilledCost`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from usage_tracker.domain import units
from usage_tracker.services.reports.prices import TOKEN_KINDS, PriceBook, list_price_book

_PRICE_KIND = {units.IMAGES: "images", units.CHARACTERS: "characters", units.SECONDS: "seconds"}
_MILLION = Decimal(1_000_000)


class ListPrices:
    def __init__(self, session: Session) -> None:
        self._book: PriceBook = list_price_book(session)
        self._cache: dict[tuple[str | None, str | None, str | None], Decimal | None] = {}

    def unit_price(
        self, model: str | None, token_kind: str | None, quantity_unit: str | None
    ) -> Decimal | None:
        """USD per one `quantity_unit` of this model and kind; None when not known."""
        key = (model, token_kind, quantity_unit)
        if key not in self._cache:
            self._cache[key] = self._find(model, token_kind, quantity_unit)
        return self._cache[key]

    def _find(
        self, model: str | None, token_kind: str | None, quantity_unit: str | None
    ) -> Decimal | None:
        if model is None or not quantity_unit:
            return None
        unit = units.unit_of(quantity_unit)  # the one reading of quantity units
        if unit is None:
            return None
        base, factor = unit
        if base == units.TOKENS:
            if token_kind not in TOKEN_KINDS:
                return None
            price = self._book.get(model, token_kind)
            return None if price is None else price.usd * factor / _MILLION
        kind = _PRICE_KIND.get(base)
        price = None if kind is None else self._book.get(model, kind)
        return None if price is None else price.usd * factor
