"""Estimated against billed cost: the demo org and a synced org reconcile within tolerance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes.prices import CHAT_PRICES
from tests.integration.test_sync import fake_org, now_of, run, sync_settings
from usage_tracker.db.models import Price
from usage_tracker.services.ledger.demo import load_demo
from usage_tracker.services.reports.reconcile import TOLERANCE, reconcile
from usage_tracker.services.reports.totals import ReportQuery, breakdown, summary
from usage_tracker.settings import Settings


def test_the_demo_org_reconciles_within_tolerance(session_factory: sessionmaker[Session]) -> None:
    end = date(2025, 6, 30)
    load_demo(session_factory, seed=7, until=end, days=60)  # the days the question asks about
    q = ReportQuery(end - timedelta(days=59), end, org="demo")
    with session_factory() as session:
        result = reconcile(session, q)
        total = summary(session, q)
    billed, estimated = result.matched
    assert billed == result.billed_nanos > 0
    assert result.drift_pct is not None and abs(result.drift_pct) < 0.001  # percent
    assert result.within_tolerance and result.unpriced_models == []
    assert sum(a.allocated_nanos for a in result.users) == result.billed_nanos
    assert sum(a.allocated_nanos for a in result.api_keys) == result.billed_nanos
    assert all(a.key != "(no usage data)" for a in result.users)
    assert total.estimated_cost_nanos is not None
    assert abs(total.estimated_cost_nanos - estimated) <= billed * TOLERANCE
    json = result.to_json()
    assert json["allocation"]["label"].startswith("allocation")
    assert {"date", "project_id", "model", "billed_usd", "estimated_usd", "drift_pct"} <= set(
        json["rows"][0]
    )


def test_prices_derived_from_the_orgs_line_items_and_unpriced_models(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    c = fake_org()
    yesterday = c.today - 86_400
    dims = {"project_id": c.org.projects[0].id, "user_id": c.org.users[0].id,
            "api_key_id": c.org.api_keys[0].id, "model": "mystery-model-1"}  # fmt: skip
    c.org.add_usage("completions", yesterday + 60, dims, input_tokens=1000, output_tokens=10,
                    num_model_requests=3)  # fmt: skip
    run(session_factory, sync_settings(settings, c), c)
    with session_factory() as session:
        derived = {
            (p.model, p.kind): Decimal(p.usd_per_unit)
            for p in session.scalars(select(Price).where(Price.source == "derived"))
        }
        today = now_of(c).date()
        q = ReportQuery(today - timedelta(days=30), today, org="default")
        result = reconcile(session, q)
        models = {r.key: r for r in breakdown(session, q, "model")}
    p_in, p_cached, p_out = CHAT_PRICES["gpt-4o-2024-08-06"]
    assert abs(derived[("gpt-4o-2024-08-06", "input")] - p_in) < Decimal("0.0001")
    assert abs(derived[("gpt-4o-2024-08-06", "cached_input")] - p_cached) < Decimal("0.0001")
    assert abs(derived[("gpt-4o-2024-08-06", "output")] - p_out) < Decimal("0.0001")
    assert abs(derived[("dall-e-3", "images")] - Decimal("0.04")) < Decimal("0.000001")
    assert ("whisper-1", "seconds") in derived and ("tts-1", "characters") in derived
    assert result.unpriced_models == ["mystery-model-1"]
    assert result.within_tolerance, result.drift_pct
    mystery = [r for r in result.rows if r.model == "mystery-model-1"]
    assert mystery and all(r.estimated_nanos is None for r in mystery)
    assert models["mystery-model-1"].estimated_cost_nanos is None
    assert models["mystery-model-1"].to_json("model")["estimated_cost_usd"] is None
    assert models["gpt-4o-2024-08-06"].estimated_cost_nanos
