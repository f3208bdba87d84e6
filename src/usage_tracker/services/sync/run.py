"""Sync an organization from the OpenAI Admin API: costs, every usage endpoint, metadata and
(unless `USAGE_TRACKER_SYNC_AUDIT_LOGS=false`) OpenAI's own audit log.

    result = sync_organization(session_factory, settings, "acme")

Budgets are evaluated after a sync by `services.jobs.sync_then_evaluate`, which is what
`usage-tracker sync`, the web app's "Sync now" and the scheduler in `usage-tracker serve` call.
A database lease keeps two processes from syncing one organization at once; every run is
recorded in `sync_runs` with rows and errors per stream. A stream that fails is recorded and
the others still run; `result.ok` is False then (the CLI exits non-zero).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx2
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import SyncRun
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services.orgs.connections import open_client
from usage_tracker.services.orgs.credentials import connection_for
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.reports.allocation_store import refresh_allocations
from usage_tracker.services.reports.prices import derive_prices
from usage_tracker.services.sync.audit_logs import STREAM as AUDIT_STREAM
from usage_tracker.services.sync.audit_logs import audit_window, newest_event_at, pull_audit_logs
from usage_tracker.services.sync.lease import (
    DEFAULT_TTL,
    acquire_lease,
    new_holder,
    release_lease,
    renew_lease,
)
from usage_tracker.services.sync.metadata import Report, sync_metadata
from usage_tracker.services.sync.streams import (
    Progress,
    Stream,
    cursors,
    plan_streams,
    pull_stream,
    window_for,
)
from usage_tracker.settings import Settings

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


log = logging.getLogger(__name__)
# After the metadata parts: (factory, client, organization id, report(part, rows, error),
# skip): `skip` says why not to call the API again (the projects or members part failed).
AfterMetadata = Callable[[sessionmaker[Session], "AdminClient", int, Report, str | None], None]


class SyncError(Exception):
    """A sync that could not run, or finished with failed streams (str() says which)."""


@dataclass
class StreamResult:
    name: str
    rows: int = 0
    first_day: date | None = None
    last_day: date | None = None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "error": self.error,
        }


@dataclass
class SyncResult:
    organization: str
    run_id: int
    status: str  # ok | partial | failed
    started_at: datetime
    finished_at: datetime
    streams: list[StreamResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.streams)

    @property
    def errors(self) -> list[StreamResult]:
        return [s for s in self.streams if s.error]

    @property
    def message(self) -> str:
        text = f"{self.organization}: {self.rows:,} rows in {len(self.streams)} streams"
        if self.errors:
            failed = "; ".join(f"{s.name}: {s.error}" for s in self.errors)
            return f"{text}, {len(self.errors)} failed — {failed}"
        return text + ", all ok"


def _status(streams: list[StreamResult]) -> str:
    failed = sum(1 for s in streams if s.error)
    return "ok" if not failed else "failed" if failed == len(streams) else "partial"


def _record(
    factory: sessionmaker[Session], run_id: int, streams: list[StreamResult], status: str, msg: str
) -> datetime:
    finished = utcnow()
    with factory() as session, session.begin():
        run = session.get(SyncRun, run_id)
        assert run is not None
        run.finished_at, run.status, run.message = finished, status, msg
        run.rows = sum(s.rows for s in streams)
        run.detail = json.dumps({s.name: s.to_json() for s in streams})
    return finished


def sync_organization(
    factory: sessionmaker[Session],
    settings: Settings,
    org: str,
    *,
    since: date | None = None,
    full: bool = False,
    trigger: str = "cli",
    progress: Progress | None = None,
    http_client: httpx2.Client | None = None,
    now: datetime | None = None,
    after_metadata: AfterMetadata | None = None,
) -> SyncResult:
    """Sync one organization now. Raises LeaseHeld if another process is syncing it and
    CredentialError if it has no usable key; stream failures are in the result, not raised.

    `http_client` replaces the SDK's transport (tests); `now` is the clock (default: UTC now).
    `after_metadata` runs after the metadata parts with the same client and the same report
    (the jobs layer refreshes the member, membership and key inventories there).
    """
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    with factory() as session, session.begin():
        conn = connection_for(session, settings, org)
        organization = ensure_organization(session, conn.slug)
        org_id, slug = organization.id, organization.slug
    holder = new_holder(trigger)
    acquire_lease(factory, org_id, slug, holder)
    try:
        with factory() as session, session.begin():
            run = SyncRun(organization_id=org_id, trigger=trigger, started_at=utcnow())
            session.add(run)
            session.flush()
            run_id, started = run.id, run.started_at
            known = cursors(session, org_id)
        log.info("sync of %s started (run %d, key %s)", slug, run_id, conn.key_hint)
        client = open_client(conn, settings, http_client)
        streams: list[StreamResult] = []

        def renew(session: Session) -> None:
            renew_lease(session, org_id, holder, DEFAULT_TTL)

        pull = _Pull(factory, client, org_id, slug, settings, since, full, today, renew, progress,
                     after_metadata)  # fmt: skip
        try:
            pull.everything(known, streams)
        except BaseException as exc:
            what = f"interrupted: {type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            _record(factory, run_id, streams, "failed", what)
            raise
        status = _status(streams)
        result = SyncResult(slug, run_id, status, started, utcnow(), streams)
        result.finished_at = _record(factory, run_id, streams, status, result.message)
        log.info("sync of %s finished: %s", slug, result.message)
    finally:
        release_lease(factory, org_id, holder)
    return result


@dataclass
class _Pull:
    """What one run pulls, in order: usage and cost streams, then prices, metadata and the
    audit log; each stream's result is appended as it ends (so an interruption keeps them)."""

    factory: sessionmaker[Session]
    client: AdminClient
    org_id: int
    slug: str
    settings: Settings
    since: date | None
    full: bool
    today: date
    renew: Callable[[Session], None]
    progress: Progress | None
    after_metadata: AfterMetadata | None

    def everything(self, known: Any, streams: list[StreamResult]) -> None:
        for stream in plan_streams(self.settings):
            streams.append(
                _pull(self.factory, self.client, self.org_id, stream, self.settings, known,
                      self.since, self.full, self.today, self.renew, self.progress)
            )  # fmt: skip
        if any(s.name.startswith("costs") and not s.error for s in streams):
            with self.factory() as session, session.begin():
                derive_prices(session, self.org_id)
        refresh_allocations(self.factory, self.slug)  # the days these streams wrote

        failed: set[str] = set()

        def report(part: str, rows: int, error: str | None) -> None:
            streams.append(StreamResult(f"metadata:{part}", rows, error=error))
            if self.progress is not None:
                self.progress(f"metadata:{part}", 1, 1)
            if error:
                failed.add(part)
                log.warning("sync of %s: metadata:%s failed: %s", self.slug, part, error)

        sync_metadata(
            self.factory, self.client, self.org_id, report, max_pages=self.settings.sync_max_pages
        )
        if self.after_metadata is not None:
            blocked = failed & {"projects", "members"}
            skip = f"skipped: metadata:{sorted(blocked)[0]} failed" if blocked else None
            self.after_metadata(self.factory, self.client, self.org_id, report, skip)
        if self.settings.sync_audit_logs:
            streams.append(
                _pull_audit_logs(self.factory, self.client, self.org_id, self.settings,
                                 self.since, self.full, self.today, self.renew, self.progress)
            )  # fmt: skip


def stream_error(name: str, exc: Exception) -> str:
    """The message a failed stream records: the Admin API's own, else what went wrong here."""
    if isinstance(exc, AdminApiError):
        log.warning("sync stream %s failed: %s", name, exc)
        return str(exc)
    log.exception("sync stream %s failed", name)
    return f"{type(exc).__name__}: {exc}"


def _pull(
    factory: sessionmaker[Session],
    client: AdminClient,
    org_id: int,
    stream: Stream,
    settings: Settings,
    known: dict[str, date],
    since: date | None,
    full: bool,
    today: date,
    renew: Callable[[Session], None],
    progress: Progress | None,
) -> StreamResult:
    window = window_for(settings, today, known.get(stream.name), since=since, full=full)
    last = window.end - timedelta(days=1)
    result = StreamResult(stream.name, first_day=window.start, last_day=last)
    try:
        result.rows = pull_stream(
            factory,
            client,
            org_id,
            stream,
            window,
            max_pages=settings.sync_max_pages,
            renew=renew,
            progress=progress,
        )
    except Exception as exc:  # any stream's failure is its own; the other streams still run
        result.error = stream_error(stream.name, exc)
    return result


def _pull_audit_logs(
    factory: sessionmaker[Session],
    client: AdminClient,
    org_id: int,
    settings: Settings,
    since: date | None,
    full: bool,
    today: date,
    renew: Callable[[Session], None],
    progress: Progress | None,
) -> StreamResult:
    with factory() as session:
        newest = newest_event_at(session, org_id)
    window = audit_window(settings, today, newest, since=since, full=full)
    result = StreamResult(AUDIT_STREAM, first_day=window.start.date(), last_day=today)
    if progress is not None:
        progress(AUDIT_STREAM, 0, 1)
    try:
        result.rows = pull_audit_logs(
            factory, client, org_id, window, max_pages=settings.sync_max_pages, renew=renew
        )
    except Exception as exc:  # any stream's failure is its own; the other streams still run
        result.error = stream_error(AUDIT_STREAM, exc)
    if progress is not None:
        progress(AUDIT_STREAM, 1, 1)
    return result
