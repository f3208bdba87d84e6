"""The `audit_logs` stream: OpenAI's own audit log into `openai_audit_events`, incrementally.

A first run (and `sync --full`) reads the backfill span (`USAGE_TRACKER_SYNC_BACKFILL_DAYS`);
later runs read the events after the newest stored one, less `OVERLAP` (an event can reach the
log a little after its `effective_at`); `sync --since DAY` re-reads from that day. Events are
upserted by OpenAI's event id, so a re-read event replaces its stored copy and is never
duplicated. The fetch is whole, then written in one transaction: a run stopped halfway leaves
the table as it was, and the next run reads the same window again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.models import OpenAIAuditEvent
from usage_tracker.domain.endpoints import AUDIT_LOGS
from usage_tracker.openai_admin import AuditEvent, list_audit_events
from usage_tracker.settings import Settings

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


STREAM = AUDIT_LOGS
OVERLAP = timedelta(hours=1)
_CHUNK = 500  # ids per IN (…) when looking up stored events


@dataclass(frozen=True)
class AuditWindow:
    bound: str  # "gt" (after the newest stored event, less the overlap) or "gte" (from a day)
    start: datetime

    @property
    def query(self) -> dict[str, int]:
        return {self.bound: int(self.start.timestamp())}


def newest_event_at(session: Session, organization_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(OpenAIAuditEvent.effective_at)).where(
            OpenAIAuditEvent.organization_id == organization_id
        )
    )


def audit_window(
    settings: Settings,
    today: date,
    newest: datetime | None,
    *,
    since: date | None = None,
    full: bool = False,
) -> AuditWindow:
    """What to read: --since wins; --full or nothing stored yet reads the backfill span; else
    what came after the newest stored event, re-reading the last `OVERLAP`."""
    if since is not None:
        return AuditWindow("gte", datetime.combine(since, time(), UTC))
    if full or newest is None:
        first = today - timedelta(days=settings.sync_backfill_days - 1)
        return AuditWindow("gte", datetime.combine(first, time(), UTC))
    return AuditWindow("gt", newest - OVERLAP)


def _values(event: AuditEvent) -> dict[str, object]:
    return {
        "type": event.type,
        "effective_at": event.effective_at,
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "api_key_id": event.api_key_id,
        "api_key_type": event.api_key_type,
        "ip_address": event.ip_address,
        "project_id": event.project_id,
        "project_name": event.project_name[:200] if event.project_name else None,
        "resource_id": event.resource_id,
        "event": event.raw,
    }


def upsert_audit_events(
    session: Session, organization_id: int, events: Sequence[AuditEvent]
) -> int:
    """Insert new events and replace stored ones with the same id; returns the events written."""
    incoming = {e.id: e for e in events}
    ids = list(incoming)
    stored: dict[str, OpenAIAuditEvent] = {}
    for i in range(0, len(ids), _CHUNK):
        query = select(OpenAIAuditEvent).where(
            OpenAIAuditEvent.organization_id == organization_id,
            OpenAIAuditEvent.id.in_(ids[i : i + _CHUNK]),
        )
        stored.update({row.id: row for row in session.scalars(query)})
    for event_id, event in incoming.items():
        row = stored.get(event_id)
        if row is None:
            session.add(
                OpenAIAuditEvent(organization_id=organization_id, id=event_id, **_values(event))
            )
        else:
            for name, value in _values(event).items():
                setattr(row, name, value)
    session.flush()
    return len(incoming)


def pull_audit_logs(
    factory: sessionmaker[Session],
    client: AdminClient,
    organization_id: int,
    window: AuditWindow,
    *,
    max_pages: int,
    renew: Callable[[Session], None],
) -> int:
    """Read the window's events (every page) and store them; returns the events written."""
    events = list_audit_events(client, effective_at=window.query, max_pages=max_pages)
    with factory() as session, session.begin():
        renew(session)
        return upsert_audit_events(session, organization_id, events)
