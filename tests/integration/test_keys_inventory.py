"""API-key inventory, hygiene flags, cost per key and revocation against the fake Admin API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_keys, remove_member
from tests.fakes.harness import Connected, connect
from usage_tracker.domain.money import to_nanos
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.governance import bulk
from usage_tracker.services.governance.key_revocation import UnknownKeys, revoke_keys
from usage_tracker.services.governance.keys_inventory import (
    filter_keys,
    key_inventory,
    key_json,
    refresh_key_inventory,
)
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.orgs.organizations import ensure_organization


@pytest.fixture
def world() -> Connected:
    org = build_org(seed=11, days=3, projects=3, users=10, archived=1)
    p0 = org.projects[0]
    owner = next(m.user_id for m in org.project_users if m.project_id == p0.id)
    add_keys(org, p0.id, 120, owner)
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


def now_of(world: Connected) -> datetime:
    return datetime.fromtimestamp(world.org.now, tz=UTC)


def test_inventory_pages_past_100_keys_resolves_owners_and_flags_hygiene(
    world: Connected, session: Session, org_id: int
) -> None:
    p0, p1 = world.org.projects[0].id, world.org.projects[1].id
    user_key = next(k for k in world.org.api_keys if k.project_id == p1 and k.owner_type == "user")
    remove_member(world.org, user_key.owner_id)
    other = next(
        k
        for k in world.org.api_keys
        if k.project_id == p1 and k.owner_type == "user" and k.owner_id != user_key.owner_id
    )
    world.org.project_users[:] = [
        m
        for m in world.org.project_users
        if not (m.project_id == p1 and m.user_id == other.owner_id)
    ]
    inventory = refresh_key_inventory(session, world.client, org_id)
    assert len(world.fake.calls(f"/organization/projects/{p0}/api_keys")) == 2
    assert len(inventory.keys) == len(world.org.api_keys)
    assert inventory.admin_keys and inventory.admin_keys[0]["redacted_value"].startswith("sk-admin")
    now = now_of(world)
    rows = {k.id: k for k in inventory.keys}
    assert rows[user_key.id].owner_email and rows[user_key.id].owner_type == "user"
    assert "owner_departed" in rows[user_key.id].flags(now)
    assert "owner_no_project_access" in rows[other.id].flags(now)
    account_key = next(k for k in inventory.keys if k.owner_type == "service_account")
    assert account_key.owner_name and account_key.owner_name.endswith("bot")
    assert "owner_departed" not in account_key.flags(now)
    never = filter_keys(inventory.keys, "never_used", now)
    assert len(never) == sum(1 for k in world.org.api_keys if k.last_used_at is None)
    assert len(filter_keys(inventory.keys, "stale", now, stale_days=0)) == len(
        inventory.keys
    ) - len(never)
    assert filter_keys(inventory.keys, "stale", now, stale_days=2) == []
    out = key_json(rows[user_key.id], now)
    for field in (
        "id",
        "name",
        "project_id",
        "owner_type",
        "owner_name",
        "owner_email",
        "created_at",
        "last_used_at",
        "flags",
    ):
        assert field in out


def test_cost_over_30_days_comes_from_the_ledger_where_costs_have_key_ids(
    world: Connected,
    session: Session,
    session_factory: sessionmaker[Session],
    org_id: int,
    tmp_path: Path,
) -> None:
    key = world.org.api_keys[0]
    day = world.org.now - world.org.now % 86_400 - 86_400
    doc = {
        "object": "page",
        "has_more": False,
        "next_page": None,
        "data": [
            {
                "object": "bucket",
                "start_time": day,
                "end_time": day + 86_400,
                "results": [
                    {
                        "object": "organization.costs.result",
                        "amount": {"value": 12.5, "currency": "usd"},
                        "line_item": "gpt-4o-2024-08-06, input",
                        "project_id": key.project_id,
                        "api_key_id": key.id,
                    }
                ],
            }
        ],
    }
    path = tmp_path / "costs.json"
    path.write_text(json.dumps(doc))
    import_file(session_factory, "acme", path)
    refresh_key_inventory(session, world.client, org_id)
    inventory = key_inventory(session, org_id, now=now_of(world))
    costs = {k.id: k.cost_30d_nanos for k in inventory.keys}
    assert costs[key.id] == to_nanos("12.5")
    assert (
        key_json(next(k for k in inventory.keys if k.id == key.id), now_of(world))["cost_30d_usd"]
        == "12.50"
    )


def test_revoke_previews_then_deletes_and_audits_each_key(
    world: Connected, session: Session, org_id: int
) -> None:
    refresh_key_inventory(session, world.client, org_id)
    ids = [k.id for k in world.org.api_keys[:3]]
    preview = revoke_keys(session, world.client, org_id, ids, actor="ann", dry_run=True)
    assert preview.operation is None and [k.id for k in preview.plan.keys] == ids
    assert preview.plan.confirmation.startswith("Revoke 3 API keys")
    assert all(any(k.id == i for k in world.org.api_keys) for i in ids)

    with pytest.raises(UnknownKeys):
        revoke_keys(session, world.client, org_id, ["key_nope"], actor="ann")

    world.fake.inject(
        f"/organization/projects/{world.org.api_keys[2].project_id}/api_keys/{ids[2]}",
        Fault.server_error(),
    )
    result = revoke_keys(session, world.client, org_id, ids, actor="ann")
    assert result.operation is not None and result.operation.status == "partial"
    remaining = {k.id for k in world.org.api_keys}
    assert ids[0] not in remaining and ids[1] not in remaining and ids[2] in remaining
    bulk.retry_failed(session, world.client, result.operation)
    assert ids[2] not in {k.id for k in world.org.api_keys}
    assert not {k.id for k in key_inventory(session, org_id).keys} & set(ids)
    entries = list_audit(session, AuditFilter(org_id, action="api_key.delete"), limit=None)
    assert [e.result for e in entries].count("ok") == 3 and [e.result for e in entries].count(
        "failed"
    ) == 1
    assert all(e.request_id for e in entries)
    assert entries[0].before["redacted_value"].startswith("sk-proj-")


def test_a_key_without_read_scope_says_which_scope(
    world: Connected, session: Session, org_id: int
) -> None:
    world.fake.inject("/organization/projects/*/api_keys", Fault.forbidden("api.management.read"))
    with pytest.raises(AdminApiError, match=r"lacks the api\.management\.read scope"):
        refresh_key_inventory(session, world.client, org_id)
    assert key_inventory(session, org_id).fetched_at is None
