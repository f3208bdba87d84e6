"""FOCUS (FinOps Open Cost and Usage Specification, 1.2) rules that need no database.

Units: the Costs API's `quantity_unit` in FOCUS Unit Format ("tokens" → "Tokens", "1000_tokens"
→ "1000 Tokens", "duration_seconds" → "Seconds", "gibibyte_hours" → "GiB-Hours"); a unit this
table does not know becomes capitalised words ("web_search_calls" → "Web Search Calls"), never
dropped. Charge periods and billing periods are UTC instants ("2024-07-01T00:00:00Z"), the end
exclusive. A negative amount or a credit/refund line item is a `Credit`, everything else `Usage`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from usage_tracker.domain import units

FOCUS_VERSION = "1.2"
QUANTITY_SCALE = 9  # quantities are written with at most 9 decimals
_QUANTUM = Decimal(1).scaleb(-QUANTITY_SCALE)
USAGE = "Usage"
CREDIT = "Credit"

# (base unit, factor) of domain.units → the FOCUS Unit Format name.
_NAMES: dict[tuple[str, int], str] = {
    (units.TOKENS, 1): "Tokens",
    (units.TOKENS, 1000): "1000 Tokens",
    (units.TOKENS, 1_000_000): "1000000 Tokens",
    (units.SECONDS, 1): "Seconds",
    (units.SECONDS, 60): "Minutes",
    (units.SECONDS, 3600): "Hours",
    (units.GIB_HOURS, 1): "GiB-Hours",
    (units.IMAGES, 1): "Images",
    (units.CHARACTERS, 1): "Characters",
    (units.CHARACTERS, 1000): "1000 Characters",
    (units.REQUESTS, 1): "Requests",
}
_CREDIT_WORDS = re.compile(r"\b(credit|credits|refund|refunds|refunded)\b", re.IGNORECASE)


def focus_unit(quantity_unit: str | None) -> str | None:
    """The FOCUS Unit Format name of a Costs API quantity unit; None when there is none."""
    if not quantity_unit or not quantity_unit.strip():
        return None
    text = quantity_unit.strip()
    known = units.unit_of(text)
    if known is not None and known in _NAMES:
        return _NAMES[known]
    return " ".join(w[:1].upper() + w[1:] for w in re.split(r"[\s_]+", text) if w)


def tokens_per_unit(quantity_unit: str | None) -> int | None:
    """How many tokens one unit of `quantity_unit` is (1, 1000, 1000000); None if not tokens."""
    known = units.unit_of(quantity_unit)
    return known[1] if known is not None and known[0] == units.TOKENS else None


def is_credit(line_item: str | None, amount_nanos: int) -> bool:
    """A credit or refund: a negative amount, or a line item that says it is one."""
    return amount_nanos < 0 or bool(line_item and _CREDIT_WORDS.search(line_item))


def instant(day: date) -> str:
    """The first instant of a UTC day in FOCUS Date/Time Format: `2024-07-01T00:00:00Z`."""
    return f"{day.isoformat()}T00:00:00Z"


def next_day(day: date) -> date:
    return day + timedelta(days=1)


def month_bounds(day: date) -> tuple[date, date]:
    """The calendar month (UTC) holding `day`: its first day and the first day of the next."""
    first = day.replace(day=1)
    following = (
        date(first.year + 1, 1, 1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return first, following


def quantity_decimal(value: float) -> Decimal:
    """A stored quantity as the exact decimal the export writes (its shortest repr, at most
    9 decimals): prices are multiplied with this value, so ListCost matches the file."""
    if value.is_integer():
        return Decimal(int(value))
    d = Decimal(repr(value))
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_SCALE:
        d = d.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    return d
