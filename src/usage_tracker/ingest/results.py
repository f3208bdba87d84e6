"""Export results → ledger rows: the kind of a result, and the fast path for usage rows.

A result is read into a record by `domain.results` (the one mapping the sync uses too); here
are what the file path adds: telling a result's kind without an `object`, usage rows for the
writer, and `RowMaker`, which gives the same rows (and refuses the same values) a result at a
time faster.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from usage_tracker.domain.endpoints import (
    COST_OBJECT,
    COSTS,
    ENDPOINT_BY_OBJECT,
    USAGE_DIMENSIONS,
    USAGE_ENDPOINTS,
)
from usage_tracker.domain.line_items import parse_line_item
from usage_tracker.domain.records import CostRecord, UsageRecord
from usage_tracker.domain.results import (
    COST_FIELDS,
    MAX_COUNT,
    ResultError,
    cost_record,
    record_fields,
    usage_record,
)
from usage_tracker.domain.usage_dims import Dims, DimsIndex, grouping_of_dims

__all__ = ["ResultError", "cost_record", "usage_record"]  # re-exported for the readers

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
            raise ResultError(f"a known result `object`, got {obj!r}")
        return endpoint.name
    if any(k in result for k in _COST_HINTS):
        return COSTS
    if any(k in result for k in _COMPLETION_HINTS):
        return "completions"
    raise ResultError(
        "a result with an `object` field (e.g. organization.costs.result) or a cost `amount`"
    )


# A usage row as the ledger stores it: the id of its dimensions, then its endpoint's metrics
# (`row_columns`; 0 where absent; the other metrics are 0 by definition). The dimensions
# themselves are kept once per combination (`domain/usage_dims`).
UsageRow = tuple[Any, ...]


def row_columns(endpoint: str) -> tuple[str, ...]:
    """The columns of a usage row of this endpoint."""
    return ("dims_id", *USAGE_ENDPOINTS[endpoint].metrics)


_NONE = type(None)
_INT = frozenset({int})
_BOOL_OR_NONE = frozenset({bool, _NONE})
_BATCH = USAGE_DIMENSIONS.index("batch")


def usage_dims(record: UsageRecord) -> Dims:
    """The values of USAGE_DIMENSIONS of a record, in order."""
    return tuple(record.dims.get(d) for d in USAGE_DIMENSIONS)


def usage_metrics(record: UsageRecord) -> tuple[int, ...]:
    """The values of its endpoint's metrics of a record, in order (0 where it has none)."""
    return tuple(record.metrics.get(m, 0) for m in USAGE_ENDPOINTS[record.endpoint].metrics)


def record_row(index: DimsIndex, record: UsageRecord) -> UsageRow:
    """The row of a parsed record, its dimensions' id from `index`."""
    return (index.add(usage_dims(record)), *usage_metrics(record))


class _Layout:
    """Where one key order of an endpoint's results keeps each value: `values` is a result's
    values followed by a 0 and a None, which stand in for the metrics and dimensions it lacks."""

    def __init__(self, endpoint: str, keys: tuple[str, ...]) -> None:
        at = {key: i for i, key in enumerate(keys)}
        zero, none = len(keys), len(keys) + 1
        spec = USAGE_ENDPOINTS[endpoint]
        own = [m for m in spec.metrics if m in at]
        self.dims = itemgetter(*(at.get(d, none) for d in USAGE_DIMENSIONS))
        # The endpoint's metrics the results carry (checked to be ints), plus the 0 stand-in
        # twice, so that the getter gives a tuple even when the results carry none.
        self.checked = itemgetter(*(at[m] for m in own), zero, zero)
        metrics = itemgetter(*(at[m] if m in own else zero for m in spec.metrics))
        if len(spec.metrics) == 1:  # a getter of one item gives the item, not a tuple
            self.metrics: Any = lambda values: (metrics(values),)
        else:
            self.metrics = metrics


class RowMaker:
    """Usage results → rows (`row_columns`) for one reader, with the ids of their
    dimensions in `index`. Same values and errors as `usage_record`.

    Results of one file come in few key orders; each order's layout is worked out once, so a
    plain result (int metrics, dimensions seen before) costs a few C-level lookups. Any other
    goes through `usage_record`, and its dimensions (checked, canonical) join the index."""

    def __init__(self, index: DimsIndex) -> None:
        self.index = index
        self._layouts: dict[str, dict[tuple[str, ...], _Layout]] = {
            name: {} for name in USAGE_ENDPOINTS
        }

    def row(self, result: Mapping[str, Any], endpoint: str) -> UsageRow:
        """The row of one result; raises ResultError as `usage_record` does."""
        return record_row(self.index, usage_record(result, endpoint))

    def extend(self, out: list[UsageRow], results: list[Any], endpoint: str, obj: str) -> int:
        """Append the rows of the leading results that are dicts with `object` == `obj`; returns
        how many. Stops before any other result, or one that fails (ResultError is not raised
        here: the caller reads that one alone, to say where it is)."""
        layouts = self._layouts[endpoint]
        ids = self.index.ids
        append = out.append
        taken = 0
        for result in results:
            if type(result) is not dict or result.get("object") != obj:
                break
            keys = tuple(result)
            layout = layouts.get(keys)
            if layout is None:
                layout = layouts[keys] = _Layout(endpoint, keys)
            values = (*result.values(), 0, None)
            dims = layout.dims(values)
            try:
                found = ids.get(dims)
            except TypeError:  # an unhashable value (a list, an object): the record path says why
                found = None
            checked = layout.checked(values)
            if (
                found is not None
                and _INT.issuperset(map(type, checked))
                and min(checked) >= 0
                and max(checked) <= MAX_COUNT
                and type(dims[_BATCH]) in _BOOL_OR_NONE
            ):
                append((found, *layout.metrics(values)))
            else:
                try:
                    append(self.row(result, endpoint))
                except ResultError:
                    break
            taken += 1
        return taken


# A cost row as the ledger stores it (after its bucket's columns): the record's fields but the
# e-mail (`COST_ROW_COLUMNS`), then its line item's model and token kind. The file path builds
# them in the reader (`json_stream.RowBucket.cost_rows`), so only tuples cross to the writer.
CostRow = tuple[Any, ...]
COST_ROW_COLUMNS = (*(f for f in COST_FIELDS if f != "user_email"), "model", "token_kind")
_EMAIL = COST_FIELDS.index("user_email")
_USER = COST_FIELDS.index("user_id")
_LINE_ITEM = COST_FIELDS.index("line_item")
_BUT_EMAIL = itemgetter(*(i for i, f in enumerate(COST_FIELDS) if f != "user_email"))
# Where a cost dimension is in a cost row.
COST_ROW_DIMS = {
    d: COST_ROW_COLUMNS.index(d) for d in ("api_key_id", "line_item", "project_id", "user_id")
}


class CostRows:
    """Cost records' fields (`CostReader.fields`, `record_fields`) → cost rows; each line item
    parsed once."""

    def __init__(self) -> None:
        self._items: dict[str | None, tuple[str | None, str | None]] = {}

    def _item(self, line_item: str | None) -> tuple[str | None, str | None]:
        found = self._items.get(line_item)
        if found is None:
            item = parse_line_item(line_item)
            found = self._items[line_item] = (item.model, item.kind)
        return found

    def row(self, fields: tuple[Any, ...]) -> CostRow:
        line_item = fields[_LINE_ITEM]
        return _BUT_EMAIL(fields) + (self._items.get(line_item) or self._item(line_item))

    def rows(self, records: list[CostRecord]) -> list[CostRow]:
        items, item = self._items, self._item
        return [
            _BUT_EMAIL(f) + (items.get(f[_LINE_ITEM]) or item(f[_LINE_ITEM]))
            for f in map(record_fields, records)
        ]


def user_email(fields: tuple[Any, ...]) -> tuple[str | None, str | None]:
    """The user id and e-mail of a cost record's fields."""
    return fields[_USER], fields[_EMAIL]


def grouping_of_rows(rows: list[UsageRow], dims: Mapping[int, Dims]) -> tuple[str, ...]:
    """`grouping_of_usage` for usage rows, their combinations in `dims`."""
    return grouping_of_dims(dims[key] for key in {row[0] for row in rows})


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


_COST_DIMS = ("api_key_id", "line_item", "project_id", "user_id")


def dims_beyond(bucket: Any, known: tuple[str, ...]) -> set[str]:
    """The dimensions that have a value somewhere in `bucket` (or that its results declare,
    `Bucket.declared_dims`) and are not in `known`.

    Cheap where it matters: a cost dimension already known is not looked at again, and usage
    rows are judged by the combinations first met in this bucket (the earlier ones were judged
    with the bucket that brought them).
    """
    if bucket.is_costs:
        rows: list[CostRow] = getattr(bucket, "cost_rows", None) or []
        return {
            dim
            for dim in _COST_DIMS
            if dim not in known
            and (
                any(getattr(r, dim) is not None for r in bucket.costs)
                or any(row[COST_ROW_DIMS[dim]] is not None for row in rows)
            )
        } | (bucket.declared_dims - set(known))
    present = set(grouping_of_usage(bucket.usage))
    new_dims = getattr(bucket, "new_dims", None)
    if new_dims:
        present.update(grouping_of_dims(new_dims.values()))
    return present - set(known)
