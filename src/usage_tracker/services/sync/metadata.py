"""Organization metadata from the Admin API into the database, part by part.

Parts: projects (archived too), members with roles, project API keys (owner, created, last used,
redacted value), service accounts, rate limits, spend limits and spend alerts. Each part is
fetched whole and then written in its own transaction; a part that fails is reported and the
others still run. Archived projects answer 400 for their users and service accounts, so those
(and their limits and alerts, which cannot apply) are not asked for.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import (
    ApiKey,
    RateLimit,
    ServiceAccount,
    SpendAlert,
    SpendLimit,
)
from usage_tracker.domain import admin_records as m
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS
from usage_tracker.openai_admin import (
    AdminApiError,
    get_organization_spend_limit,
    get_project_spend_limit,
    list_members,
    list_project_api_keys,
    list_projects,
    list_rate_limits,
    list_service_accounts,
    list_spend_alerts,
)
from usage_tracker.services.ledger.names import upsert_members, upsert_projects

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


log = logging.getLogger(__name__)

PARTS = (
    "projects",
    "members",
    "api_keys",
    "service_accounts",
    "rate_limits",
    "spend_limits",
    "spend_alerts",
)
Outcome = tuple[int, str | None]  # rows, error
Report = Callable[[str, int, str | None], None]


def _upsert(
    session: Session,
    model: Any,
    organization_id: int,
    key_columns: tuple[str, ...],
    items: Iterable[dict[str, Any]],
    scope: tuple[str, Sequence[str]] | None = None,
) -> int:
    """Insert or update rows by `key_columns`; delete rows of `scope` (column, values) unseen."""
    incoming = {tuple(item[c] for c in key_columns): item for item in items}
    query = select(model).where(model.organization_id == organization_id)
    existing = {tuple(getattr(row, c) for c in key_columns): row for row in session.scalars(query)}
    for key, values in incoming.items():
        row = existing.get(key)
        if row is None:
            session.add(model(organization_id=organization_id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
    if scope is not None:
        column, within = scope
        for key, row in existing.items():
            if key not in incoming and getattr(row, column) in within:
                session.delete(row)
    session.flush()
    return len(incoming)


def _api_keys(session: Session, org_id: int, keys: list[m.ProjectApiKey], pids: list[str]) -> int:
    rows = (
        {
            "key_id": k.id,
            "project_id": k.project_id,
            "name": k.name,
            "redacted_value": k.redacted_value,
            "owner_type": k.owner.kind,
            "owner_id": k.owner.id,
            "owner_name": k.owner.name,
            "owner_email": k.owner.email,
            "created_at": k.created_at,
            "last_used_at": k.last_used_at,
        }
        for k in keys
    )
    return _upsert(session, ApiKey, org_id, ("key_id",), rows, ("project_id", pids))


def _accounts(
    session: Session, org_id: int, accounts: list[m.ServiceAccount], pids: list[str]
) -> int:
    rows = (
        {
            "account_id": a.id,
            "project_id": a.project_id,
            "name": a.name,
            "role": a.role,
            "created_at": a.created_at,
        }
        for a in accounts
    )
    return _upsert(session, ServiceAccount, org_id, ("account_id",), rows, ("project_id", pids))


def _rate_limits(session: Session, org_id: int, limits: list[m.RateLimit], pids: list[str]) -> int:
    now = utcnow()
    rows = []
    for r in limits:
        row: dict[str, Any] = {
            "rate_limit_id": r.id,
            "project_id": r.project_id,
            "model": r.model,
            "fetched_at": now,
        }
        row.update({name: getattr(r, name) for name in RATE_LIMIT_FIELDS})
        rows.append(row)
    keys = ("project_id", "rate_limit_id")
    return _upsert(session, RateLimit, org_id, keys, rows, ("project_id", pids))


def _spend_limits(session: Session, org_id: int, limits: list[m.SpendLimit]) -> int:
    session.execute(delete(SpendLimit).where(SpendLimit.organization_id == org_id))
    now = utcnow()
    limits = list({s.project_id or "": s for s in limits}.values())  # one per scope, upserted
    for s in limits:
        session.add(
            SpendLimit(
                organization_id=org_id,
                project_id=s.project_id or "",
                threshold_cents=s.threshold_cents,
                currency=s.currency,
                interval=s.interval,
                enforcement=s.enforcement_status,
                fetched_at=now,
            )
        )
    session.flush()
    return len(limits)


def _message(exc: Exception) -> str:
    if isinstance(exc, AdminApiError):
        return str(exc)
    log.exception("metadata part failed")
    return f"{type(exc).__name__}: {exc}"


def _spend_alerts(session: Session, org_id: int, alerts: list[m.SpendAlert]) -> int:
    session.execute(delete(SpendAlert).where(SpendAlert.organization_id == org_id))
    now = utcnow()
    # One row per alert id: an id listed both for the organization and for a project is upserted
    # (the later listing wins), never a unique-constraint failure.
    by_id = {a.id: a for a in alerts}
    alerts = list(by_id.values())
    for a in alerts:
        channel = {"recipients": list(a.recipients), "subject_prefix": a.subject_prefix}
        session.add(
            SpendAlert(
                organization_id=org_id,
                alert_id=a.id,
                project_id=a.project_id or "",
                threshold_cents=a.threshold_cents,
                currency=a.currency,
                interval=a.interval,
                channel=json.dumps(channel),
                fetched_at=now,
            )
        )
    session.flush()
    return len(alerts)


def sync_metadata(
    factory: sessionmaker[Session],
    client: AdminClient,
    organization_id: int,
    report: Report,
    *,
    max_pages: int,
) -> None:
    """Pull and store every metadata part; `report(part, rows, error)` is called per part."""

    def part(name: str, fetch: Callable[[], Any], write: Callable[[Session, Any], int]) -> bool:
        try:
            data = fetch()
            with factory() as session, session.begin():
                rows = write(session, data)
        except Exception as exc:  # one part's failure is reported; the others still run
            report(name, 0, _message(exc))
            return False
        report(name, rows, None)
        return True

    projects: list[m.Project] = []

    def fetch_projects() -> list[m.Project]:
        projects.extend(list_projects(client, include_archived=True, max_pages=max_pages))
        return projects

    if not part("projects", fetch_projects, lambda s, d: upsert_projects(s, organization_id, d)):
        for name in PARTS[2:]:
            report(name, 0, "skipped: the projects could not be listed")
        part(
            "members", lambda: list_members(client, max_pages=max_pages), _members(organization_id)
        )
        return
    part("members", lambda: list_members(client, max_pages=max_pages), _members(organization_id))
    every = [p.id for p in projects]
    active = [p.id for p in projects if not p.archived]

    def each(call: Callable[..., list[Any]], pids: list[str]) -> list[Any]:
        return [item for pid in pids for item in call(client, pid, max_pages=max_pages)]

    part(
        "api_keys",
        lambda: each(list_project_api_keys, every),
        lambda s, d: _api_keys(s, organization_id, d, every),
    )
    part(
        "service_accounts",
        lambda: each(list_service_accounts, active),
        lambda s, d: _accounts(s, organization_id, d, every),
    )
    part(
        "rate_limits",
        lambda: each(list_rate_limits, active),
        lambda s, d: _rate_limits(s, organization_id, d, every),
    )

    def fetch_limits() -> list[m.SpendLimit]:
        found = [get_organization_spend_limit(client)]
        found += [get_project_spend_limit(client, pid) for pid in active]
        return [s for s in found if s is not None]

    part("spend_limits", fetch_limits, lambda s, d: _spend_limits(s, organization_id, d))

    def fetch_alerts() -> list[m.SpendAlert]:
        found = list_spend_alerts(client, max_pages=max_pages)
        for pid in active:
            found += list_spend_alerts(client, pid, max_pages=max_pages)
        return found

    part("spend_alerts", fetch_alerts, lambda s, d: _spend_alerts(s, organization_id, d))


def _members(organization_id: int) -> Callable[[Session, Any], int]:
    return lambda s, d: upsert_members(s, organization_id, d, source="api")
