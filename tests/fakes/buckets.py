"""Usage and costs pages: buckets over [start, end), grouped by the requested dimensions."""

from __future__ import annotations

import base64
from collections import defaultdict
from decimal import Decimal
from typing import Any

from tests.fakes.org import FakeOrg
from usage_tracker.domain.endpoints import BUCKET_SECONDS, COST_OBJECT, USAGE_ENDPOINTS

Query = dict[str, list[str]]
COST_DIMS = ("project_id", "line_item", "api_key_id")
DEFAULT_LIMIT = {"1d": 7, "1h": 24, "1m": 60}
MAX_LIMIT = {"1d": 31, "1h": 168, "1m": 1440}
COSTS_MAX_LIMIT = 180
_FILTERS = {
    "project_ids": "project_id",
    "user_ids": "user_id",
    "api_key_ids": "api_key_id",
    "models": "model",
}


class BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def encode_cursor(start: int, serial: int = 0) -> str:
    return "page_" + base64.urlsafe_b64encode(f"{start}:{serial}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = cursor.removeprefix("page_")
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        return int(text.split(":")[0])
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(f"Invalid page cursor {cursor!r}", "page") from None


def values(query: Query, name: str) -> list[str]:
    """A list parameter, as `name=a&name=b` or the SDK's `name[]=a&name[]=b`."""
    return query.get(name, []) + query.get(f"{name}[]", [])


def one(query: Query, name: str) -> str | None:
    found = values(query, name)
    return found[-1] if found else None


def integer(query: Query, name: str, default: int | None = None) -> int | None:
    text = one(query, name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {text!r}", name) from None


def _window(org: FakeOrg, query: Query, width: int, default_limit: int, max_limit: int):
    start = integer(query, "start_time")
    if start is None:
        raise BadRequest("Missing required parameter: 'start_time'.", "start_time")
    end = integer(query, "end_time", org.now)
    assert end is not None
    limit = integer(query, "limit", default_limit)
    assert limit is not None
    if not 1 <= limit <= max_limit:
        raise BadRequest(f"limit must be between 1 and {max_limit}, got {limit}", "limit")
    now_edge = -(-org.now // width) * width  # no buckets beyond the one holding `now`
    end = min(end, now_edge)
    cursor = one(query, "page")
    first = decode_cursor(cursor) if cursor else start - start % width
    starts = []
    at = first
    while at < end and len(starts) < limit:
        starts.append(at)
        at += width
    return starts, at, end


def _group_by(query: Query, allowed: tuple[str, ...]) -> list[str]:
    groups = values(query, "group_by")
    for g in groups:
        if g not in allowed:
            raise BadRequest(
                f"Invalid group_by value {g!r}; allowed: {', '.join(allowed)}", "group_by"
            )
    return list(dict.fromkeys(groups))


def _bucket(start: int, width: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "bucket", "start_time": start, "end_time": start + width, "results": results}


def _page(buckets: list[dict[str, Any]], next_start: int, end: int) -> dict[str, Any]:
    has_more = next_start < end
    return {
        "object": "page",
        "data": buckets,
        "has_more": has_more,
        "next_page": encode_cursor(next_start) if has_more else None,
    }


def usage_page(org: FakeOrg, endpoint: str, query: Query) -> dict[str, Any]:
    spec = USAGE_ENDPOINTS[endpoint]
    width_name = one(query, "bucket_width") or "1d"
    if width_name not in BUCKET_SECONDS:
        raise BadRequest(f"Invalid bucket_width {width_name!r}", "bucket_width")
    width = BUCKET_SECONDS[width_name]
    starts, next_start, end = _window(
        org, query, width, DEFAULT_LIMIT[width_name], MAX_LIMIT[width_name]
    )
    groups = _group_by(query, spec.group_by)
    filters = {dim: set(values(query, name)) for name, dim in _FILTERS.items()}
    batch = one(query, "batch")
    sums: dict[tuple[int, tuple[Any, ...]], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(spec.metrics, 0)
    )
    lo, hi = (starts[0], starts[-1] + width) if starts else (0, 0)
    for fact in org.usage.get(endpoint, []):
        if not lo <= fact.ts < hi:
            continue
        if any(want and fact.dims.get(dim) not in want for dim, want in filters.items()):
            continue
        if batch is not None and bool(fact.dims.get("batch")) != (batch == "true"):
            continue
        key = (fact.ts - (fact.ts - lo) % width, tuple(fact.dims.get(g) for g in groups))
        total = sums[key]
        for name, value in fact.metrics.items():
            total[name] = total.get(name, 0) + value
    by_start: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (b_start, group), metrics in sorted(sums.items(), key=lambda kv: str(kv[0])):
        result: dict[str, Any] = {"object": spec.object, **metrics}
        for dim in spec.group_by:
            result[dim] = group[groups.index(dim)] if dim in groups else None
        by_start[b_start].append(result)
    buckets = [_bucket(start, width, by_start[start]) for start in starts]
    return _page(buckets, next_start, end)


def costs_page(org: FakeOrg, query: Query) -> dict[str, Any]:
    width_name = one(query, "bucket_width") or "1d"
    if width_name != "1d":
        raise BadRequest("Costs support bucket_width=1d only", "bucket_width")
    width = BUCKET_SECONDS["1d"]
    starts, next_start, end = _window(org, query, width, 7, COSTS_MAX_LIMIT)
    groups = _group_by(query, COST_DIMS)
    project_ids = set(values(query, "project_ids"))
    key_ids = set(values(query, "api_key_ids"))
    sums: dict[tuple[int, tuple[Any, ...]], list[Any]] = {}
    wanted = set(starts)
    for cost in org.costs:
        if cost.ts not in wanted:
            continue
        if (project_ids and cost.project_id not in project_ids) or (
            key_ids and cost.api_key_id not in key_ids
        ):
            continue
        group = tuple(getattr(cost, g) for g in groups)
        total = sums.setdefault((cost.ts, group), [Decimal(0), Decimal(0), cost.quantity_unit])
        total[0] += cost.amount
        total[1] += cost.quantity or 0
    by_start: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_item = "line_item" in groups
    for (b_start, group), (amount, quantity, unit) in sorted(
        sums.items(), key=lambda kv: str(kv[0])
    ):
        result: dict[str, Any] = {
            "object": COST_OBJECT,
            "amount": {"value": float(amount), "currency": "usd"},
            "quantity": float(quantity) if by_item and unit else None,
            "quantity_unit": unit if by_item else None,
        }
        for dim in COST_DIMS:
            result[dim] = group[groups.index(dim)] if dim in groups else None
        by_start[b_start].append(result)
    buckets = [_bucket(start, width, by_start[start]) for start in starts]
    return _page(buckets, next_start, end)
