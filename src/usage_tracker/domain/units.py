"""Units of a cost result's `quantity` (`quantity_unit`), in the base units usage is counted in.

    base_quantity("1000_tokens", 12.5) == (TOKENS, Decimal("12500"))
    base_quantity("duration_minutes", 2) == (SECONDS, Decimal("120"))
    base_quantity("parsecs", 3) is None        # a unit this tracker does not know: unpriced

Price derivation, estimates and reconciliation read quantities through this module only, so a
price per 1,000 tokens is never taken for a price per token.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

TOKENS, IMAGES, CHARACTERS, SECONDS, GIB_HOURS, REQUESTS = (
    "tokens",
    "images",
    "characters",
    "seconds",
    "gib_hours",
    "requests",
)
# quantity_unit (as the Costs API and dashboard exports spell it) → (base unit, factor).
_UNITS: dict[str, tuple[str, int]] = {
    "tokens": (TOKENS, 1),
    "token": (TOKENS, 1),
    "1000_tokens": (TOKENS, 1_000),
    "1k_tokens": (TOKENS, 1_000),
    "thousand_tokens": (TOKENS, 1_000),
    "1000000_tokens": (TOKENS, 1_000_000),
    "1m_tokens": (TOKENS, 1_000_000),
    "million_tokens": (TOKENS, 1_000_000),
    "images": (IMAGES, 1),
    "image": (IMAGES, 1),
    "characters": (CHARACTERS, 1),
    "character": (CHARACTERS, 1),
    "1000_characters": (CHARACTERS, 1_000),
    "seconds": (SECONDS, 1),
    "second": (SECONDS, 1),
    "duration_seconds": (SECONDS, 1),
    "duration_minutes": (SECONDS, 60),
    "minutes": (SECONDS, 60),
    "duration_hours": (SECONDS, 3_600),
    "hours": (SECONDS, 3_600),
    "gibibyte_hours": (GIB_HOURS, 1),
    "gib_hours": (GIB_HOURS, 1),
    "requests": (REQUESTS, 1),
    "calls": (REQUESTS, 1),
    "sessions": (REQUESTS, 1),
}


def _key(unit: str) -> str:
    return "_".join(unit.strip().lower().replace("-", "_").split())


def unit_of(quantity_unit: str | None) -> tuple[str, int] | None:
    """(base unit, how many base units one quantity unit is), or None when unknown or absent."""
    if quantity_unit is None or not quantity_unit.strip():
        return None
    return _UNITS.get(_key(quantity_unit))


def known_unit(quantity_unit: str | None) -> bool:
    return unit_of(quantity_unit) is not None


def base_quantity(
    quantity_unit: str | None, quantity: float | int | Decimal | str | None
) -> tuple[str, Decimal] | None:
    """The quantity in its base unit, exactly (floats through their shortest repr), or None when
    the unit is unknown or the quantity missing."""
    unit = unit_of(quantity_unit)
    if unit is None or quantity is None:
        return None
    try:
        value = Decimal(repr(quantity)) if isinstance(quantity, float) else Decimal(str(quantity))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return unit[0], value * unit[1]
