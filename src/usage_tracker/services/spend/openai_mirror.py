"""Mirror a project budget to OpenAI's own spend controls, and show what OpenAI has.

    mirror_budget(session, org, budget, actor, client=client)

For a monthly project budget with `mirror_openai` set: the project's hard spend limit becomes
the budget's amount (USD cents, rounded up), and OpenAI sends an e-mail spend alert at each of
the budget's thresholds to the addresses of the tracker's e-mail channels (thresholds OpenAI
already has are not added twice). Every call is audited (`budget.mirror.*`); a failure is
recorded and reported, never raised, so the budget itself is always saved. The synced tables
(`spend_limits`, `spend_alerts`) are updated with what OpenAI answered, so pages show it before
the next sync. OpenAI counts calendar months in UTC; a budget in another time zone differs by
the zone's offset at each end of the month. Deleting a budget leaves OpenAI's limit in place.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import AlertChannel, Budget, Organization, SpendAlert, SpendLimit
from usage_tracker.domain.budgets import parse_thresholds
from usage_tracker.openai_admin import AdminApiError, get_project_spend_limit
from usage_tracker.openai_admin.metadata import list_spend_alerts
from usage_tracker.openai_admin.spend import create_project_spend_alert, set_project_spend_limit
from usage_tracker.services.audit.log import record_audit
from usage_tracker.services.orgs.connections import open_client
from usage_tracker.services.orgs.credentials import CredentialError, connection_for
from usage_tracker.settings import Settings

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


NANOS_PER_CENT = 10_000_000


@dataclass
class MirrorResult:
    project_id: str
    limit_cents: int | None = None
    alerts_created: list[int] = field(default_factory=list)  # cents
    alerts_existing: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "limit_cents": self.limit_cents,
            "alerts_created_cents": self.alerts_created,
            "alerts_existing_cents": self.alerts_existing,
            "errors": self.errors,
        }


def budget_cents(budget: Budget, percent: int = 100) -> int:
    """The budget's amount × percent, in whole cents, rounded up (never below one cent)."""
    return max(1, math.ceil(budget.amount_nanos * percent / (100 * NANOS_PER_CENT)))


def alert_recipients(session: Session) -> list[str]:
    """The addresses of the tracker's enabled e-mail channels, in order, without repeats."""
    query = select(AlertChannel.target).where(
        AlertChannel.kind == "email", AlertChannel.enabled.is_(True)
    )
    out: list[str] = []
    for target in session.scalars(query.order_by(AlertChannel.id)):
        out += [a for a in target.split(",") if a and a not in out]
    return out


def default_client(session: Session, org: Organization, settings: Settings) -> AdminClient:
    """The organization's own stored key (or OPENAI_ADMIN_KEY for the default organization)."""
    return open_client(connection_for(session, settings, org.slug), settings)


def mirror_budget(
    session: Session,
    org: Organization,
    budget: Budget,
    actor: str,
    *,
    client: AdminClient | None = None,
    settings: Settings | None = None,
) -> MirrorResult:
    """Set the project's spend limit and alerts from the budget (flushed, not committed)."""
    result = MirrorResult(budget.scope_id)
    if budget.scope != "project" or budget.period != "monthly":
        result.errors.append("only a monthly project budget can be mirrored to OpenAI")
        return result
    try:
        client = client or default_client(session, org, settings or Settings())
    except (CredentialError, ValueError) as exc:
        result.errors.append(f"no Admin API key for {org.slug}: {exc}")
        return result
    _mirror_limit(session, org, budget, actor, client, result)
    _mirror_alerts(session, org, budget, actor, client, result)
    session.flush()
    return result


def _audit(
    session: Session, org: Organization, actor: str, what: str, project: str, **kw: Any
) -> None:
    record_audit(
        session,
        organization_id=org.id,
        actor=actor,
        action=f"budget.mirror.{what}",
        target_type="project",
        target_id=project,
        **kw,
    )


def _stored_limit(session: Session, org_id: int, project_id: str) -> SpendLimit | None:
    return session.scalar(
        select(SpendLimit).where(
            SpendLimit.organization_id == org_id, SpendLimit.project_id == project_id
        )
    )


def _mirror_limit(
    session: Session,
    org: Organization,
    budget: Budget,
    actor: str,
    client: AdminClient,
    result: MirrorResult,
) -> None:
    project, cents = budget.scope_id, budget_cents(budget)
    try:
        current = get_project_spend_limit(client, project)
        before = {"limit_cents": current.threshold_cents if current else None}
        stored, request_id = set_project_spend_limit(client, project, cents)
    except AdminApiError as exc:
        result.errors.append(f"spend limit: {exc}")
        _audit(
            session,
            org,
            actor,
            "spend_limit",
            project,
            before=None,
            after={"limit_cents": cents},
            result="failed",
            detail=str(exc),
        )
        return
    result.limit_cents = stored.threshold_cents
    _audit(
        session,
        org,
        actor,
        "spend_limit",
        project,
        before=before,
        after={"limit_cents": stored.threshold_cents},
        result="ok",
        request_id=request_id,
    )
    row = _stored_limit(session, org.id, project)
    if row is None:
        row = SpendLimit(organization_id=org.id, project_id=project)
        session.add(row)
    row.threshold_cents = stored.threshold_cents
    row.currency, row.interval = stored.currency, stored.interval
    row.enforcement, row.fetched_at = stored.enforcement_status, utcnow()


def _mirror_alerts(
    session: Session,
    org: Organization,
    budget: Budget,
    actor: str,
    client: AdminClient,
    result: MirrorResult,
) -> None:
    project = budget.scope_id
    recipients = alert_recipients(session)
    if not recipients:
        result.errors.append("spend alerts: add an e-mail channel first (OpenAI alerts by e-mail)")
        return
    try:
        existing = {a.threshold_cents for a in list_spend_alerts(client, project)}
    except AdminApiError as exc:
        result.errors.append(f"spend alerts: {exc}")
        return
    for percent in parse_thresholds(budget.thresholds):
        cents = budget_cents(budget, percent)
        if cents in existing:
            result.alerts_existing.append(cents)
            continue
        try:
            alert, request_id = create_project_spend_alert(client, project, cents, recipients)
        except AdminApiError as exc:
            result.errors.append(f"spend alert at {percent}%: {exc}")
            _audit(
                session,
                org,
                actor,
                "spend_alert",
                project,
                before=None,
                after={"threshold_cents": cents},
                result="failed",
                detail=str(exc),
            )
            continue
        existing.add(cents)
        result.alerts_created.append(cents)
        _audit(
            session,
            org,
            actor,
            "spend_alert",
            project,
            before=None,
            after={"alert_id": alert.id, "threshold_cents": cents},
            result="ok",
            request_id=request_id,
        )
        session.add(
            SpendAlert(
                organization_id=org.id,
                alert_id=alert.id,
                project_id=project,
                threshold_cents=alert.threshold_cents,
                currency=alert.currency,
                interval=alert.interval,
                channel=json.dumps({"recipients": list(recipients)}),
            )
        )


def openai_controls(session: Session, org_id: int, project_id: str) -> dict[str, Any]:
    """What the last sync (or mirror) saw at OpenAI for this project: limit and alerts."""
    limit = _stored_limit(session, org_id, project_id)
    alerts = session.scalars(
        select(SpendAlert)
        .where(SpendAlert.organization_id == org_id, SpendAlert.project_id == project_id)
        .order_by(SpendAlert.threshold_cents)
    )
    return {
        "spend_limit_cents": limit.threshold_cents if limit else None,
        "spend_limit_enforcement": limit.enforcement if limit else None,
        "fetched_at": limit.fetched_at.isoformat() if limit else None,
        "spend_alerts": [
            {
                "id": a.alert_id,
                "threshold_cents": a.threshold_cents,
                "recipients": json.loads(a.channel or "{}").get("recipients", []),
            }
            for a in alerts
        ],
    }
