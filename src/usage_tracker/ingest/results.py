"""One API or export result (a dict) → a CostRecord or UsageRecord.

Accepts the Admin API's shape and the dashboard's older export shape: `amount.value` or legacy
`cost`; `line_item` or `model`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import Any

from usage_tracker.domain.endpoints import (
    COST_OBJECT,
    COSTS,
    ENDPOINT_BY_OBJECT,
    USAGE_DIMENSIONS,
    USAGE_ENDPOINTS,
    USAGE_METRICS,
)
from usage_tracker.domain.money import MoneyError, to_nanos
from usage_tracker.domain.records import CostRecord, UsageRecord


class ResultError(ValueError):
    """A result that does not have the shape its kind requires (message says what was expected)."""


_COST_HINTS = ("amount", "cost")
_COMPLETION_HINTS = ("output_tokens", "input_cached_tokens")


def result_kind(result: Mapping[str, Any]) -> str:
    """`costs` or the usage endpoint a result belongs to, from its `object` or, failing that, its
    fields. Raises ResultError when it cannot be told."""
    obj = result.get("object")
    if obj == COST_OBJECT:
        return COSTS
    if isinstance(obj, str):
        endpoint = ENDPOINT_BY_OBJECT.get(obj)
        if endpoint is None:
            raise ResultError(f"unknown result object {obj!r}")
        return endpoint.name
    if any(k in result for k in _COST_HINTS):
        return COSTS
    if any(k in result for k in _COMPLETION_HINTS):
        return "completions"
    raise ResultError(
        "a result with an `object` field (e.g. organization.costs.result) or a cost `amount`"
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return str(value)


def cost_record(result: Mapping[str, Any]) -> CostRecord:
    amount = result.get("amount")
    currency = "usd"
    if isinstance(amount, Mapping):
        value = amount.get("value")
        currency = _text(amount.get("currency")) or "usd"
    elif "cost" in result:
        value = result.get("cost")
    else:
        value = amount
    if value is None or isinstance(value, bool):
        raise ResultError("a cost `amount.value` (or legacy `cost`) number")
    try:
        nanos = to_nanos(value if isinstance(value, Decimal | int | float) else str(value))
    except MoneyError as exc:
        raise ResultError(f"a numeric cost amount, got {value!r}") from exc
    quantity = result.get("quantity")
    line_item = _text(result.get("line_item")) or _text(result.get("model"))
    return CostRecord(
        amount_nanos=nanos,
        currency=currency.lower(),
        project_id=_text(result.get("project_id")),
        line_item=line_item,
        api_key_id=_text(result.get("api_key_id")),
        user_id=_text(result.get("user_id")),
        user_email=_text(result.get("user_email")),
        quantity=_quantity(quantity),
        quantity_unit=_text(result.get("quantity_unit")),
    )


def _quantity(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ResultError(f"`quantity` as a number, got {value!r}") from None


def _int_metric(result: Mapping[str, Any], name: str) -> int:
    value = result.get(name)
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ResultError(f"`{name}` as a number, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise ResultError(f"`{name}` as a number, got {value!r}") from exc
    if not number.is_finite():
        raise ResultError(f"`{name}` as a finite number, got {value!r}")
    return int(number)


def usage_record(result: Mapping[str, Any], endpoint: str) -> UsageRecord:
    spec = USAGE_ENDPOINTS[endpoint]
    metrics = {name: _int_metric(result, name) for name in spec.metrics}
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
            dims[name] = _text(value)
    return UsageRecord(endpoint=endpoint, metrics=metrics, dims=dims)


# A usage row as the ledger stores it: every dimension, then every metric (0 where absent).
USAGE_ROW_COLUMNS: tuple[str, ...] = (*USAGE_DIMENSIONS, *USAGE_METRICS)
UsageRow = tuple[Any, ...]
_NONE = type(None)
_ZEROS = repeat(0)  # `get(name, 0)` for every metric of a plan
_INT_OR_NONE = frozenset({int, _NONE})
_STR_OR_NONE = frozenset({str, _NONE})
_BOOL_OR_NONE = frozenset({bool, _NONE})
_BATCH = USAGE_DIMENSIONS.index("batch")
_OTHER_DIMS = itemgetter(*(i for i, d in enumerate(USAGE_DIMENSIONS) if d != "batch"))
_NO_KEY = object()  # a key no parsed result has: `get(_NO_KEY, 0)` is 0
# Dimension tuples already known to need no `_text` (strings, non-empty, no whitespace at either
# end; `batch` is checked apart, since True == 1), each mapped to its first copy. Groups repeat
# across millions of results, so a lookup replaces most per-value checks, and rows share one set
# of string objects per group (pickling memoizes them; less memory); bounded.
_GOOD_DIMS: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_GOOD_DIMS_MAX = 100_000


def _good_dims(dims: tuple[Any, ...]) -> tuple[Any, ...] | None:
    others = _OTHER_DIMS(dims)
    if not set(map(type, others)) <= _STR_OR_NONE or "" in others:
        return None
    if any(v.strip() != v for v in others if v is not None):
        return None
    if len(_GOOD_DIMS) > _GOOD_DIMS_MAX:
        _GOOD_DIMS.clear()
    _GOOD_DIMS[dims] = dims
    return dims


class _RowPlan:
    """How to read one endpoint's results into rows: its metrics, then their row positions."""

    def __init__(self, endpoint: str) -> None:
        metrics = USAGE_ENDPOINTS[endpoint].metrics
        self.endpoint = endpoint
        # The endpoint's metrics, then a key never present: its value, 0, fills absent columns.
        self.names: tuple[Any, ...] = (*metrics, _NO_KEY)
        slot = {name: i for i, name in enumerate(metrics)}
        self.order = itemgetter(*(slot.get(name, len(metrics)) for name in USAGE_METRICS))


_PLANS = {name: _RowPlan(name) for name in USAGE_ENDPOINTS}


def usage_row(result: Mapping[str, Any], endpoint: str) -> UsageRow:
    """The row of `USAGE_ROW_COLUMNS` values for a usage result: the same values and errors as
    `usage_record`, without building its dicts for the common, plain result."""
    plan = _PLANS[endpoint]
    get = result.get
    metrics = tuple(map(get, plan.names, _ZEROS))
    types = set(map(type, metrics))
    dims = tuple(map(get, USAGE_DIMENSIONS))
    if types <= _INT_OR_NONE and type(dims[_BATCH]) in _BOOL_OR_NONE:
        good = _GOOD_DIMS.get(dims) or _good_dims(dims)
        if good is not None:
            if _NONE in types:
                metrics = tuple(0 if v is None else v for v in metrics)
            return good + plan.order(metrics)
    record = usage_record(result, endpoint)
    return tuple(record.dims.get(d) for d in USAGE_DIMENSIONS) + tuple(
        record.metrics.get(m, 0) for m in USAGE_METRICS
    )


def grouping_of_rows(rows: list[UsageRow]) -> tuple[str, ...]:
    """`grouping_of_usage` for rows of `USAGE_ROW_COLUMNS`."""
    return tuple(
        sorted(d for i, d in enumerate(USAGE_DIMENSIONS) if any(r[i] is not None for r in rows))
    )


def grouping_of_costs(records: list[CostRecord]) -> tuple[str, ...]:
    present = set()
    for r in records:
        if r.project_id is not None:
            present.add("project_id")
        if r.line_item is not None:
            present.add("line_item")
        if r.api_key_id is not None:
            present.add("api_key_id")
        if r.user_id is not None:
            present.add("user_id")
    return tuple(sorted(present))


def grouping_of_usage(records: list[UsageRecord]) -> tuple[str, ...]:
    present: set[str] = set()
    for r in records:
        present.update(k for k, v in r.dims.items() if v is not None)
    return tuple(sorted(present))
