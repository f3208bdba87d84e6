"""What the sync has done: run history, per-stream cursors and who holds the lease now."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Organization, SyncCursor, SyncLease, SyncRun
from usage_tracker.services.sync.lease import current_lease


@dataclass(frozen=True)
class RunView:
    id: int
    organization: str
    trigger: str
    status: str
    started_at: str
    finished_at: str | None
    rows: int
    streams: dict[str, dict[str, Any]]
    message: str | None

    @property
    def errors(self) -> dict[str, str]:
        return {name: s["error"] for name, s in self.streams.items() if s.get("error")}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organization": self.organization,
            "trigger": self.trigger,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "rows": self.rows,
            "streams": self.streams,
            "message": self.message,
        }


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def sync_history(session: Session, org: str | None = None, limit: int = 20) -> list[RunView]:
    """Recent sync runs, newest first, with rows and errors per stream."""
    query = (
        select(SyncRun, Organization.slug)
        .join(Organization, Organization.id == SyncRun.organization_id)
        .order_by(SyncRun.id.desc())
        .limit(limit)
    )
    if org:
        query = query.where(Organization.slug == org.strip().lower())
    out = []
    for run, slug in session.execute(query):
        try:
            streams = json.loads(run.detail or "{}")
        except ValueError:
            streams = {}
        out.append(
            RunView(
                run.id,
                slug,
                run.trigger,
                run.status,
                _iso(run.started_at) or "",
                _iso(run.finished_at),
                run.rows,
                streams,
                run.message,
            )
        )
    return out


def sync_cursors(session: Session, org: str) -> dict[str, date]:
    """Per stream: the day up to which (exclusive) the organization has been pulled."""
    query = (
        select(SyncCursor.stream, SyncCursor.synced_until)
        .join(Organization, Organization.id == SyncCursor.organization_id)
        .where(Organization.slug == org.strip().lower())
        .order_by(SyncCursor.stream)
    )
    return {stream: until for stream, until in session.execute(query)}


def lease_holder(session: Session, org: str) -> SyncLease | None:
    org_id = session.scalar(select(Organization.id).where(Organization.slug == org))
    return None if org_id is None else current_lease(session, org_id)


def sync_status_rows(session: Session, org: str | None = None) -> list[dict[str, Any]]:
    """Rows for the web app's Data page (the `SyncHook.status` contract), newest first."""
    rows = []
    for run in sync_history(session, org):
        errors = run.errors
        rows.append(
            {
                "run": run.id,
                "organization": run.organization,
                "trigger": run.trigger,
                "status": run.status,
                "started": run.started_at,
                "finished": run.finished_at or "",
                "rows": run.rows,
                "errors": "; ".join(f"{k}: {v}" for k, v in errors.items()),
            }
        )
    return rows
