"""Budgets end to end: status and forecast, exactly one alert per threshold (across a restart and
two processes at once), edits mid-period, signed webhooks and e-mail through local servers."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, cost, page, write_json
from usage_tracker.db.engine import make_engine, make_session_factory
from usage_tracker.db.models import AlertEvent
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend.budgets import BudgetSpec, budget_history, set_budget
from usage_tracker.services.spend.channels import add_channel, send_test, verify
from usage_tracker.services.spend.evaluation import evaluate_all
from usage_tracker.services.spend.teams import create_team, set_members
from usage_tracker.settings import Settings

NOW = datetime(2024, 7, 20, 12, tzinfo=UTC)  # T0 is 2024-07-01


@pytest.fixture
def loaded(session_factory: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """$10/day on proj_a and $5/day on proj_b, 1–19 July 2024."""
    days = [bucket(d, [cost("10", "proj_a"), cost("5", "proj_b")]) for d in range(19)]
    import_file(session_factory, "acme", write_json(tmp_path / "costs.json", page(days)))
    return session_factory


def _set(factory: sessionmaker[Session], **kw: Any) -> int:
    with factory() as session:
        org = ensure_organization(session, "acme")
        b = set_budget(session, org, BudgetSpec(**kw), "test")
        session.commit()
        return b.id


def _events(factory: sessionmaker[Session]) -> list[AlertEvent]:
    with factory() as session:
        return list(session.scalars(select(AlertEvent).order_by(AlertEvent.id)))


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_status_forecast_and_one_alert_per_threshold(
    loaded: sessionmaker[Session], settings: Settings, webhook: Any
) -> None:
    url, received = webhook
    with loaded() as session:
        add_channel(session, settings, "webhook", [url], secret="s3cret")
        session.commit()
    _set(loaded, scope="project", scope_id="proj_a", amount_nanos=to_nanos(250))
    result = evaluate_all(loaded, settings, NOW, anomalies=False)
    (row,) = result.budgets
    assert {k: row[k] for k in ("scope", "id", "period_start", "period_end", "status")} == {
        "scope": "project", "id": "proj_a", "period_start": "2024-07-01",
        "period_end": "2024-07-31", "status": "caution",
    }  # fmt: skip
    assert (row["spent_usd"], row["budget_usd"], row["percent"]) == ("190.00", "250.00", 76.0)
    assert row["forecast_usd"] == "310.00"  # $10 × 31 days
    assert row["runs_out_on"] == "2024-07-25"
    assert row["spend_basis"] == "billed"
    kinds = sorted((e.kind, e.threshold) for e in _events(loaded))
    assert kinds == [("forecast", None), ("threshold", 50)]
    assert len(received) == 2
    headers, body = received[0]
    assert verify("s3cret", headers["X-Usage-Tracker-Timestamp"], body,
                  headers["X-Usage-Tracker-Signature"])  # fmt: skip
    assert not verify("wrong", headers["X-Usage-Tracker-Timestamp"], body,
                      headers["X-Usage-Tracker-Signature"])  # fmt: skip
    assert json.loads(body)["budget"]["id"] == "proj_a"

    # A restart (a new engine on the same database) sends nothing again.
    engine = make_engine(settings.effective_database_url)
    try:
        evaluate_all(make_session_factory(engine), settings, NOW, anomalies=False)
    finally:
        engine.dispose()
    assert len(received) == 2

    # Lowering the budget mid-period re-evaluates: 80 % and 100 % are new, 50 % is not re-sent.
    _set(loaded, scope="project", scope_id="proj_a", amount_nanos=to_nanos(180))
    evaluate_all(loaded, settings, NOW, anomalies=False)
    thresholds = sorted(e.threshold for e in _events(loaded) if e.kind == "threshold")
    assert thresholds == [50, 80, 100]
    assert len(received) == 4
    with loaded() as session:
        history = budget_history(session, ensure_organization(session, "acme"))
    assert [e.action for e in history] == ["update", "create"]
    assert history[0].before["amount_usd"] == "250.00"


def test_two_processes_at_once_claim_each_alert_once(
    loaded: sessionmaker[Session], settings: Settings
) -> None:
    _set(loaded, scope="org", scope_id="acme", amount_nanos=to_nanos(100))
    engines = [make_engine(settings.effective_database_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def run(factory: sessionmaker[Session]) -> None:
        try:
            barrier.wait()
            evaluate_all(factory, settings, NOW, anomalies=False)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(make_session_factory(e),)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert not errors
    with loaded() as session:
        count = session.scalar(select(func.count()).select_from(AlertEvent))
    assert count == 3  # 50, 80, 100 — once each (no forecast alert once over)


def test_team_user_and_rollover_budgets(loaded: sessionmaker[Session], settings: Settings) -> None:
    with loaded() as session:
        org = ensure_organization(session, "acme")
        create_team(session, org, "search", actor="test")
        set_members(session, org, "search", projects=["proj_a", "proj_b"], actor="test")
        session.commit()
    _set(loaded, scope="team", scope_id="search", amount_nanos=to_nanos(1000))
    _set(loaded, scope="user", scope_id="user-nobody", amount_nanos=to_nanos(10))
    result = evaluate_all(loaded, settings, NOW, anomalies=False)
    by_scope = {b["scope"]: b for b in result.budgets}
    assert by_scope["team"]["spent_usd"] == "285.00"
    assert by_scope["team"]["spend_basis"] == "allocated"
    assert by_scope["user"]["spent_usd"] == "0.00"


class _Smtp(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        out: list[str] = []
        self.wfile.write(b"220 localhost test SMTP\r\n")
        data = False
        while line := self.rfile.readline():
            text = line.decode().rstrip("\r\n")
            if data:
                if text == ".":
                    data = False
                    self.server.messages.append("\n".join(out))  # type: ignore[attr-defined]
                    self.wfile.write(b"250 OK queued\r\n")
                else:
                    out.append(text)
                continue
            verb = text[:4].upper()
            if verb == "DATA":
                data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


def test_email_goes_through_a_local_smtp_server(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        local = settings.model_copy(update={"smtp_host": "127.0.0.1",
                                            "smtp_port": server.server_address[1]})  # fmt: skip
        with session_factory() as session:
            channel = add_channel(session, local, "email", ["fin@example.com", "ops@example.com"])
            session.commit()
            result = send_test(session, local, channel.id)
        assert result.ok, result.detail
        (message,) = server.messages  # type: ignore[attr-defined]
        assert "Subject: usage-tracker test alert" in message
        assert "To: fin@example.com, ops@example.com" in message
    finally:
        server.shutdown()
        server.server_close()


def test_a_failed_delivery_is_retried_later(
    loaded: sessionmaker[Session], settings: Settings
) -> None:
    with loaded() as session:
        add_channel(session, settings, "slack", ["http://127.0.0.1:9/services/T/B/X"])
        session.commit()
    _set(loaded, scope="project", scope_id="proj_b", amount_nanos=to_nanos(150))
    evaluate_all(loaded, settings, NOW, anomalies=False)
    events = _events(loaded)
    assert events and all(e.status == "failed" for e in events)
    assert events[0].deliveries[0]["ok"] is False
