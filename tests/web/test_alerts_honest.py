"""Alerts say honestly where they went: with no channel an alert is "not sent" (never "sent"),
the pages say no channel is configured, and `budgets check` counts deliveries, not events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.ledger_helpers import bucket, cost, page, write_json
from usage_tracker.cli import budgets as budgets_cli
from usage_tracker.cli.context import reset_context
from usage_tracker.db.engine import transaction
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget
from usage_tracker.services.spend.evaluation import delivery_summary

T0 = date(2024, 7, 1)  # day 0 of ledger_helpers.bucket


def _spend_yesterday(factory: sessionmaker[Session], tmp_path: Path) -> None:
    """$50 of cost yesterday (UTC) and a $10 monthly budget: over, so 50/80/100 % are due."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    doc = page([bucket((yesterday - T0).days, [cost("50", "proj_a")])])
    import_file(factory, "acme", write_json(tmp_path / "costs.json", doc))
    with transaction(factory) as session:
        org = ensure_organization(session, "acme")
        set_budget(session, org, BudgetSpec("project", "proj_a", to_nanos(10)), "t")


def test_without_a_channel_nothing_claims_to_be_sent(
    admin: TestClient,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    cli_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _spend_yesterday(session_factory, tmp_path)
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    reset_context()
    try:
        result = CliRunner().invoke(budgets_cli.app, ["check", "--no-anomalies"])
    finally:
        reset_context()
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "3 alert(s) raised: 0 delivered on every channel." in said
    assert "No alert channel is configured, so none was sent anywhere" in said
    alerts = admin.get("/alerts").text
    assert "data-no-channel" in alerts
    assert alerts.count('data-delivery="no-channel"') == 3
    assert 'data-delivery="sent"' not in alerts and ">sent<" not in alerts
    api = admin.get("/api/v1/alerts").json()
    assert [e["status"] for e in api] == ["no-channel"] * 3


def test_the_summary_counts_deliveries_not_events() -> None:
    ok = {"channel": 1, "ok": True}
    bad = {"channel": 2, "ok": False}
    events = [{"status": "sent", "deliveries": [ok]}, {"status": "failed", "deliveries": [ok, bad]}]
    text = delivery_summary(events, channels=2)
    assert text == (
        "2 alert(s) raised: 1 delivered on every channel, 1 failed (retried on the next check). "
        "Enabled channels: 2."
    )
    assert delivery_summary([], channels=0).startswith("No new alerts. No alert channel")
