"""A database lease so that two processes never sync one organization at the same time.

The lease row says who holds it and until when. Taking it is one conditional UPDATE (free,
expired or already ours) or, when there is no row yet, one INSERT that the primary key lets only
one process win — atomic on SQLite and PostgreSQL alike. A holder renews it as it makes progress;
a crashed holder's lease simply expires.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import SyncLease

DEFAULT_TTL = timedelta(minutes=15)


class LeaseHeld(Exception):
    """Someone else is syncing this organization now."""

    def __init__(self, slug: str, holder: str, since: datetime, until: datetime) -> None:
        self.slug, self.holder, self.since, self.until = slug, holder, since, until
        super().__init__(
            f"organization {slug!r} is being synced by {holder} (since "
            f"{since:%Y-%m-%d %H:%M:%S} UTC; its lease runs until {until:%H:%M:%S} UTC unless "
            "renewed) — try again when it is done"
        )


class LeaseLost(Exception):
    """Our lease expired and another process took it over."""


def new_holder(trigger: str) -> str:
    """A name for this process's lease: host, pid, what started it, and a unique suffix."""
    return f"{trigger} on {socket.gethostname()} pid {os.getpid()} ({uuid.uuid4().hex[:8]})"


def acquire_lease(
    factory: sessionmaker[Session],
    organization_id: int,
    slug: str,
    holder: str,
    ttl: timedelta = DEFAULT_TTL,
) -> None:
    """Take the organization's lease, or raise LeaseHeld naming who has it."""
    now = utcnow()
    with factory() as session, session.begin():
        taken: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(SyncLease)
            .where(
                SyncLease.organization_id == organization_id,
                or_(SyncLease.holder == holder, SyncLease.expires_at <= now),
            )
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            return
    try:
        with factory() as session, session.begin():
            session.add(
                SyncLease(
                    organization_id=organization_id,
                    holder=holder,
                    acquired_at=now,
                    expires_at=now + ttl,
                )
            )
        return
    except IntegrityError:
        pass
    with factory() as session:
        row = session.scalar(select(SyncLease).where(SyncLease.organization_id == organization_id))
    if row is None:  # released between our two attempts: try once more from the top
        return acquire_lease(factory, organization_id, slug, holder, ttl)
    raise LeaseHeld(slug, row.holder, row.acquired_at, row.expires_at)


def renew_lease(
    session: Session, organization_id: int, holder: str, ttl: timedelta = DEFAULT_TTL
) -> None:
    """Extend our lease inside the caller's transaction; LeaseLost if it is no longer ours."""
    renewed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(SyncLease)
        .where(SyncLease.organization_id == organization_id, SyncLease.holder == holder)
        .values(expires_at=utcnow() + ttl)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount != 1:
        raise LeaseLost(
            "the sync lease expired and another process took over; stopped without writing"
        )


def release_lease(factory: sessionmaker[Session], organization_id: int, holder: str) -> None:
    with factory() as session, session.begin():
        session.execute(
            delete(SyncLease).where(
                SyncLease.organization_id == organization_id, SyncLease.holder == holder
            )
        )


def current_lease(session: Session, organization_id: int) -> SyncLease | None:
    """The lease if someone holds it now (expired leases count as free)."""
    row = session.scalar(select(SyncLease).where(SyncLease.organization_id == organization_id))
    return row if row is not None and row.expires_at > utcnow() else None
