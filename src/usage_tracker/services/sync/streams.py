"""The streams a sync pulls, their windows, and pulling one stream in committed chunks.

A stream is one record set fed from the Admin API: costs by project × line item, costs by
project × line item × API key (its own record set: reports never add the two), and each usage
endpoint grouped by every dimension it allows (daily; completions also hourly when configured).

Each chunk (≤ 31 days) is fetched whole, then written and the stream's cursor advanced in one
transaction: a run stopped anywhere leaves whole chunks, and the next run re-pulls from the
cursor (minus the trailing window), replacing buckets whole — no gap, no duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.models import SyncCursor
from usage_tracker.domain.endpoints import COSTS, USAGE_ENDPOINTS
from usage_tracker.domain.records import Bucket, RecordSetKey
from usage_tracker.openai_admin import iter_cost_buckets, iter_usage_buckets
from usage_tracker.services.ledger.writer import LedgerWriter
from usage_tracker.settings import Settings

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


Progress = Callable[[str, int, int], None]  # stream, days done, days in the window

COST_GROUPING = ("line_item", "project_id")
COST_BY_KEY_GROUPING = ("api_key_id", "line_item", "project_id")


@dataclass(frozen=True)
class Stream:
    name: str  # "costs", "costs_by_key", "usage:completions:1d", …
    kind: str  # "costs" or the usage endpoint
    width: str
    group_by: tuple[str, ...]  # sorted
    chunk_days: int

    @property
    def key(self) -> RecordSetKey:
        return RecordSetKey(self.kind, self.width, self.group_by)


@dataclass(frozen=True)
class Window:
    start: date  # first day pulled
    end: date  # first day not pulled (tomorrow: today is pulled, partial)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def chunks(self, size: int) -> Iterator[tuple[date, date]]:
        day = self.start
        while day < self.end:
            nxt = min(day + timedelta(days=size), self.end)
            yield day, nxt
            day = nxt


def plan_streams(settings: Settings) -> list[Stream]:
    streams = [
        Stream("costs", COSTS, "1d", COST_GROUPING, 31),
        Stream("costs_by_key", COSTS, "1d", COST_BY_KEY_GROUPING, 31),
    ]
    for name, spec in USAGE_ENDPOINTS.items():
        streams.append(Stream(f"usage:{name}:1d", name, "1d", tuple(sorted(spec.group_by)), 31))
    if settings.sync_hourly_completions:
        spec = USAGE_ENDPOINTS["completions"]
        streams.append(
            Stream("usage:completions:1h", "completions", "1h", tuple(sorted(spec.group_by)), 7)
        )
    return streams


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def cursors(session: Session, organization_id: int) -> dict[str, date]:
    return {
        c.stream: c.synced_until
        for c in session.scalars(
            select(SyncCursor).where(SyncCursor.organization_id == organization_id)
        )
    }


def window_for(
    settings: Settings,
    today: date,
    cursor: date | None,
    *,
    since: date | None = None,
    full: bool = False,
) -> Window:
    """What to pull: --since wins; --full or a first run backfills; else the cursor minus the
    trailing window (recent buckets change after the fact)."""
    end = today + timedelta(days=1)
    if since is not None:
        start = since
    elif full or cursor is None:
        start = today - timedelta(days=settings.sync_backfill_days - 1)
    else:
        start = min(cursor, end) - timedelta(days=settings.sync_trailing_days)
    return Window(min(start, today), end)


def fetch_chunk(
    client: AdminClient, stream: Stream, lo: date, hi: date, max_pages: int
) -> list[Bucket]:
    start, end = epoch(lo), epoch(hi)
    if stream.kind == COSTS:
        return list(iter_cost_buckets(client, start, end, stream.group_by, max_pages=max_pages))
    return list(
        iter_usage_buckets(
            client, stream.kind, start, end, stream.width, stream.group_by, max_pages=max_pages
        )
    )


def write_chunk(
    session: Session, organization_id: int, stream: Stream, buckets: list[Bucket], hi: date
) -> int:
    """Write a fetched chunk and advance the stream's cursor (in the caller's transaction)."""
    writer = LedgerWriter(session, organization_id)
    rs_id = writer.record_set(stream.key)
    for bucket in buckets:
        writer.write(rs_id, bucket)
    summary = writer.finish()
    cursor = session.get(SyncCursor, (organization_id, stream.name))
    if cursor is None:
        session.add(
            SyncCursor(organization_id=organization_id, stream=stream.name, synced_until=hi)
        )
    elif cursor.synced_until < hi:
        cursor.synced_until = hi
    return summary.rows


def pull_stream(
    factory: sessionmaker[Session],
    client: AdminClient,
    organization_id: int,
    stream: Stream,
    window: Window,
    *,
    max_pages: int,
    renew: Callable[[Session], None],
    progress: Progress | None = None,
) -> int:
    """Pull one stream over its window, chunk by chunk; returns the rows written."""
    rows = 0
    done = 0
    if progress is not None:
        progress(stream.name, 0, window.days)
    for lo, hi in window.chunks(stream.chunk_days):
        buckets = fetch_chunk(client, stream, lo, hi, max_pages)
        with factory() as session, session.begin():
            renew(session)
            rows += write_chunk(session, organization_id, stream, buckets, hi)
        done += (hi - lo).days
        if progress is not None:
            progress(stream.name, done, window.days)
    return rows
