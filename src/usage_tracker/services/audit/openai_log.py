"""OpenAI's own audit log as the tracker stored it (the sync's `audit_logs` stream): filters,
JSON rows and exports, for `audit list --source openai`, the audit page and its JSON twin.

    events = list_openai_audit(session, OpenAIAuditFilter(org.id, type="project."))

The tracker's own entries (what *it* changed) are in `services/audit/log.py`; `merged_audit_rows`
gives both, newest first, each row tagged with its `source`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import AuditEntry, OpenAIAuditEvent
from usage_tracker.services.audit.log import audit_to_json, org_slugs
from usage_tracker.services.kit.exports import csv_text

SOURCES = ("tracker", "openai", "all")
EXPORT_FIELDS = (
    "id",
    "effective_at",
    "organization",
    "type",
    "actor_type",
    "actor_id",
    "actor_email",
    "api_key_id",
    "api_key_type",
    "ip_address",
    "project_id",
    "project_name",
    "resource_id",
    "event",
)


@dataclass(frozen=True)
class OpenAIAuditFilter:
    organization_id: int | None = None
    type: str | None = None  # exact, or a prefix ending in "." ("project.")
    project_id: str | None = None  # the event's project, or what it acted on
    actor: str | None = None  # e-mail, user or service-account id, or API key id
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def list_openai_audit(
    session: Session, f: OpenAIAuditFilter = OpenAIAuditFilter(), *, limit: int | None = 1000
) -> list[OpenAIAuditEvent]:
    """Stored events matching `f`, newest first."""
    e = OpenAIAuditEvent
    q = select(e)
    if f.organization_id is not None:
        q = q.where(e.organization_id == f.organization_id)
    if f.type:
        q = q.where(e.type.startswith(f.type) if f.type.endswith(".") else e.type == f.type)
    if f.project_id:
        q = q.where(or_(e.project_id == f.project_id, e.resource_id == f.project_id))
    if f.actor:
        q = q.where(or_(e.actor_email == f.actor, e.actor_id == f.actor, e.api_key_id == f.actor))
    if f.since:
        q = q.where(e.effective_at >= f.since)
    if f.until:
        q = q.where(e.effective_at < f.until)
    q = q.order_by(e.effective_at.desc(), e.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return list(session.scalars(q))


def project_openai_audit(
    session: Session, organization_id: int, project_id: str, *, limit: int = 200
) -> list[OpenAIAuditEvent]:
    """Events scoped to one project or acting on it (its creation, renaming, archiving)."""
    f = OpenAIAuditFilter(organization_id, project_id=project_id)
    return list_openai_audit(session, f, limit=limit)


def event_types(session: Session, organization_id: int | None) -> list[str]:
    """The event types stored (for a filter's choices), sorted."""
    q = select(OpenAIAuditEvent.type).distinct()
    if organization_id is not None:
        q = q.where(OpenAIAuditEvent.organization_id == organization_id)
    return sorted(session.scalars(q))


def event_projects(session: Session, organization_id: int | None) -> list[tuple[str, str]]:
    """(project id, name) of the projects the stored events are scoped to, by name."""
    q = select(OpenAIAuditEvent.project_id, OpenAIAuditEvent.project_name).where(
        OpenAIAuditEvent.project_id.is_not(None)
    )
    if organization_id is not None:
        q = q.where(OpenAIAuditEvent.organization_id == organization_id)
    names: dict[str, str] = {}
    for project_id, name in session.execute(q.distinct()):
        if project_id is not None:
            names[project_id] = names.get(project_id) or name or project_id
    return sorted(names.items(), key=lambda item: (item[1].lower(), item[0]))


def actor_label(event: OpenAIAuditEvent) -> str:
    """Who did it, as briefly as the event allows: e-mail, else user or account id, else key."""
    return event.actor_email or event.actor_id or event.api_key_id or "—"


def openai_audit_to_json(
    event: OpenAIAuditEvent, slugs: dict[int, str] | None = None
) -> dict[str, Any]:
    return {
        "id": event.id,
        "effective_at": event.effective_at.isoformat(),
        "organization": (slugs or {}).get(event.organization_id),
        "type": event.type,
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "api_key_id": event.api_key_id,
        "api_key_type": event.api_key_type,
        "ip_address": event.ip_address,
        "project_id": event.project_id,
        "project_name": event.project_name,
        "resource_id": event.resource_id,
        "event": event.event,
    }


def export_openai_audit_json(session: Session, events: Sequence[OpenAIAuditEvent]) -> str:
    slugs = org_slugs(session)
    return json.dumps([openai_audit_to_json(e, slugs) for e in events], indent=2) + "\n"


def export_openai_audit_csv(session: Session, events: Sequence[OpenAIAuditEvent]) -> str:
    """CSV with the whole event as JSON text in its cell."""
    slugs = org_slugs(session)
    rows = [openai_audit_to_json(event, slugs) for event in events]
    return csv_text(rows, EXPORT_FIELDS, newline="\n")


def merged_audit_rows(
    session: Session,
    entries: Sequence[AuditEntry],
    events: Sequence[OpenAIAuditEvent],
    *,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The tracker's entries and OpenAI's events in one list, newest first: each row is that
    source's JSON with `source` ("tracker" or "openai") and `at` (an OpenAI event's
    `effective_at`) in front."""
    slugs = org_slugs(session)
    timed = [(e.at, {"source": "tracker"} | audit_to_json(e, slugs)) for e in entries]
    timed += [
        (e.effective_at, {"source": "openai", "at": e.effective_at.isoformat()}
         | openai_audit_to_json(e, slugs))
        for e in events
    ]  # fmt: skip
    timed.sort(key=lambda pair: pair[0], reverse=True)
    rows = [row for _, row in timed]
    return rows if limit is None else rows[:limit]


def export_merged_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Merged rows as CSV: every column either source has, objects as JSON text."""
    return csv_text(rows, newline="\n")
