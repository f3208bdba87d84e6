"""Costs and usage from the Admin API as domain `Bucket`s, every page followed.

    client = make_admin_client(key)
    for bucket in iter_cost_buckets(client, start, end, ("project_id", "line_item")):
        ...
    for bucket in iter_usage_buckets(client, "completions", start, end, "1d", ("model",)):
        ...

Organization metadata (projects, members, keys, rate limits, spend limits…) is in
`usage_tracker.openai_admin.metadata`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, cast

import openai

from usage_tracker.domain.endpoints import COST_DIMENSIONS, USAGE_ENDPOINTS, UsageEndpoint
from usage_tracker.domain.records import Bucket
from usage_tracker.openai_admin.client import client_timeout
from usage_tracker.openai_admin.mapping import SkippedResults, cost_bucket, usage_bucket
from usage_tracker.openai_admin.pages import DEFAULT_MAX_PAGES, RawResponse, iter_bucket_pages

log = logging.getLogger(__name__)

__all__ = [
    "COSTS_MAX_PAGE_LIMIT",
    "USAGE_MAX_PAGE_LIMIT",
    "iter_cost_buckets",
    "iter_usage_buckets",
]

COSTS_MAX_PAGE_LIMIT = 180
# The most buckets one page may hold, per bucket width (the API rejects more).
USAGE_MAX_PAGE_LIMIT: dict[str, int] = {"1d": 31, "1h": 168, "1m": 1440}


def _check_range(start: int, end: int) -> None:
    if end <= start:
        raise ValueError(f"end ({end}) must be after start ({start})")


def _check_group_by(group_by: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    unknown = [g for g in group_by if g not in allowed]
    if unknown:
        raise ValueError(f"{what} cannot be grouped by {unknown}; allowed: {list(allowed)}")
    return list(dict.fromkeys(group_by))


def _page_arg(cursor: str | None) -> Any:
    return cursor if cursor is not None else openai.omit


def iter_cost_buckets(
    client: openai.OpenAI,
    start: int,
    end: int,
    group_by: Sequence[str] = ("project_id", "line_item"),
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    page_limit: int = COSTS_MAX_PAGE_LIMIT,
) -> Iterator[Bucket]:
    """Daily cost buckets in [start, end) (epoch seconds, UTC), in order, one per day."""
    _check_range(start, end)
    groups = _check_group_by(group_by, COST_DIMENSIONS, "costs")
    limit = max(1, min(page_limit, COSTS_MAX_PAGE_LIMIT))
    endpoint = "GET /organization/costs"
    raw_costs = client.admin.organization.usage.with_raw_response.costs

    def fetch(cursor: str | None) -> RawResponse:
        return cast(
            RawResponse,
            raw_costs(
                start_time=start,
                end_time=end,
                bucket_width="1d",
                group_by=cast(Any, groups) if groups else openai.omit,
                limit=limit,
                page=_page_arg(cursor),
            ),
        )

    skipped = SkippedResults(endpoint)
    pages = iter_bucket_pages(fetch, endpoint, max_pages=max_pages, timeout=client_timeout(client))
    for page in pages:
        for raw in page["data"]:
            yield cost_bucket(raw, endpoint, skipped)
    skipped.summarise()


def usage_endpoint(name: str) -> UsageEndpoint:
    try:
        return USAGE_ENDPOINTS[name]
    except KeyError:
        raise ValueError(
            f"unknown usage endpoint {name!r}; known: {', '.join(USAGE_ENDPOINTS)}"
        ) from None


def iter_usage_buckets(
    client: openai.OpenAI,
    endpoint: str,
    start: int,
    end: int,
    bucket_width: str = "1d",
    group_by: Sequence[str] = (),
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    page_limit: int | None = None,
) -> Iterator[Bucket]:
    """Usage buckets of one endpoint (e.g. "completions") in [start, end), in order."""
    spec = usage_endpoint(endpoint)
    _check_range(start, end)
    if bucket_width not in spec.bucket_widths:
        raise ValueError(f"bucket width {bucket_width!r} is not one of {spec.bucket_widths}")
    groups = _check_group_by(group_by, spec.group_by, f"usage/{spec.name}")
    most = USAGE_MAX_PAGE_LIMIT[bucket_width]
    limit = max(1, min(page_limit or most, most))
    where = f"GET /organization/usage/{spec.name}"
    method = getattr(client.admin.organization.usage.with_raw_response, spec.name)

    def fetch(cursor: str | None) -> RawResponse:
        return cast(
            RawResponse,
            method(
                start_time=start,
                end_time=end,
                bucket_width=bucket_width,
                group_by=groups if groups else openai.omit,
                limit=limit,
                page=_page_arg(cursor),
            ),
        )

    skipped = SkippedResults(where)
    pages = iter_bucket_pages(fetch, where, max_pages=max_pages, timeout=client_timeout(client))
    for page in pages:
        for raw in page["data"]:
            yield usage_bucket(raw, spec, where, skipped)
    skipped.summarise()
