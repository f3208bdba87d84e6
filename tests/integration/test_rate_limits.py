"""Rate-limit matrix, edits, disable and restore against the stateful fake Admin API."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_rate_limits, limits_by_id, not_editable
from tests.fakes.harness import Connected, connect
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.governance import bulk, bulk_operations
from usage_tracker.services.governance.project_disable import (
    NothingToRestore,
    active_snapshot,
    disable_project,
    restore_project,
)
from usage_tracker.services.governance.rate_limits import (
    edit_rate_limit,
    matrix_age,
    rate_limit_matrix,
    refresh_rate_limits,
)
from usage_tracker.services.orgs.organizations import ensure_organization


@pytest.fixture
def world() -> Connected:
    org = build_org(seed=5, days=3, projects=4, users=8)
    add_rate_limits(org, org.projects[0].id, 130)
    return connect(org, max_retries=0)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Session:
    with session_factory() as s:
        yield s  # type: ignore[misc]


@pytest.fixture
def org_id(session: Session) -> int:
    org = ensure_organization(session, "acme")
    session.commit()
    return org.id


def test_refresh_pages_past_100_limits_and_the_matrix_has_every_field(
    world: Connected, session: Session, org_id: int
) -> None:
    p0 = world.org.projects[0].id
    n = refresh_rate_limits(session, world.client, org_id)
    active = [p for p in world.org.projects if not p.archived_at]
    expected = [r for r in world.org.rate_limits if r.project_id in {p.id for p in active}]
    assert n == len(expected)
    pages = world.fake.calls(f"/organization/projects/{p0}/rate_limits", "GET")
    assert len(pages) == 2 and pages[1].query["after"]
    rows = rate_limit_matrix(session, org_id)
    assert len(rows) == len(expected)
    assert matrix_age(rows) is not None
    ft = next(r for r in rows if r.id == f"rl-ft-129-{p0[-6:]}")
    assert ft.to_json()["max_requests_per_1_day"] == 50_129
    assert ft.limits == {
        "max_requests_per_1_minute": 229,
        "max_tokens_per_1_minute": 10_129,
        "max_requests_per_1_day": 50_129,
    }
    assert len(rate_limit_matrix(session, org_id, project_id=p0)) == 11 + 130
    assert {r.model for r in rate_limit_matrix(session, org_id, search="dall-e")} == {"dall-e-3"}


def test_edit_one_limit_changes_the_api_the_store_and_the_audit_log(
    world: Connected, session: Session, org_id: int
) -> None:
    p1 = world.org.projects[1].id
    limit = next(r for r in world.org.rate_limits if r.project_id == p1)
    op = edit_rate_limit(
        session, world.client, org_id, p1, limit.id, {"max_tokens_per_1_minute": 1234}, actor="ann"
    )
    assert op.status == "succeeded"
    assert limit.limits["max_tokens_per_1_minute"] == 1234
    row = next(r for r in rate_limit_matrix(session, org_id, project_id=p1) if r.id == limit.id)
    assert row.limits["max_tokens_per_1_minute"] == 1234
    entry = list_audit(session, AuditFilter(org_id, action="rate_limit.update"))[0]
    assert entry.actor == "ann" and entry.result == "ok"
    assert entry.target_id == f"{p1}/{limit.id}"
    assert entry.before["max_tokens_per_1_minute"] == 2_000_000
    assert entry.after["max_tokens_per_1_minute"] == 1234
    assert entry.request_id and entry.request_id.startswith("req_fake")


def test_disable_then_restore_leaves_the_limits_exactly_as_before(
    world: Connected, session: Session, org_id: int
) -> None:
    p0 = world.org.projects[0].id
    before = limits_by_id(world.org)
    locked = f"rl-tts-1-{p0[-6:]}"
    world.fake.inject(f"/organization/projects/{p0}/rate_limits/{locked}", not_editable())

    preview = disable_project(session, world.client, org_id, p0, actor="ann", dry_run=True)
    assert len(preview.plan.items) == 141 and preview.operation is None
    assert limits_by_id(world.org) == before
    assert active_snapshot(session, org_id, p0) is None

    result = disable_project(session, world.client, org_id, p0, actor="ann", reason="over budget")
    assert result.operation is not None and result.operation.status == "succeeded"
    items = bulk_operations.operation_items(session, result.operation)
    skipped = [i for i in items if i.status == "skipped"]
    assert [i.label for i in skipped] == ["tts-1"]
    assert "cannot be edited" in (skipped[0].error or "")
    after = limits_by_id(world.org, p0)
    assert all(v["max_requests_per_1_minute"] == 0 for k, v in after.items() if k != locked)
    assert after[locked] == before[locked]
    assert rate_limit_matrix(session, org_id, project_id=p0)[0].disabled

    again = disable_project(session, world.client, org_id, p0, actor="ann")
    assert again.snapshot_id == result.snapshot_id  # the first snapshot is kept
    assert [i.label for i in again.plan.items] == ["tts-1"]  # only what is not yet 0
    assert again.operation is not None
    again_items = bulk_operations.operation_items(session, again.operation)
    assert [i.status for i in again_items] == ["skipped"]

    restored = restore_project(session, world.client, org_id, p0, actor="ann")
    assert restored.operation is not None and restored.operation.status == "succeeded"
    assert limits_by_id(world.org) == before
    assert active_snapshot(session, org_id, p0) is None
    with pytest.raises(NothingToRestore):
        restore_project(session, world.client, org_id, p0, actor="ann")

    updates = list_audit(session, AuditFilter(org_id, action="rate_limit.update"), limit=None)
    assert len(updates) == 141 + 1 + 140  # two disables (tts-1 skipped twice), one restore
    assert all(e.request_id for e in updates)
    assert {e.result for e in updates} == {"ok", "skipped"}
    project_entries = list_audit(session, AuditFilter(org_id, target_type="project"))
    assert [e.action for e in project_entries][:3] == [
        "project.restore",
        "project.disable",
        "project.disable",
    ]


def test_a_partial_disable_is_reported_retried_for_failed_items_only_and_restores_exactly(
    world: Connected, session: Session, org_id: int
) -> None:
    p1 = world.org.projects[1].id
    before = limits_by_id(world.org)
    ids = [r.id for r in world.org.rate_limits if r.project_id == p1]
    failing = ids[2:5]
    for rid in failing:
        world.fake.inject(f"/organization/projects/{p1}/rate_limits/{rid}", Fault.server_error())
    result = disable_project(session, world.client, org_id, p1, actor="ann")
    op = result.operation
    assert op is not None and op.status == "partial"
    failed = [i for i in bulk_operations.operation_items(session, op) if i.status == "failed"]
    assert sorted(i.target_id for i in failed) == sorted(failing)
    assert all("500" in (i.error or "") for i in failed)
    failures = list_audit(session, AuditFilter(org_id, result="failed", action="rate_limit."))
    assert sorted(e.target_id for e in failures) == sorted(f"{p1}/{rid}" for rid in failing)

    calls_before = len(world.fake.calls(method="POST"))
    bulk.retry_failed(session, world.client, op)
    retried = world.fake.calls(method="POST")[calls_before:]
    assert sorted(c.path.rsplit("/", 1)[1] for c in retried) == sorted(failing)
    assert op.status == "succeeded" and op.attempts == 2
    assert all(v["max_requests_per_1_minute"] == 0 for v in limits_by_id(world.org, p1).values())

    restore_project(session, world.client, org_id, p1, actor="ann")
    assert limits_by_id(world.org) == before


def test_permission_errors_name_the_missing_scope(
    world: Connected, session: Session, org_id: int
) -> None:
    p1 = world.org.projects[1].id
    world.fake.inject(
        "/organization/projects/*/rate_limits/*",
        Fault.forbidden("api.management.write", times=None),
    )
    result = disable_project(session, world.client, org_id, p1, actor="ann")
    assert result.operation is not None and result.operation.status == "failed"
    items = bulk_operations.operation_items(session, result.operation)
    assert all("api.management.write" in (i.error or "") for i in items)
    entries = list_audit(session, AuditFilter(org_id, result="failed"), limit=None)
    assert len(entries) == len(items) + 1
    assert all(e.request_id for e in entries if e.action == "rate_limit.update")

    world.fake.inject("/organization/projects", Fault.forbidden("api.management.read"))
    with pytest.raises(AdminApiError, match=r"api\.management\.read") as caught:
        refresh_rate_limits(session, world.client, org_id)
    assert caught.value.missing_scope == "api.management.read"


def test_bulk_runs_report_each_finished_item(
    world: Connected, session: Session, org_id: int
) -> None:
    p0 = world.org.projects[0].id
    refresh_rate_limits(session, world.client, org_id)
    seen: list[tuple[int, int, str]] = []
    with bulk.reporting(lambda done, total, item: seen.append((done, total, item.status))):
        result = disable_project(session, world.client, org_id, p0, actor="test")
    assert result.operation is not None
    total = len(result.plan.items)
    assert [done for done, _, _ in seen] == list(range(1, total + 1))
    assert {t for _, t, _ in seen} == {total}
    assert all(status in ("succeeded", "skipped") for _, _, status in seen)
    seen.clear()
    restore_project(session, world.client, org_id, p0, actor="test")
    assert seen == []  # outside the block nobody is told
