"""Enforcement at 100 % against the stateful fake Admin API: spend limit lowered and put back,
project disabled and restored at the next period (including a partial failure), proposals that
wait for confirmation, and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault
from tests.fakes.harness import Connected, connect
from tests.integration.ledger_helpers import bucket, cost, page, write_json
from usage_tracker.db.models import AuditEntry, BulkOperation, EnforcementAction
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.governance import bulk
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend import enforcement
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget
from usage_tracker.services.spend.evaluation import evaluate_all
from usage_tracker.settings import Settings

NOW = datetime(2024, 7, 20, 12, tzinfo=UTC)
NEXT_PERIOD = datetime(2024, 8, 2, 12, tzinfo=UTC)


@pytest.fixture
def world(session_factory: sessionmaker[Session], tmp_path: Path) -> Connected:
    """A fake organization whose first project spent $190 in July 2024 (in the ledger)."""
    w = connect(seed=3, max_retries=0)
    project = w.org.projects[0].id
    days = [bucket(d, [cost("10", project)]) for d in range(19)]
    import_file(session_factory, "acme", write_json(tmp_path / "c.json", page(days)))
    return w


def _budget(factory: sessionmaker[Session], project: str, enforce: str, auto: bool) -> int:
    with factory() as session:
        org = ensure_organization(session, "acme")
        spec = BudgetSpec("project", project, to_nanos(100), enforce=enforce, enforce_auto=auto)
        budget_id = set_budget(session, org, spec, "test").id
        session.commit()
        return budget_id


def _action(factory: sessionmaker[Session], budget_id: int) -> EnforcementAction:
    with factory() as session:
        return session.scalars(
            select(EnforcementAction).where(EnforcementAction.budget_id == budget_id)
        ).one()


def test_spend_limit_is_lowered_then_put_back_next_period(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    project = world.org.projects[0].id
    before = world.org.project_spend_limits[project]
    budget_id = _budget(session_factory, project, "spend-limit", auto=True)

    result = evaluate_all(session_factory, settings, NOW, client_for=lambda _: world.client,
                          anomalies=False)  # fmt: skip
    assert not result.errors
    assert _action(session_factory, budget_id).status == "applied"
    assert world.org.project_spend_limits[project] == 19_000  # $190.00 spent so far

    evaluate_all(session_factory, settings, NOW, client_for=lambda _: world.client, anomalies=False)
    assert len(world.fake.calls(f"/organization/projects/{project}/spend_limit", "POST")) == 1

    evaluate_all(session_factory, settings, NEXT_PERIOD, client_for=lambda _: world.client,
                 anomalies=False)  # fmt: skip
    assert _action(session_factory, budget_id).status == "restored"
    assert world.org.project_spend_limits[project] == before
    with session_factory() as session:
        audit = [
            (a.action, a.result)
            for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert audit == [("budget.enforce", "ok"), ("budget.restore", "ok")]


def test_disable_waits_for_confirmation_then_restores_after_a_partial_failure(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    project = world.org.projects[0].id
    limits_before = {r.id: dict(r.limits) for r in world.org.rate_limits if r.project_id == project}
    budget_id = _budget(session_factory, project, "disable", auto=False)

    evaluate_all(session_factory, settings, NOW, client_for=lambda _: world.client, anomalies=False)
    proposed = _action(session_factory, budget_id)
    assert proposed.status == "proposed"
    assert "Disable project" in (proposed.detail or "")
    assert {
        r.id: r.limits for r in world.org.rate_limits if r.project_id == project
    } == limits_before

    broken = sorted(limits_before)[0]
    world.fake.inject(f"/organization/projects/{project}/rate_limits/{broken}",
                      Fault.server_error(times=None))  # fmt: skip
    with session_factory() as session:
        action = session.get(EnforcementAction, proposed.id)
        assert action is not None
        done = enforcement.apply(session, world.client, action, "cli:admin")
        assert done.status == "partial"
    now = {r.id: r.limits for r in world.org.rate_limits if r.project_id == project}
    assert now[broken] == limits_before[broken]
    assert all(v["max_requests_per_1_minute"] == 0 for k, v in now.items() if k != broken)

    world.fake.faults.clear()
    evaluate_all(session_factory, settings, NEXT_PERIOD, client_for=lambda _: world.client,
                 anomalies=False)  # fmt: skip
    assert _action(session_factory, budget_id).status == "restored"
    restored = {r.id: r.limits for r in world.org.rate_limits if r.project_id == project}
    assert restored == limits_before


def test_a_failed_spend_limit_call_is_reported_and_retried_by_hand(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    project = world.org.projects[0].id
    budget_id = _budget(session_factory, project, "spend-limit", auto=True)
    world.fake.inject(f"/organization/projects/{project}/spend_limit",
                      Fault.server_error(times=None))  # fmt: skip
    evaluate_all(session_factory, settings, NOW, client_for=lambda _: world.client, anomalies=False)
    failed = _action(session_factory, budget_id)
    assert failed.status == "failed" and "500" in (failed.detail or "")
    world.fake.faults.clear()
    with session_factory() as session:
        action = session.get(EnforcementAction, failed.id)
        assert action is not None
        assert enforcement.apply(session, world.client, action, "cli:admin").status == "applied"
    assert world.org.project_spend_limits[project] == 19_000


def test_a_retry_of_an_older_operation_never_overwrites_a_newer_result(
    world: Connected, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    project = world.org.projects[0].id
    budget_id = _budget(session_factory, project, "disable", auto=False)
    evaluate_all(session_factory, settings, NOW, client_for=lambda _: world.client, anomalies=False)
    broken = sorted(r.id for r in world.org.rate_limits if r.project_id == project)[0]
    world.fake.inject(f"/organization/projects/{project}/rate_limits/{broken}",
                      Fault.server_error(times=None))  # fmt: skip
    with session_factory() as session:
        action = session.get(EnforcementAction, _action(session_factory, budget_id).id)
        assert action is not None
        assert enforcement.apply(session, world.client, action, "cli:admin").status == "partial"
        applying = session.get(BulkOperation, action.before["operation_id"])
        assert applying is not None
        assert enforcement.restore(session, world.client, action, "cli:admin").status == "restored"
        world.fake.faults.clear()
        assert bulk.retry_failed(session, world.client, applying).status == "succeeded"
    assert _action(session_factory, budget_id).status == "restored"
