"""Money is exact: amounts are kept as integer nano-dollars and shown as decimal strings.

One nano-dollar is 1e-9 USD. Every amount the Costs API reports (at most a handful of decimals)
fits exactly; anything finer is rounded half-even, far below a cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

NANOS_PER_UNIT = 1_000_000_000
_NANO = Decimal(1).scaleb(-9)
_ONE = Decimal(1)
_CENT = Decimal("0.01")
# The largest amount (in units) nano-units hold in a signed 64-bit integer: about 9.2 billion.
MAX_UNITS = (2**63 - 1) // NANOS_PER_UNIT


class MoneyError(ValueError):
    """A value that cannot be read as an amount of money."""


def to_nanos(value: Decimal | int | str | float) -> int:
    """Convert an amount in currency units to integer nano-units, exactly where possible."""
    if type(value) is Decimal:  # what JSON files decode to: the checks below, in short
        if value.is_finite() and -MAX_UNITS < value < MAX_UNITS:
            return int((value * NANOS_PER_UNIT).quantize(_ONE, rounding=ROUND_HALF_EVEN))
    elif isinstance(value, bool):
        raise MoneyError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return value * NANOS_PER_UNIT
    if isinstance(value, float):
        # JSON floats arrive as their shortest repr; go through it, never through binary math.
        value = repr(value)
    try:
        dec = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MoneyError(f"expected a number, got {value!r}") from exc
    if not dec.is_finite():
        raise MoneyError(f"expected a finite number, got {value!r}")
    if abs(dec) >= MAX_UNITS:
        raise MoneyError(f"expected an amount below {MAX_UNITS:,}, got {value!r}")
    return int((dec * NANOS_PER_UNIT).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_nanos(nanos: int) -> Decimal:
    """Exact decimal amount for integer nano-units."""
    return (Decimal(int(nanos)) * _NANO).quantize(_NANO)


def usd_string(nanos: int | None) -> str | None:
    """Decimal string with at least two decimals and no trailing zeros beyond them."""
    if nanos is None:
        return None
    nanos = int(nanos)
    whole, frac_nanos = divmod(-nanos if nanos < 0 else nanos, NANOS_PER_UNIT)
    frac = f"{frac_nanos:09d}".rstrip("0")  # integer arithmetic: exact, and fast in exports
    if len(frac) < 2:
        frac = frac.ljust(2, "0")
    return f"{'-' if nanos < 0 else ''}{whole}.{frac}"


def usd_cents(nanos: int) -> Decimal:
    """The amount rounded to the cent, half-even (how invoices round)."""
    return from_nanos(nanos).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def format_usd(nanos: int | None, *, cents: bool = True) -> str:
    """Human display: `$1,234.56`; `—` for unknown."""
    if nanos is None:
        return "—"
    amount = usd_cents(nanos) if cents else from_nanos(nanos)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}" if cents else f"{sign}${abs(amount):,}"


def format_cents(cents: int | None) -> str:
    """An amount in whole cents (OpenAI's spend limits), shown as `$1,234.56`."""
    return format_usd(None if cents is None else int(cents) * (NANOS_PER_UNIT // 100))


def format_unit_price(nanos: int | None) -> str:
    """A small amount such as a cost per request, to four decimals: `$0.0076`; `—` for unknown."""
    if nanos is None:
        return "—"
    amount = from_nanos(nanos).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}"


def parse_usd(text: str) -> int:
    """Dollars as people type them (`250`, `$1,234.50`) to nano-dollars; MoneyError otherwise."""
    cleaned = text.strip().removeprefix("$").replace(",", "").strip()
    if not cleaned:
        raise MoneyError(f"expected an amount of dollars, got {text!r}")
    return to_nanos(cleaned)


def decimal_text(value: Decimal) -> str:
    """An exact decimal in plain notation: no exponent, no trailing zeros, `-` only when
    negative (`12.5`, `0.0000025`, `-3`): FOCUS's Numeric Format and every CSV number."""
    if not value.is_finite():
        raise MoneyError(f"expected a finite number, got {value!r}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        return "0"
    return text
