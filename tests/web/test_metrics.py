"""`/metrics`: off without a token (404), 401 with a wrong one, and text Prometheus can parse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.engine import transaction
from usage_tracker.db.models import SyncRun
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget
from usage_tracker.settings import Settings
from usage_tracker.web import create_app

TOKEN = "scrape-me-please"


@pytest.fixture
def scraper(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_metrics_are_off_without_a_token(anon: TestClient) -> None:
    assert anon.get("/metrics").status_code == 404
    assert anon.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_wrong_or_missing_token_is_401(scraper: TestClient) -> None:
    assert scraper.get("/metrics").status_code == 401
    wrong = scraper.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")


def test_metrics_parse_and_cover_spend_budgets_and_sync(
    scraper: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        org = ensure_organization(session, "acme")
        set_budget(session, org, BudgetSpec("org", "acme", to_nanos(100)), "test")
        finished = datetime.now(UTC) - timedelta(minutes=5)
        session.add(SyncRun(organization_id=org.id, status="ok", finished_at=finished))
    response = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    for name in ("month_to_date_cost_usd", "month_to_date_tokens", "project_month_to_date_cost_usd",
                 "model_month_to_date_tokens", "budget_utilisation_ratio", "budget_forecast_usd",
                 "seconds_since_last_successful_sync"):  # fmt: skip
        assert f"usage_tracker_{name}" in families, name
    budget = families["usage_tracker_budget_amount_usd"].samples[0]
    assert budget.labels == {"organization": "acme", "scope": "org", "id": "acme",
                             "period": "monthly"} and budget.value == 100.0  # fmt: skip
    age = families["usage_tracker_seconds_since_last_successful_sync"].samples[0]
    assert age.labels == {"organization": "acme"} and 290 < age.value < 400
    bands = families["usage_tracker_budget_status"].samples
    assert sum(s.value for s in bands) == 1.0
