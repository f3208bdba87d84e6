"""One result object (a dict, from an export file or an Admin API page) → a ledger record.

The one mapping both paths use — file imports (`ingest`) and the sync (`openai_admin`) — so a
value is read, or refused, the same way whichever way it arrived. Accepts the Admin API's shape
and the dashboard's older export shape (`amount.value` or legacy `cost`; `line_item` or
`model`). Values the ledger cannot hold are refused, never stored: counts that are not whole
non-negative numbers below 2^63, amounts beyond what nano-dollars hold, text longer than its
column. A `ResultError`'s message says what was expected.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Any

from usage_tracker.domain.endpoints import USAGE_DIMENSIONS, USAGE_ENDPOINTS
from usage_tracker.domain.money import MoneyError, to_nanos
from usage_tracker.domain.records import CostRecord, UsageRecord

MAX_COUNT = 2**63 - 1  # a BIGINT column
# The longest text each field's column holds (db/models).
TEXT_LIMITS: dict[str, int] = {
    "project_id": 64,
    "user_id": 64,
    "api_key_id": 64,
    "line_item": 200,
    "model": 120,
    "quantity_unit": 40,
    "currency": 8,
    "user_email": 320,
    "service_tier": 64,
    "source": 64,
    "size": 64,
    "context_level": 64,
    "vector_store_id": 64,
}


class ResultError(ValueError):
    """A result that does not have the shape its kind requires (message says what was expected)."""


def text(value: Any, name: str | None = None) -> str | None:
    """A field's text, stripped (None when empty); refused when longer than its column."""
    if type(value) is str:  # nearly always: the checks below, in their cheapest order
        out = value.strip()
    elif value is None:
        return None
    elif isinstance(value, bool | dict | list):
        raise ResultError(f"`{name or 'a text field'}` as text, got {value!r}")
    else:
        out = value.strip() if isinstance(value, str) else str(value)
    if not out:
        return None
    limit = TEXT_LIMITS.get(name or "")
    if limit is not None and len(out) > limit:
        raise ResultError(f"`{name}` of at most {limit} characters, got {len(out)}")
    # Ids and line items repeat on every row: one copy of each keeps a large bucket small.
    return sys.intern(out) if len(out) <= _INTERN_UP_TO else out


_INTERN_UP_TO = 200


def count(value: Any, name: str) -> int:
    """A usage count: a whole number, 0 ≤ n < 2^63 (2.0 reads as 2; 1.5 is refused)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ResultError(f"`{name}` as a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    else:
        try:
            dec = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ResultError(f"`{name}` as a whole number, got {value!r}") from None
        if not dec.is_finite() or dec != dec.to_integral_value():
            raise ResultError(f"`{name}` as a whole number, got {value!r}")
        number = int(dec)
    if not 0 <= number <= MAX_COUNT:
        raise ResultError(f"`{name}` between 0 and {MAX_COUNT}, got {number}")
    return number


def quantity(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ResultError(f"`quantity` as a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond what a float holds
        raise ResultError(f"`quantity` as a finite number, got {value!r}") from None
    except (TypeError, ValueError):
        raise ResultError(f"`quantity` as a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ResultError(f"`quantity` as a finite number, got {value!r}")
    return number


def cost_record(result: Mapping[str, Any]) -> CostRecord:
    amount = result.get("amount")
    currency: str | None = "usd"
    if type(amount) is dict or isinstance(amount, Mapping):  # a dict: no ABC check
        value = amount.get("value")
        currency = text(amount.get("currency"), "currency") or "usd"
    else:  # the legacy `cost`, or a bare `amount`: a JSON number, never text
        value = result.get("cost") if "cost" in result else amount
        if isinstance(value, str):
            raise ResultError(f"a cost amount as a number, got the text {value[:40]!r}")
    kind = type(value)
    if (
        kind is not Decimal
        and kind is not int
        and kind is not float
        and (value is None or isinstance(value, bool | Mapping | list))
    ):
        raise ResultError("a cost `amount.value` (or legacy `cost`) number")
    try:
        nanos = to_nanos(value if isinstance(value, Decimal | int | float) else str(value))
    except MoneyError as exc:
        raise ResultError(f"a numeric cost amount, got {value!r}") from exc
    line_item = text(result.get("line_item"), "line_item") or text(result.get("model"), "model")
    return CostRecord(
        amount_nanos=nanos,
        currency=(currency or "usd").lower(),
        project_id=text(result.get("project_id"), "project_id"),
        line_item=line_item,
        api_key_id=text(result.get("api_key_id"), "api_key_id"),
        user_id=text(result.get("user_id"), "user_id"),
        user_email=text(result.get("user_email"), "user_email"),
        quantity=quantity(result.get("quantity")),
        quantity_unit=text(result.get("quantity_unit"), "quantity_unit"),
    )


def usage_record(result: Mapping[str, Any], endpoint: str) -> UsageRecord:
    spec = USAGE_ENDPOINTS[endpoint]
    metrics = {name: count(result.get(name), name) for name in spec.metrics}
    dims: dict[str, str | bool | None] = {}
    for name in USAGE_DIMENSIONS:
        value = result.get(name)
        if value is None:
            continue
        if name == "batch":
            if not isinstance(value, bool):
                raise ResultError(f"`batch` as true/false, got {value!r}")
            dims[name] = value
        else:
            dims[name] = text(value, name)
    return UsageRecord(endpoint=endpoint, metrics=metrics, dims=dims)


_REMEMBERED = 1 << 16  # distinct texts kept per field; more are checked each time


class _Texts(dict[Any, "str | None"]):
    """One field's checked texts by their raw value, filled as they are met: a value seen before
    is one dict look-up. Only `str` values are kept (1, 1.0 and True are one key to a dict);
    an unhashable value raises TypeError."""

    def __init__(self, name: str) -> None:
        super().__init__({None: None})
        self.name = name

    def __missing__(self, value: Any) -> str | None:
        out = text(value, self.name)
        if type(value) is str and len(self) < _REMEMBERED:
            self[value] = out
        return out


class CostReader:
    """`cost_record` for the many results of one file or page: the same records and the same
    refusals, with each distinct text checked once (ids, line items and e-mails repeat on every
    row of an export). A result it cannot take plainly goes through `cost_record` itself, which
    gives its record or says what is wrong."""

    def __init__(self) -> None:
        self._project, self._key = _Texts("project_id"), _Texts("api_key_id")
        self._user, self._email = _Texts("user_id"), _Texts("user_email")
        self._line_item, self._model = _Texts("line_item"), _Texts("model")
        self._unit, self._currency = _Texts("quantity_unit"), _Texts("currency")

    def record(self, result: Mapping[str, Any]) -> CostRecord:
        fields = self._plain(result)
        return cost_record(result) if fields is None else CostRecord(*fields)

    def fields(self, result: Mapping[str, Any]) -> tuple[Any, ...]:
        """The record's fields, in `CostRecord`'s order, as a plain tuple."""
        fields = self._plain(result)
        return record_fields(cost_record(result)) if fields is None else fields

    def _plain(self, result: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The fields of a result with nothing to refuse or convert specially; else None (the
        caller asks `cost_record`, which gives the record or says what is wrong, in the words
        and order of the one mapping)."""
        amount = result.get("amount") if type(result) is dict else None
        if type(amount) is not dict:
            return None
        value: Any = amount.get("value")
        kind = type(value)
        if kind is not Decimal and kind is not str and kind is not int and kind is not float:
            return None
        get = result.get
        try:
            currency = (self._currency[amount.get("currency")] or "usd").lower()
            nanos = to_nanos(value)
            number = get("quantity")
            if number is not None:
                if type(number) is bool:
                    return None
                number = float(number)
                if number - number != 0:  # NaN or an infinity
                    return None
            return (
                nanos,
                currency,
                self._project[get("project_id")],
                self._line_item[get("line_item")] or self._model[get("model")],
                self._key[get("api_key_id")],
                self._user[get("user_id")],
                self._email[get("user_email")],
                number,
                self._unit[get("quantity_unit")],
            )
        except (ResultError, MoneyError, ArithmeticError, TypeError, ValueError):
            return None


COST_FIELDS = (
    "amount_nanos",
    "currency",
    "project_id",
    "line_item",
    "api_key_id",
    "user_id",
    "user_email",
    "quantity",
    "quantity_unit",
)
record_fields = attrgetter(*COST_FIELDS)  # a CostRecord's fields, in order, as a tuple
