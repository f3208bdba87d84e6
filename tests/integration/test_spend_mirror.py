"""Mirroring a project budget to OpenAI's spend limit and spend alerts, against the stateful fake:
set once, idempotent on the second save, audited, visible from the synced tables, and the hook
in `set_budget` that reaches OpenAI with the organization's stored key over loopback HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import admin_api
from tests.fakes import serialize as s
from tests.fakes.harness import Connected, connect
from tests.fakes.org import FakeOrg, FakeSpendAlert
from tests.fakes.routes import ROUTES
from tests.fakes.server import serve
from usage_tracker.db.engine import transaction
from usage_tracker.db.models import AuditEntry
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget
from usage_tracker.services.spend.channels import add_channel
from usage_tracker.services.spend.openai_mirror import MirrorResult, mirror_budget, openai_controls
from usage_tracker.settings import Settings


def _create_alert(org: FakeOrg, _q: Any, body: Any, pid: str) -> tuple[int, Any]:
    """POST /organization/projects/{id}/spend_alerts, as the Admin API spec describes it."""
    recipients = list(body["notification_channel"]["recipients"])
    alert = FakeSpendAlert(f"alert_m{len(org.spend_alerts)}", pid, body["threshold_amount"],
                           recipients)  # fmt: skip
    org.spend_alerts.append(alert)
    return 200, s.spend_alert(alert)


@pytest.fixture(autouse=True)
def alert_creation(monkeypatch: pytest.MonkeyPatch) -> None:
    route = ("POST", "/organization/projects/([^/]+)/spend_alerts", _create_alert)
    monkeypatch.setattr(admin_api, "ROUTES", [route, *ROUTES])


@pytest.fixture
def world() -> Connected:
    return connect(seed=3, max_retries=0)


def _alerts(world: Connected, project: str) -> list[int]:
    return sorted(a.threshold_amount for a in world.org.spend_alerts if a.project_id == project)


def _mirror(
    factory: sessionmaker[Session], settings: Settings, world: Connected, amount: int
) -> MirrorResult:
    results: list[MirrorResult] = []
    project = world.org.projects[0].id
    with transaction(factory) as session:
        org = ensure_organization(session, "acme")
        spec = BudgetSpec("project", project, to_nanos(amount), mirror_openai=True)

        def mirror(budget: Any) -> None:
            results.append(mirror_budget(session, org, budget, "ada", client=world.client))

        set_budget(session, org, spec, "ada", mirror=mirror)
    return results[0]


def test_budget_sets_limit_and_alerts_once(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    project = world.org.projects[0].id
    assert _alerts(world, project) == [40_000]  # $400 alert that exists already
    with transaction(session_factory) as session:
        add_channel(session, settings, "email", ["fin@example.com", "ops@example.com"])
    result = _mirror(session_factory, settings, world, 500)
    assert result.ok, result.errors
    assert world.org.project_spend_limits[project] == 50_000
    assert result.alerts_created == [25_000, 50_000] and result.alerts_existing == [40_000]
    assert _alerts(world, project) == [25_000, 40_000, 50_000]
    created = [a for a in world.org.spend_alerts if a.threshold_amount == 25_000]
    assert created[0].recipients == ["fin@example.com", "ops@example.com"]

    again = _mirror(session_factory, settings, world, 500)
    assert again.alerts_created == [] and _alerts(world, project) == [25_000, 40_000, 50_000]

    with session_factory() as session:
        audit = [(a.action, a.result, a.after) for a in session.scalars(select(AuditEntry))]
        org = ensure_organization(session, "acme")
        controls = openai_controls(session, org.id, project)
    assert ("budget.mirror.spend_limit", "ok", {"limit_cents": 50_000}) in audit
    assert sum(1 for a in audit if a[0] == "budget.mirror.spend_alert") == 2
    assert controls["spend_limit_cents"] == 50_000
    assert [a["threshold_cents"] for a in controls["spend_alerts"]] == [25_000, 50_000]


def test_without_email_channel_only_the_limit_is_set(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    result = _mirror(session_factory, settings, world, 120)
    assert world.org.project_spend_limits[world.org.projects[0].id] == 12_000
    assert result.limit_cents == 12_000 and not result.ok
    assert "e-mail channel" in result.errors[0]


def test_api_failure_is_audited_not_raised(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(session_factory) as session:
        org = ensure_organization(session, "acme")
        budget = set_budget(session, org, BudgetSpec("project", "proj_missing", to_nanos(9)), "t")
        result = mirror_budget(session, org, budget, "ada", client=world.client)
    assert not result.ok and result.limit_cents is None
    with session_factory() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.result) == ("budget.mirror.spend_limit", "failed")


def test_set_budget_hook_uses_the_stored_key(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    project = world.org.projects[1].id
    with serve(world.fake) as base_url:
        with transaction(session_factory) as session:
            add_organization(session, settings, "acme", world.org.admin_key, base_url=base_url)
        for name, value in {"USAGE_TRACKER_DATABASE_URL": settings.database_url,
                            "USAGE_TRACKER_DATA_DIR": str(settings.data_dir)}.items():  # fmt: skip
            monkeypatch.setenv(name, str(value))
        with transaction(session_factory) as session:
            org = ensure_organization(session, "acme")
            spec = BudgetSpec("project", project, to_nanos(75), mirror_openai=True)
            set_budget(session, org, spec, "cli:test")
    assert world.org.project_spend_limits[project] == 7_500
    with session_factory() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "budget.mirror.spend_limit")
        ).one()
    assert entry.actor == "cli:test" and json.dumps(entry.after) == '{"limit_cents": 7500}'
