"""Evaluation: every budget's status, the alerts now due, enforcement, and anomaly alerts.

    evaluate_all(session_factory, settings)   # after every sync, on a schedule, `budgets check`

An alert is claimed before it is sent by inserting its `AlertEvent` with a unique `dedup_key`
(budget × period × threshold, budget × period for the forecast, org × dimension × id × day for
anomalies) in its own transaction: a second process, or a restart, finds the key taken and sends
nothing. A delivery that failed is retried by the next evaluations (until it has gone out).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.models import AlertEvent, Budget, Organization
from usage_tracker.domain.budgets import crossed_thresholds, parse_thresholds
from usage_tracker.domain.money import format_usd, to_nanos
from usage_tracker.services.orgs.connections import open_client
from usage_tracker.services.orgs.credentials import connection_for
from usage_tracker.services.spend import enforcement
from usage_tracker.services.spend.anomalies import scan_organization
from usage_tracker.services.spend.budget_status import BudgetState, evaluate_budget
from usage_tracker.services.spend.budgets import list_budgets
from usage_tracker.services.spend.channels import Alert, deliver, list_channels
from usage_tracker.settings import Settings

log = logging.getLogger(__name__)
RETRY_DAYS = 3


@dataclass
class Evaluation:
    budgets: list[dict[str, Any]] = field(default_factory=list)
    states: list[BudgetState] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    enforcement: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    channels: int = 0  # enabled alert channels at the time of the check


def _label(state: BudgetState) -> str:
    b = state.budget
    return f"{b.scope} {b.scope_id} ({state.org}, {state.period.label()} {b.timezone})"


def due_alerts(state: BudgetState) -> list[tuple[str, str, int | None, Alert]]:
    """(dedup key, kind, threshold, alert) for every alert this state calls for."""
    b = state.budget
    out: list[tuple[str, str, int | None, Alert]] = []
    start = state.period.start.isoformat()
    spent, total = format_usd(state.spent_nanos), format_usd(state.budget_nanos)
    crossed = crossed_thresholds(
        state.spent_nanos, state.budget_nanos, parse_thresholds(b.thresholds)
    )
    for t in crossed:
        subject = f"Budget {t}% reached: {_label(state)}"
        text = f"{spent} of {total} spent ({state.percent}%), status {state.status}."
        key = f"budget:{b.id}:{start}:threshold:{t}"
        out.append((key, "threshold", t, Alert(subject, text, _payload(state, "threshold", t))))
    if state.runs_out_on is not None and state.status != "over" and 100 not in crossed:
        subject = f"Budget forecast: {_label(state)} runs out on {state.runs_out_on}"
        text = (
            f"At this pace the budget runs out on {state.runs_out_on} "
            f"(forecast {format_usd(state.forecast_nanos)} of {total}; {spent} spent so far)."
        )
        key = f"budget:{b.id}:{start}:forecast"
        out.append((key, "forecast", None, Alert(subject, text, _payload(state, "forecast", None))))
    return out


def _payload(state: BudgetState, kind: str, threshold: int | None) -> dict[str, Any]:
    return {"kind": kind, "threshold": threshold, "budget": state.to_json()}


def claim(
    factory: sessionmaker[Session],
    key: str,
    organization_id: int,
    alert: Alert,
    *,
    kind: str,
    budget_id: int | None = None,
    period_start: Any = None,
    threshold: int | None = None,
) -> int | None:
    """Insert the alert's event; its id, or None when it was already claimed."""
    with factory() as session:
        event = AlertEvent(
            dedup_key=key, organization_id=organization_id, budget_id=budget_id, kind=kind,
            period_start=period_start, threshold=threshold, subject=alert.subject[:300],
            message=alert.text, payload=alert.payload, status="pending",
        )  # fmt: skip
        session.add(event)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return None
        return event.id


def send(factory: sessionmaker[Session], settings: Settings, event_id: int) -> dict[str, Any]:
    """Deliver a claimed event on every enabled channel (retrying only ones that failed)."""
    with factory() as session:
        event = session.get(AlertEvent, event_id)
        assert event is not None
        done = {d["channel"] for d in (event.deliveries or []) if d["ok"]}
        alert = Alert(event.subject, event.message, event.payload)
        results = [d for d in (event.deliveries or []) if d["ok"]]
        for channel in list_channels(session, enabled_only=True):
            if channel.id not in done:
                results.append(deliver(channel, alert, settings).to_json())
        event.deliveries = results
        event.status = delivery_status(results)
        event.sent_at = datetime.now(UTC)
        session.commit()
        return event_json(event)


def delivery_status(deliveries: list[dict[str, Any]]) -> str:
    """`sent` (every channel took it), `failed` (one did not: retried) or `no-channel` (there
    was no enabled channel to send it on: recorded only, never retried)."""
    if not deliveries:
        return "no-channel"
    return "sent" if all(d["ok"] for d in deliveries) else "failed"


def delivery_summary(events: list[dict[str, Any]], channels: int) -> str:
    """How many alerts were raised and on how many channels they went, in one line."""
    raised = len(events)
    delivered = sum(1 for e in events if e["status"] == "sent")
    failed = sum(1 for e in events if e["status"] == "failed")
    if not raised:
        text = "No new alerts."
    else:
        text = f"{raised} alert(s) raised: {delivered} delivered on every channel"
        text += f", {failed} failed (retried on the next check)." if failed else "."
    if not channels:
        text += (
            " No alert channel is configured, so none was sent anywhere: add one with "
            "`usage-tracker channels add`."
        )
    else:
        text += f" Enabled channels: {channels}."
    return text


def event_json(e: AlertEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "budget_id": e.budget_id,
        "period_start": e.period_start.isoformat() if e.period_start else None,
        "threshold": e.threshold,
        "subject": e.subject,
        "status": e.status,
        "deliveries": e.deliveries or [],
        "created_at": e.created_at.isoformat(),
    }


def alert_history(
    session: Session, budget_id: int | None = None, limit: int = 200
) -> list[AlertEvent]:
    query = select(AlertEvent)
    if budget_id is not None:
        query = query.where(AlertEvent.budget_id == budget_id)
    return list(session.scalars(query.order_by(AlertEvent.id.desc()).limit(limit)))


def evaluate_all(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    *,
    client_for: enforcement.ClientFor | None = None,
    anomalies: bool = True,
) -> Evaluation:
    """Evaluate every budget, send due alerts, enforce and restore, scan for anomalies."""
    now = now or datetime.now(UTC)
    result = Evaluation()
    with session_factory() as session:
        result.channels = len(list_channels(session, enabled_only=True))
        clients = client_for or _clients(session, settings)
        for budget, _slug in list_budgets(session):
            org = session.get(Organization, budget.organization_id)
            assert org is not None
            try:
                state = evaluate_budget(session, org, budget, now)
            except (LookupError, ValueError) as exc:
                result.errors.append(f"budget {budget.scope} {budget.scope_id}: {exc}")
                continue
            result.states.append(state)
            result.budgets.append(state.to_json())
            for key, kind, threshold, alert in due_alerts(state):
                event_id = claim(
                    session_factory, key, org.id, alert, kind=kind, budget_id=budget.id,
                    period_start=state.period.start, threshold=threshold,
                )  # fmt: skip
                if event_id is not None:
                    result.sent.append(send(session_factory, settings, event_id))
            _enforce(session, org, budget, state, clients, result)
        _retry_failed(session, session_factory, settings, now)
        if anomalies:
            _anomalies(session, session_factory, settings, now, result)
    return result


def _clients(session: Session, settings: Settings) -> enforcement.ClientFor:
    def client_for(slug: str) -> Any:
        return open_client(connection_for(session, settings, slug), settings)

    return client_for


def _enforce(
    session: Session,
    org: Organization,
    budget: Budget,
    state: BudgetState,
    clients: enforcement.ClientFor,
    result: Evaluation,
) -> None:
    try:
        for old in enforcement.actions(session, budget_id=budget.id):
            if old.period_start < state.period.start and old.status in enforcement.RESTORABLE:
                done = enforcement.restore(session, clients(org.slug), old, f"budget:{budget.id}")
                result.enforcement.append(enforcement.action_json(done))
        action = enforcement.propose(session, org, budget, state)
        if action is not None and budget.enforce_auto and action.status == "proposed":
            action = enforcement.apply(session, clients(org.slug), action, f"budget:{budget.id}")
        if action is not None:
            result.enforcement.append(enforcement.action_json(action))
    except Exception as exc:  # no key, unreachable API: report, keep evaluating the rest
        session.rollback()
        result.errors.append(f"enforcement of budget {budget.id}: {type(exc).__name__}: {exc}")


def _retry_failed(
    session: Session, factory: sessionmaker[Session], settings: Settings, now: datetime
) -> None:
    since = now - timedelta(days=RETRY_DAYS)
    query = select(AlertEvent.id).where(AlertEvent.status.in_(("failed", "pending")))
    for event_id in session.scalars(query.where(AlertEvent.created_at >= since)):
        send(factory, settings, event_id)


def _anomalies(
    session: Session,
    factory: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    result: Evaluation,
) -> None:
    min_nanos = to_nanos(str(settings.anomaly_min_usd))
    for org in session.scalars(select(Organization)):
        for finding in scan_organization(session, org.slug, now.date(), min_nanos=min_nanos):
            alert = Alert(finding.subject(), finding.subject() + ".", finding.to_json())
            event_id = claim(factory, finding.dedup_key, org.id, alert, kind="anomaly")
            if event_id is not None:
                result.sent.append(send(factory, settings, event_id))
