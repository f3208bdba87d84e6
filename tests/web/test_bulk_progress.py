"""Bulk operations started from the web run in the background: the POST answers at once, the
operation page and its JSON twin follow the run, a second run of the same operation is refused,
a worker's exception ends on the items, and an operation a stopped process left is resumable.
The fake Admin API is served on loopback; `Fault.held` keeps calls in flight until released."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_rate_limits, limits_by_id
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.web.conftest import csrf_of
from usage_tracker.db.models import BulkOperation
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.governance import bulk, bulk_operations
from usage_tracker.services.governance.bulk_runner import BulkRunner, RunnerBusy
from usage_tracker.services.governance.project_disable import disable_project
from usage_tracker.services.orgs.credentials import add_organization, remove_credential
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.settings import Settings

pytestmark = pytest.mark.usefixtures("accounts")
WAIT = 30.0


@pytest.fixture(autouse=True)
def no_worker_left() -> Iterator[None]:
    """Every worker thread has ended when a test's fixtures are torn down."""
    yield
    assert not [t.name for t in threading.enumerate() if t.name.startswith("bulk-")]


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=11, days=2, projects=2, users=4)
    add_rate_limits(org, org.projects[0].id, 3)
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield c


@pytest.fixture
def gate(world: Connected, app: FastAPI) -> Iterator[threading.Event]:
    """Set when the test releases the held calls, and always at the end: a failing test leaves
    no call held (ask for it after `admin`, so it is released before the app shuts down)."""
    event = threading.Event()
    yield event
    event.set()


def runner(app: FastAPI) -> BulkRunner:
    return app.state.bulk_runner  # type: ignore[no-any-return]


def hold_updates(world: Connected, project_id: str, gate: threading.Event) -> str:
    """Every rate-limit update of the project waits for `gate`; returns the path pattern."""
    pattern = f"/organization/projects/{project_id}/rate_limits/*"
    world.fake.inject(pattern, Fault(gate=gate, times=None, method="POST"))
    return pattern


def post(client: TestClient, url: str, data: dict[str, object] | None = None) -> Any:
    token = csrf_of(client, "/governance/rate-limits?org=acme")
    return client.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False)


def op_id_of(response: Any) -> int:
    match = re.search(r"/governance/operations/(\d+)\?org=acme$", response.headers["location"])
    assert match, response.headers.get("location")
    return int(match.group(1))


def update_calls(world: Connected, project_id: str) -> int:
    return sum(
        1
        for r in world.fake.calls(method="POST")
        if r.path.startswith(f"/organization/projects/{project_id}/rate_limits/")
    )


def test_the_confirm_answers_at_once_and_the_run_finishes_in_the_background_audited(
    world: Connected,
    admin: TestClient,
    gate: threading.Event,
    app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    p0 = world.org.projects[0].id
    hold_updates(world, p0, gate)
    done = post(admin, f"/governance/projects/{p0}/disable?org=acme", {"reason": "x"})
    assert done.status_code == 303  # answered while every call is still held at the fake
    op_id = op_id_of(done)
    assert runner(app).is_alive(op_id)

    page = admin.get(done.headers["location"]).text
    assert 'data-state="running"' in page and f'data-poll="/api/v1/operations/{op_id}' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    total = len(limits_by_id(world.org, p0))
    assert f'<progress max="{total}" value="0" data-op-progress>' in page
    live = admin.get(f"/api/v1/operations/{op_id}?org=acme").json()
    assert live["state"] == "running" and live["live"] is True
    assert live["done"] == 0 and live["counts"]["total"] == total
    assert [i["status"] for i in live["items"]] == ["pending"] * total
    listing = admin.get("/governance/operations?org=acme").text
    assert 'data-state="running"' in listing

    gate.set()
    assert runner(app).wait(op_id, WAIT)
    final = admin.get(f"/api/v1/operations/{op_id}?org=acme").json()
    assert final["state"] == final["status"] == "succeeded" and final["live"] is False
    assert final["done"] == total == final["counts"]["succeeded"]
    assert all(v["max_requests_per_1_minute"] == 0 for v in limits_by_id(world.org, p0).values())
    page = admin.get(done.headers["location"]).text
    assert 'data-op-status="succeeded"' in page and "data-poll" not in page
    assert 'http-equiv="refresh"' not in page and f'value="{total}"' in page

    with session_factory() as session:
        mine = list_audit(session, AuditFilter(action="rate_limit.update", operation_id=op_id))
        op = session.get(BulkOperation, op_id)
        assert op is not None and op.attempts == 1
    assert len(mine) == total
    assert all(e.actor == "web:ada" and e.result == "ok" for e in mine)
    item_ids = {i["request_id"] for i in final["items"]}
    assert {e.request_id for e in mine} == item_ids and all(r.startswith("req_") for r in item_ids)


def test_a_second_run_of_a_running_operation_is_refused(
    world: Connected, admin: TestClient, gate: threading.Event, app: FastAPI
) -> None:
    p0 = world.org.projects[0].id
    hold_updates(world, p0, gate)
    done = post(admin, f"/governance/projects/{p0}/disable?org=acme")
    op_id = op_id_of(done)
    again = post(admin, f"/governance/operations/{op_id}/retry?org=acme")
    assert again.status_code == 409
    assert f"operation {op_id} is already running" in again.text
    with pytest.raises(bulk.AlreadyRunning):
        runner(app).start(op_id)

    gate.set()
    assert runner(app).wait(op_id, WAIT)
    assert update_calls(world, p0) == len(limits_by_id(world.org, p0))  # each item once


def test_a_busy_runner_refuses_more_operations_than_its_bound(
    world: Connected,
    gate: threading.Event,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    p0, p1 = world.org.projects[0].id, world.org.projects[1].id
    hold_updates(world, p0, gate)
    with session_factory() as session:
        org = get_organization(session, "acme")
        first = disable_project(session, world.client, org.id, p0, actor="t", run=False)
        second = disable_project(session, world.client, org.id, p1, actor="t", run=False)
    assert first.operation is not None and second.operation is not None
    small = BulkRunner(session_factory, settings, limit=1)
    small.start(first.operation.id)
    try:
        with pytest.raises(RunnerBusy):
            small.start(second.operation.id)
        assert not small.is_alive(second.operation.id)
    finally:
        gate.set()
        assert small.wait_all(WAIT)
    small.start(second.operation.id)  # room again once the first is done
    assert small.wait(second.operation.id, WAIT)


def test_an_exception_in_the_worker_fails_the_items_with_its_message(
    world: Connected,
    admin: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    p0 = world.org.projects[0].id
    with session_factory() as session:
        org = get_organization(session, "acme")
        result = disable_project(session, world.client, org.id, p0, actor="web:ada", run=False)
        assert result.operation is not None
        op_id = result.operation.id
        remove_credential(session, "acme")  # the key is gone before the worker opens its client
        session.commit()
    before = limits_by_id(world.org, p0)

    runner(app).start(op_id)
    assert runner(app).wait(op_id, WAIT)
    data = admin.get(f"/api/v1/operations/{op_id}?org=acme").json()
    assert data["state"] == data["status"] == "failed"
    assert data["counts"]["failed"] == len(before) and data["done"] == len(before)
    assert all(
        i["error"].startswith("CredentialError: no admin key for organization 'acme'")
        for i in data["items"]
    )
    assert limits_by_id(world.org, p0) == before  # nothing was called
    with session_factory() as session:
        mine = list_audit(session, AuditFilter(action="rate_limit.update", operation_id=op_id))
    assert len(mine) == len(before)
    assert all(e.result == "failed" and e.actor == "web:ada" for e in mine)
    page = admin.get(f"/governance/operations/{op_id}?org=acme").text
    assert "CredentialError: no admin key" in page and "data-retry" in page


def test_an_interrupted_operation_is_shown_so_and_resumes_only_what_is_left(
    world: Connected,
    admin: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
) -> None:
    p0 = world.org.projects[0].id
    with session_factory() as session:
        org = get_organization(session, "acme")
        result = disable_project(session, world.client, org.id, p0, actor="web:ada", run=False)
        assert result.operation is not None
        op = result.operation
        # What a process that stopped mid-run leaves: running, one item done, the rest pending.
        first = bulk_operations.operation_items(session, op)[0]
        first.status, first.request_id, first.after = "succeeded", "req_before_crash", {}
        op.status, op.attempts = "running", 1
        session.commit()
        op_id, first_path = op.id, f"/organization/projects/{p0}/rate_limits/{first.target_id}"
    total = len(limits_by_id(world.org, p0))

    page = admin.get(f"/governance/operations/{op_id}?org=acme").text
    assert 'data-state="interrupted"' in page and "data-interrupted" in page
    assert "data-resume" in page and "data-poll" not in page and 'http-equiv="refresh"' not in page
    assert f"Resume runs its {total - 1} unfinished or failed items" in page
    data = admin.get(f"/api/v1/operations/{op_id}?org=acme").json()
    assert data["state"] == "interrupted" and data["status"] == "running"
    assert 'data-state="interrupted"' in admin.get("/governance/operations?org=acme").text

    resumed = post(admin, f"/governance/operations/{op_id}/retry?org=acme")
    assert resumed.status_code == 303
    assert runner(app).wait(op_id, WAIT)
    data = admin.get(f"/api/v1/operations/{op_id}?org=acme").json()
    assert data["state"] == "succeeded" and data["attempts"] == 2
    assert data["counts"]["succeeded"] == total
    assert update_calls(world, p0) == total - 1
    assert not world.fake.calls(first_path, "POST")  # the item done before is not run again
