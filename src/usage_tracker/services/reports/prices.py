"""Unit prices per model and kind, for estimating cost from usage.

Where a price comes from, best first:
1. derived — the organization's own cost line items: amount ÷ quantity over its most recent
   30 days of costs (what it was really billed per token, image, second or character), the
   quantity read in its `quantity_unit` (per 1,000 tokens, minutes, … — `domain/units`); a line
   whose unit is unknown is left out and listed (`services/reports/unpriced`);
2. manual — set with `usage-tracker prices set` (installation-wide);
3. shipped — `domain/price_table.py`.
Token kinds (input, cached_input, output) are priced per 1M tokens; images, seconds and
characters per unit. A model with no price is unpriced: its estimate is unknown, never $0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import CostRecord, Price, RecordSet
from usage_tracker.domain.endpoints import COSTS
from usage_tracker.domain.price_table import TOKEN_PRICES_PER_MILLION, UNIT_PRICES
from usage_tracker.domain.units import (
    CHARACTERS,
    IMAGES,
    SECONDS,
    TOKENS,
    base_quantity,
)

TOKEN_KINDS = ("input", "cached_input", "output")
UNIT_KINDS = {"images": "image", "seconds": "second", "characters": "character"}
MILLION = Decimal(1_000_000)
DERIVE_DAYS = 30
_KIND_ALIASES = {
    "cached-input": "cached_input",
    "cached input": "cached_input",
    "image": "images",
    "second": "seconds",
    "duration_seconds": "seconds",
    "character": "characters",
}
_SOURCE_RANK = {"shipped": 0, "manual": 1, "derived": 2}


class PriceError(ValueError):
    pass


def normalise_kind(kind: str) -> str:
    text = " ".join(kind.strip().lower().split())
    text = _KIND_ALIASES.get(text, text)
    if text not in TOKEN_KINDS and text not in UNIT_KINDS:
        raise PriceError(
            f"unknown price kind {kind!r}; use one of {', '.join((*TOKEN_KINDS, *UNIT_KINDS))}"
        )
    return text


def unit_of(kind: str) -> str:
    return "1M tokens" if kind in TOKEN_KINDS else UNIT_KINDS[kind]


@dataclass(frozen=True)
class UnitPrice:
    model: str
    kind: str
    usd: Decimal  # per unit_of(kind): per 1M tokens, or per image / second / character
    source: str  # shipped | manual | derived

    @property
    def unit(self) -> str:
        return unit_of(self.kind)

    @property
    def per_quantity(self) -> Decimal:
        """USD per single token / image / second / character."""
        return self.usd / MILLION if self.kind in TOKEN_KINDS else self.usd


class PriceBook:
    """The effective price of each model × kind for one organization."""

    def __init__(self, prices: list[UnitPrice]) -> None:
        self._prices: dict[tuple[str, str], UnitPrice] = {}
        for p in sorted(prices, key=lambda p: _SOURCE_RANK[p.source]):
            self._prices[(p.model, p.kind)] = p

    def get(self, model: str | None, kind: str) -> UnitPrice | None:
        return None if model is None else self._prices.get((model, kind))

    def all(self) -> list[UnitPrice]:
        return [self._prices[k] for k in sorted(self._prices)]


def shipped_prices() -> list[UnitPrice]:
    out = [
        UnitPrice(model, kind, usd, "shipped")
        for model, kinds in TOKEN_PRICES_PER_MILLION.items()
        for kind, usd in kinds.items()
    ]
    out += [UnitPrice(model, unit, usd, "shipped") for model, (unit, usd) in UNIT_PRICES.items()]
    return out


def _stored(session: Session, organization_id: int | None) -> list[UnitPrice]:
    query = select(Price).where(Price.organization_id.is_(None))
    if organization_id is not None:
        query = select(Price).where(
            (Price.organization_id.is_(None)) | (Price.organization_id == organization_id)
        )
    return [
        UnitPrice(p.model, p.kind, Decimal(p.usd_per_unit), p.source)
        for p in session.scalars(query)
    ]


def price_book(session: Session, organization_id: int | None = None) -> PriceBook:
    return PriceBook(shipped_prices() + _stored(session, organization_id))


def list_price_book(session: Session) -> PriceBook:
    """Published prices only (shipped, and manual ones set for the installation): what a list
    price may quote. Derived prices are what the organization was billed, not a list price."""
    return PriceBook(shipped_prices() + [p for p in _stored(session, None) if p.source == "manual"])


def set_price(session: Session, model: str, kind: str, usd: str) -> UnitPrice:
    """Set an installation-wide price (token kinds per 1M tokens, other kinds per unit)."""
    kind = normalise_kind(kind)
    model = model.strip()
    try:
        value = Decimal(usd.strip().lstrip("$"))
    except InvalidOperation:
        raise PriceError(f"price must be a number of US dollars, got {usd!r}") from None
    if not value.is_finite() or value < 0:
        raise PriceError(f"price must be zero or more, got {usd!r}")
    if not model:
        raise PriceError("model must not be empty")
    row = session.scalar(
        select(Price).where(
            Price.organization_id.is_(None), Price.model == model, Price.kind == kind
        )
    )
    if row is None:
        row = Price(organization_id=None, model=model, kind=kind)
        session.add(row)
    row.usd_per_unit, row.unit, row.source = str(value), unit_of(kind), "manual"
    session.flush()
    return UnitPrice(model, kind, value, "manual")


_BASE_KIND = {IMAGES: "images", SECONDS: "seconds", CHARACTERS: "characters"}


def _kind_of(token_kind: str | None, base_unit: str) -> str | None:
    """The price kind a cost line's quantity prices, or None (not a kind prices know)."""
    if base_unit == TOKENS:
        return token_kind if token_kind in TOKEN_KINDS else None
    return _BASE_KIND.get(base_unit)


def derive_prices(session: Session, organization_id: int) -> int:
    """Replace the organization's derived prices with amount ÷ quantity of its recent costs."""
    sets = select(RecordSet.id).where(
        RecordSet.organization_id == organization_id, RecordSet.kind == COSTS
    )
    last = session.scalar(
        select(func.max(CostRecord.day)).where(CostRecord.record_set_id.in_(sets))
    )
    session.execute(
        delete(Price).where(Price.organization_id == organization_id, Price.source == "derived")
    )
    if last is None:
        return 0
    query = (
        select(
            CostRecord.model,
            CostRecord.token_kind,
            CostRecord.quantity_unit,
            func.sum(CostRecord.amount_nanos),
            func.sum(CostRecord.quantity),
        )
        .where(
            CostRecord.record_set_id.in_(sets),
            CostRecord.day > last - timedelta(days=DERIVE_DAYS),
            CostRecord.model.is_not(None),
            CostRecord.quantity > 0,
        )
        .group_by(CostRecord.model, CostRecord.token_kind, CostRecord.quantity_unit)
    )
    found: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for model, token_kind, unit, nanos, quantity in session.execute(query):
        based = base_quantity(unit, float(quantity) if quantity is not None else None)
        if based is None or model is None or not based[1]:
            continue  # an unknown unit leaves the line unpriced (reports/unpriced lists it)
        kind = _kind_of(token_kind, based[0])
        if kind is None:
            continue
        total, qty = found.get((model, kind), (0, Decimal(0)))
        found[(model, kind)] = (total + int(nanos), qty + based[1])
    for (model, kind), (nanos, qty) in found.items():
        per_quantity = Decimal(nanos) / qty / Decimal(1_000_000_000)
        usd = per_quantity * MILLION if kind in TOKEN_KINDS else per_quantity
        session.add(
            Price(
                organization_id=organization_id,
                model=model,
                kind=kind,
                usd_per_unit=str(usd.normalize() if usd else Decimal(0)),
                unit=unit_of(kind),
                source="derived",
            )
        )
    session.flush()
    return len(found)
