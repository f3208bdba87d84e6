"""Enforcement from the budget page runs in the background: *Apply…* and *Undo…* answer at once
with the operation's page while the Admin API calls are held, the budget page and its JSON twin
show the action applying / restoring with a link to the operation, and the run ends with exactly
what the synchronous apply / restore (the CLI, the scheduler) records for a twin project. A
failing call leaves the action partial, shown so; a retry from the operation's page settles it.
The fake Admin API is served on loopback; `Fault.held` keeps calls in flight until released."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import limits_by_id
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.integration.ledger_helpers import bucket, cost, page, write_json
from tests.web.conftest import csrf_of
from usage_tracker.db.models import BulkOperation, EnforcementAction, RateLimitSnapshot
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.audit.log import list_audit
from usage_tracker.services.governance.bulk_runner import BulkRunner
from usage_tracker.services.governance.keys_inventory import refresh_key_inventory
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.services.spend import enforcement
from usage_tracker.services.spend.budget_status import evaluate_budget
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget
from usage_tracker.settings import Settings

pytestmark = pytest.mark.usefixtures("accounts")
WAIT = 30.0
NOW = datetime(2024, 7, 20, 12, tzinfo=UTC)  # both projects spent $190 of $100 in July 2024


@pytest.fixture(autouse=True)
def no_worker_left() -> Iterator[None]:
    yield
    assert not [t.name for t in threading.enumerate() if t.name.startswith("bulk-")]


@pytest.fixture
def world(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[Connected]:
    org = build_org(seed=11, days=2, projects=3, users=4)  # the third is archived
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        days = [bucket(d, [cost("10", p.id) for p in org.projects[:2]]) for d in range(19)]
        import_file(session_factory, "acme", write_json(tmp_path / "c.json", page(days)))
        yield c


@pytest.fixture
def gate(world: Connected, app: FastAPI) -> Iterator[threading.Event]:
    """Released at the end whatever happens (ask for it after `admin`)."""
    event = threading.Event()
    yield event
    event.set()


def propose(factory: sessionmaker[Session], project: str, enforce: str, *keys: str) -> int:
    """A manual budget of $100 on the project and its proposed action; returns the action id."""
    with factory() as session:
        org = get_organization(session, "acme")
        spec = BudgetSpec("project", project, to_nanos(100), enforce=enforce, enforce_keys=keys)
        budget = set_budget(session, org, spec, "test")
        session.commit()
        a = enforcement.propose(session, org, budget, evaluate_budget(session, org, budget, NOW))
        assert a is not None and a.status == "proposed"
        return a.id


def action(factory: sessionmaker[Session], action_id: int) -> EnforcementAction:
    with factory() as session:
        a = session.get(EnforcementAction, action_id)
        assert a is not None
        return a


def run_sync(factory: sessionmaker[Session], client: Any, action_id: int, undo: bool) -> str:
    """What the CLI and the scheduler do: apply or restore within the call."""
    with factory() as session:
        a = session.get(EnforcementAction, action_id)
        assert a is not None
        run = enforcement.restore if undo else enforcement.apply
        return run(session, client, a, "web:ada").status


def post(
    client: TestClient, factory: sessionmaker[Session], action_id: int, undo: bool = False
) -> Any:
    url = f"/budgets/{action(factory, action_id).budget_id}/actions/{action_id}"
    data = {"csrf_token": csrf_of(client, url), "undo": "1" if undo else ""}
    return client.post(url, data=data, follow_redirects=False)


def op_id_of(response: Any) -> int:
    assert response.status_code == 303, response.text
    match = re.search(r"/governance/operations/(\d+)\?org=acme$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def recorded(factory: sessionmaker[Session], action_id: int) -> dict[str, Any]:
    """What is recorded for an action, its project's id written P: the action's fields, its
    snapshot, and the audit trail of its project (oldest first; items in any order)."""
    a = action(factory, action_id)
    project = a.targets[0] if a.action == "disable" else ""
    with factory() as session:
        snapshot_id = (a.before or {}).get("snapshot_id")
        snapshot = session.get(RateLimitSnapshot, snapshot_id) if snapshot_id else None
        entries = list(reversed(list_audit(session, limit=None)))
    mine = [e for e in entries if set(e.target_id.split(",")) & set(a.targets)
            or (project and e.target_id.startswith(f"{project}/"))]  # fmt: skip
    trail = [(e.action, e.result, e.actor, e.target_type) for e in mine]
    return {
        "status": a.status, "actor": a.actor, "before": sorted(a.before or {}), "after": a.after,
        "detail": (a.detail or "").replace(a.targets[0], "P"), "applied": a.applied_at is not None,
        "restored": a.restored_at is not None,
        "snapshot": None if snapshot is None else snapshot.restored_at is not None,
        "items": sorted(t for t in trail if t[0] in ("rate_limit.update", "api_key.delete")),
        "steps": [t for t in trail if t[0] not in ("rate_limit.update", "api_key.delete")],
    }  # fmt: skip


def runner(app: FastAPI) -> BulkRunner:
    return app.state.bulk_runner  # type: ignore[no-any-return]


def hold(world: Connected, pattern: str, gate: threading.Event, method: str = "POST") -> None:
    world.fake.inject(pattern, Fault(gate=gate, times=None, method=method))


def test_apply_answers_at_once_and_ends_as_the_synchronous_apply(
    world: Connected,
    admin: TestClient,
    gate: threading.Event,
    app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    p0, p1 = (p.id for p in world.org.projects[:2])
    web, sync = propose(session_factory, p0, "disable"), propose(session_factory, p1, "disable")
    budget_id = action(session_factory, web).budget_id
    hold(world, f"/organization/projects/{p0}/rate_limits/*", gate)

    # Answered while every call is held at the fake.
    op_id = op_id_of(post(admin, session_factory, web))
    assert runner(app).is_alive(op_id)
    shown = admin.get(f"/budgets/{budget_id}").text
    assert 'data-action-status="applying"' in shown and f'data-operation-link="{op_id}"' in shown
    assert f"In progress: follow operation {op_id}" in shown
    assert "data-apply" not in shown and "data-undo" not in shown
    twin = admin.get(f"/api/v1/budgets/{budget_id}").json()["actions"][0]
    assert twin["status"] == "applying" and twin["operation_id"] == op_id
    again = post(admin, session_factory, web)  # a second submit follows the same run
    assert op_id_of(again) == op_id
    assert "data-budget-link" in admin.get(f"/governance/operations/{op_id}?org=acme").text

    gate.set()
    assert runner(app).wait(op_id, WAIT)
    assert run_sync(session_factory, world.client, sync, undo=False) == "applied"
    assert recorded(session_factory, web) == recorded(session_factory, sync)
    assert recorded(session_factory, web)["status"] == "applied"
    assert action(session_factory, web).before["operation_id"] == op_id
    assert sorted(map(str, limits_by_id(world.org, p0).values())) == sorted(
        map(str, limits_by_id(world.org, p1).values())
    )
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(BulkOperation)) == 2
    shown = admin.get(f"/budgets/{budget_id}").text
    assert 'data-action-status="applied"' in shown and "data-undo" in shown


def test_undo_answers_at_once_and_ends_as_the_synchronous_restore(
    world: Connected,
    admin: TestClient,
    gate: threading.Event,
    app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    p0, p1 = (p.id for p in world.org.projects[:2])
    before = limits_by_id(world.org, p0)
    web, sync = propose(session_factory, p0, "disable"), propose(session_factory, p1, "disable")
    for action_id in (web, sync):
        assert run_sync(session_factory, world.client, action_id, undo=False) == "applied"
    budget_id = action(session_factory, web).budget_id
    hold(world, f"/organization/projects/{p0}/rate_limits/*", gate)

    op_id = op_id_of(post(admin, session_factory, web, undo=True))
    assert runner(app).is_alive(op_id)
    shown = admin.get(f"/budgets/{budget_id}").text
    assert 'data-action-status="restoring"' in shown and f'data-operation-link="{op_id}"' in shown
    assert "data-apply" not in shown and "data-undo" not in shown
    twin = admin.get(f"/api/v1/budgets/{budget_id}").json()["actions"][0]
    assert twin["status"] == "restoring" and twin["operation_id"] == op_id

    gate.set()
    assert runner(app).wait(op_id, WAIT)
    assert run_sync(session_factory, world.client, sync, undo=True) == "restored"
    assert recorded(session_factory, web) == recorded(session_factory, sync)
    assert recorded(session_factory, web)["snapshot"] is True  # the snapshot is restored
    assert limits_by_id(world.org, p0) == before
    shown = admin.get(f"/budgets/{budget_id}").text
    assert 'data-action-status="restored"' in shown and f"Operation {op_id}</a>" in shown


def test_a_failing_call_leaves_it_partial_shown_and_a_retry_settles_it(
    world: Connected, admin: TestClient, app: FastAPI, session_factory: sessionmaker[Session]
) -> None:
    p0, p1 = (p.id for p in world.org.projects[:2])
    web, sync = propose(session_factory, p0, "disable"), propose(session_factory, p1, "disable")
    budget_id = action(session_factory, web).budget_id
    for p in (p0, p1):
        broken = sorted(limits_by_id(world.org, p))[0]
        world.fake.inject(f"/organization/projects/{p}/rate_limits/{broken}",
                          Fault.server_error(times=None))  # fmt: skip

    op_id = op_id_of(post(admin, session_factory, web))
    assert runner(app).wait(op_id, WAIT)
    assert run_sync(session_factory, world.client, sync, undo=False) == "partial"
    assert recorded(session_factory, web) == recorded(session_factory, sync)
    shown = admin.get(f"/budgets/{budget_id}").text
    assert 'data-action-status="partial"' in shown
    assert f"Operation {op_id}: its failed items, and a retry" in shown
    assert "data-apply" in shown and "data-undo" in shown
    operation = admin.get(f"/governance/operations/{op_id}?org=acme").text
    assert 'data-state="partial"' in operation and "data-retry" in operation

    world.fake.faults.clear()
    token = csrf_of(admin, f"/governance/operations/{op_id}?org=acme")
    retried = admin.post(f"/governance/operations/{op_id}/retry?org=acme",
                         data={"csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert op_id_of(retried) == op_id
    assert runner(app).wait(op_id, WAIT)
    assert action(session_factory, web).status == "applied"
    assert all(v["max_requests_per_1_minute"] == 0 for v in limits_by_id(world.org, p0).values())


def test_revoking_runs_in_the_background_and_undo_says_it_is_irreversible(
    world: Connected,
    admin: TestClient,
    gate: threading.Event,
    app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    p0 = world.org.projects[0].id
    key = next(k.id for k in world.org.api_keys if k.project_id == p0)
    with session_factory() as session:
        refresh_key_inventory(session, world.client, get_organization(session, "acme").id)
    web = propose(session_factory, p0, "revoke-keys", key)
    hold(world, f"/organization/projects/{p0}/api_keys/*", gate, method="DELETE")

    op_id = op_id_of(post(admin, session_factory, web))
    assert action(session_factory, web).status == "applying"
    gate.set()
    assert runner(app).wait(op_id, WAIT)
    assert action(session_factory, web).status == "applied"
    assert key not in {k.id for k in world.org.api_keys}

    undone = post(admin, session_factory, web, undo=True)
    assert undone.status_code == 303 and undone.headers["location"].startswith("/budgets/")
    assert "revoke-keys: irreversible" in admin.get(undone.headers["location"]).text


def test_a_spend_limit_is_set_within_the_request(
    world: Connected, admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    p0 = world.org.projects[0].id
    web = propose(session_factory, p0, "spend-limit")
    done = post(admin, session_factory, web)
    assert done.status_code == 303 and done.headers["location"].startswith("/budgets/")
    assert "spend-limit: applied" in admin.get(done.headers["location"]).text
    assert action(session_factory, web).status == "applied"
    assert world.org.project_spend_limits[p0] == 19_000
