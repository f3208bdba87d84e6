"""Budget arithmetic: status bands, thresholds and rollover, all in integer nano-dollars.

Bands (percent = spent / budget): safe below 70 %, caution from 70 %, warning from 90 % up to and
including 100 %, over above 100 %. Comparisons are exact integer arithmetic, never floats.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

SCOPES = ("org", "project", "user", "key", "team")
STATUSES = ("safe", "caution", "warning", "over")
ENFORCEMENTS = ("none", "spend-limit", "disable", "revoke-keys")
DEFAULT_THRESHOLDS = (50, 80, 100)
CAUTION_PERCENT = 70
WARNING_PERCENT = 90
# Billed cost where the ledger has it per scope; estimated/allocated where it does not.
SPEND_BASIS = {"org": "billed", "project": "billed", "key": "billed", "user": "estimated"}


class BudgetError(ValueError):
    """A budget value that cannot be accepted (amount, thresholds, scope, enforcement)."""


def budget_status(spent_nanos: int, budget_nanos: int) -> str:
    """`safe`, `caution`, `warning` or `over` for this much spent of this budget."""
    if budget_nanos <= 0:
        return "over" if spent_nanos > 0 else "safe"
    scaled = spent_nanos * 100
    if scaled > 100 * budget_nanos:
        return "over"
    if scaled >= WARNING_PERCENT * budget_nanos:
        return "warning"
    if scaled >= CAUTION_PERCENT * budget_nanos:
        return "caution"
    return "safe"


def percent_used(spent_nanos: int, budget_nanos: int) -> Decimal:
    """Spent as a percentage of the budget, to two decimals (half-even)."""
    if budget_nanos <= 0:
        return Decimal("0.00")
    return (Decimal(spent_nanos) * 100 / Decimal(budget_nanos)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )


def parse_thresholds(text: str | None) -> tuple[int, ...]:
    """ "50,80,100" → (50, 80, 100): whole percents 1–1000, sorted, without repeats."""
    if text is None or not text.strip():
        return DEFAULT_THRESHOLDS
    values: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        try:
            value = int(part.rstrip("%"))
        except ValueError:
            message = f"thresholds are whole percents like 50,80,100; got {part!r}"
            raise BudgetError(message) from None
        if not 1 <= value <= 1000:
            raise BudgetError(f"a threshold must be between 1 and 1000 percent, got {value}")
        values.add(value)
    if not values:
        raise BudgetError("give at least one threshold, like 50,80,100")
    return tuple(sorted(values))


def format_thresholds(values: tuple[int, ...] | list[int]) -> str:
    return ",".join(str(v) for v in values)


def crossed_thresholds(
    spent_nanos: int, budget_nanos: int, thresholds: tuple[int, ...]
) -> list[int]:
    """Thresholds that `spent` has reached (spent ≥ threshold % of the budget)."""
    if budget_nanos <= 0:
        return []
    return [t for t in thresholds if spent_nanos * 100 >= t * budget_nanos]


def rollover_nanos(base_nanos: int, previous_spent_nanos: int) -> int:
    """Unused amount carried into the next period: the previous period's base budget minus its
    spend, never negative. It does not compound (carry-over is not carried again)."""
    return max(0, base_nanos - previous_spent_nanos)


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise BudgetError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    return scope


def check_enforcement(enforce: str, scope: str) -> str:
    if enforce not in ENFORCEMENTS:
        raise BudgetError(f"enforce must be one of {', '.join(ENFORCEMENTS)}, got {enforce!r}")
    if enforce in ("spend-limit", "disable") and scope != "project":
        raise BudgetError(f"--enforce {enforce} needs a project budget (this one is {scope})")
    if enforce == "revoke-keys" and scope not in ("project", "key", "team"):
        raise BudgetError("--enforce revoke-keys needs a project, key or team budget")
    return enforce
