"""Raw bucket JSON → domain `Bucket`s; results picked by their `object`, unknown kinds skipped.

The SDK's typed models would read an unknown result kind as whatever union member fits first,
so results are read from the raw JSON here, where the `object` field decides.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from usage_tracker.domain import results
from usage_tracker.domain.endpoints import (
    COST_OBJECT,
    COSTS,
    ENDPOINT_BY_OBJECT,
    UsageEndpoint,
)
from usage_tracker.domain.records import Bucket, CostRecord, UsageRecord
from usage_tracker.domain.results import ResultError
from usage_tracker.openai_admin.errors import AdminApiError

log = logging.getLogger(__name__)


class SkippedResults:
    """Counts results skipped per `object`; warns once per kind, summarises at the end."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.counts: Counter[str] = Counter()

    def skip(self, obj: object, expected: str) -> None:
        name = obj if isinstance(obj, str) else repr(obj)
        self.counts[name] += 1
        if self.counts[name] > 1:
            return
        if name in ENDPOINT_BY_OBJECT or name == COST_OBJECT:
            why = "belongs to another endpoint"
        else:
            why = "is an unknown result kind"
        log.warning(
            "%s: skipped a result whose object %s %s (expected %s); the API may be newer "
            "than this tracker",
            self.endpoint,
            name,
            why,
            expected,
        )

    def summarise(self) -> None:
        for name, count in self.counts.items():
            if count > 1:
                log.warning("%s: skipped %d results of object %s", self.endpoint, count, name)


def _malformed(endpoint: str, what: str) -> AdminApiError:
    return AdminApiError(endpoint, None, f"malformed result: {what}")


def cost_record(result: Mapping[str, Any], endpoint: str) -> CostRecord:
    """`domain.results.cost_record` (the import's mapping too), its refusal as AdminApiError."""
    try:
        return results.cost_record(result)
    except ResultError as exc:
        raise _malformed(endpoint, f"expected {exc}") from None


def usage_record(result: Mapping[str, Any], spec: UsageEndpoint, endpoint: str) -> UsageRecord:
    """`domain.results.usage_record` (the import's mapping too), its refusal as AdminApiError."""
    try:
        return results.usage_record(result, spec.name)
    except ResultError as exc:
        raise _malformed(endpoint, f"expected {exc}") from None


def _bounds(raw: Mapping[str, Any], endpoint: str) -> tuple[int, int]:
    start, end = raw.get("start_time"), raw.get("end_time")
    if isinstance(start, bool) or isinstance(end, bool):
        raise _malformed(endpoint, "bucket start_time/end_time are not integers")
    if not isinstance(start, int) or not isinstance(end, int) or end <= start:
        raise _malformed(endpoint, f"bucket with start_time {start!r} and end_time {end!r}")
    return start, end


def cost_bucket(raw: Mapping[str, Any], endpoint: str, skipped: SkippedResults) -> Bucket:
    start, end = _bounds(raw, endpoint)
    bucket = Bucket(kind=COSTS, start=start, end=end)
    for result in raw.get("results") or ():
        obj = result.get("object") if isinstance(result, Mapping) else None
        if obj == COST_OBJECT:
            bucket.costs.append(cost_record(result, endpoint))
        else:
            skipped.skip(obj, COST_OBJECT)
    return bucket


def usage_bucket(
    raw: Mapping[str, Any], spec: UsageEndpoint, endpoint: str, skipped: SkippedResults
) -> Bucket:
    start, end = _bounds(raw, endpoint)
    bucket = Bucket(kind=spec.name, start=start, end=end)
    for result in raw.get("results") or ():
        obj = result.get("object") if isinstance(result, Mapping) else None
        if obj == spec.object:
            bucket.usage.append(usage_record(result, spec, endpoint))
        else:
            skipped.skip(obj, spec.object)
    return bucket
