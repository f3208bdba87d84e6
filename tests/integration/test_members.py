"""Members and access against the stateful fake Admin API: every answer checked against the spec."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_keys
from tests.fakes.harness import Connected, connect
from tests.fakes.org import FakeUser
from usage_tracker.db.models import Organization
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.governance.keys_inventory import refresh_key_inventory
from usage_tracker.services.members.invites import create_invite, refresh_invites, revoke_invite
from usage_tracker.services.members.project_memberships import (
    ADD,
    REMOVE,
    MemberFilters,
    apply_memberships,
    member_rows,
    plan_memberships,
)
from usage_tracker.services.members.roster import (
    plan_remove,
    refresh_access,
    remove_member,
    roster,
    set_role,
)
from usage_tracker.services.members.service_accounts import (
    create_account,
    delete_account,
    list_accounts,
)
from usage_tracker.services.orgs.organizations import ensure_organization

ACTOR = "test:ada"


@pytest.fixture
def world() -> Connected:
    org = build_org(seed=31, days=2, projects=3, users=130, archived=1)
    return connect(org, max_retries=0)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def org(session: Session) -> Organization:
    o = ensure_organization(session, "acme")
    session.commit()
    return o


def now_of(world: Connected) -> datetime:
    return datetime.fromtimestamp(world.org.now, tz=UTC)


def test_members_page_past_100_with_roles_and_projects(
    world: Connected, session: Session, org: Organization
) -> None:
    r = refresh_access(session, world.client, org.id)
    assert len(world.fake.calls("/organization/users")) == 2
    assert len(r.members) == 130 == len(world.org.users)
    _, rows = member_rows(session, org, now=now_of(world))
    assert len(rows) == 130
    m = world.org.project_users[0]
    row = next(x for x in rows if x.id == m.user_id)
    assert {"id": m.project_id, "role": m.role} in [
        {"id": p["id"], "role": p["role"]} for p in row.projects
    ]
    owners = {u.id for u in world.org.users if u.role == "owner"}
    _, only_owners = member_rows(session, org, MemberFilters(role="owner"), now=now_of(world))
    assert {x.id for x in only_owners} == owners
    _, in_project = member_rows(
        session, org, MemberFilters(project=m.project_id), now=now_of(world)
    )
    expected = {x.user_id for x in world.org.project_users if x.project_id == m.project_id}
    assert {x.id for x in in_project} == expected
    user = world.org.users[5]
    _, found = member_rows(session, org, MemberFilters(q=user.email.upper()), now=now_of(world))
    assert [x.id for x in found] == [user.id]
    keys = set(row.to_json())
    assert {"id", "name", "email", "role", "added_at", "projects"} <= keys


def test_role_change_round_trip_is_audited_with_request_ids(
    world: Connected, session: Session, org: Organization
) -> None:
    refresh_access(session, world.client, org.id)
    user = next(u for u in world.org.users if u.role == "reader")
    set_role(session, world.client, org.id, user.id, "owner", actor=ACTOR)
    assert world.org.user(user.id).role == "owner"  # type: ignore[union-attr]
    assert roster(session, org.id).members[user.id]["role"] == "owner"
    set_role(session, world.client, org.id, user.id, "reader", actor=ACTOR)
    assert world.org.user(user.id).role == "reader"  # type: ignore[union-attr]
    entries = list_audit(session, AuditFilter(org.id, action="member.set_role"))
    assert [(e.before, e.after) for e in entries] == [
        ({"role": "owner"}, {"role": "reader"}),
        ({"role": "reader"}, {"role": "owner"}),
    ]
    assert all(e.result == "ok" and (e.request_id or "").startswith("req_") for e in entries)
    refresh_access(session, world.client, org.id)
    assert roster(session, org.id).members[user.id]["role"] == "reader"


def test_removal_preview_lists_owned_keys_and_projects_then_removes(
    world: Connected, session: Session, org: Organization
) -> None:
    p0 = world.org.projects[0].id
    owner = next(m.user_id for m in world.org.project_users if m.project_id == p0)
    added = add_keys(world.org, p0, 3, owner)
    refresh_access(session, world.client, org.id)
    refresh_key_inventory(session, world.client, org.id)
    plan = plan_remove(session, org.id, owner)
    assert {k.id for k in added} <= {k.id for k in plan.keys}
    assert all(k.owner_id == owner for k in plan.keys)
    joined = {m.project_id for m in world.org.project_users if m.user_id == owner}
    assert {p["id"] for p in plan.projects} == joined
    assert f"{len(plan.keys)} API key(s) they own" in plan.confirmation
    remove_member(session, world.client, org.id, owner, actor=ACTOR)
    assert world.org.user(owner) is None
    assert not any(m.user_id == owner for m in world.org.project_users)
    assert owner not in roster(session, org.id).members
    (entry,) = list_audit(session, AuditFilter(org.id, action="member.remove"))
    assert entry.result == "ok" and entry.request_id
    assert set(entry.before["keys_owned"]) == {k.id for k in plan.keys}


def test_a_failing_call_is_surfaced_with_its_message_and_audited(
    world: Connected, session: Session, org: Organization
) -> None:
    refresh_access(session, world.client, org.id)
    user = world.org.users[3]
    world.fake.inject(f"/organization/users/{user.id}", Fault.forbidden("api.management.write"))
    with pytest.raises(AdminApiError) as caught:
        set_role(session, world.client, org.id, user.id, "owner", actor=ACTOR)
    assert "api.management.write" in str(caught.value)
    (entry,) = list_audit(session, AuditFilter(org.id, action="member.set_role"))
    assert entry.result == "failed" and "api.management.write" in (entry.detail or "")
    assert roster(session, org.id).members[user.id]["role"] == user.role


def test_bulk_membership_add_and_remove_across_projects(
    world: Connected, session: Session, org: Organization
) -> None:
    refresh_access(session, world.client, org.id)
    active = [p.id for p in world.org.projects if not p.archived_at]
    archived = [p.id for p in world.org.projects if p.archived_at]
    user = world.org.users[-1]
    world.org.project_users[:] = [m for m in world.org.project_users if m.user_id != user.id]
    refresh_access(session, world.client, org.id)
    plan = plan_memberships(session, org.id, ADD, [user.id], active + archived, "member")
    assert len(plan.todo) == len(active)
    assert [i.skip for i in plan.skipped] == ["the project is archived"] * len(archived)
    world.fake.inject(f"/organization/projects/{active[0]}/users", Fault.server_error(500))
    result = apply_memberships(session, world.client, org.id, plan, actor=ACTOR)
    assert [r.status for r in result.results if r.item.project_id == active[0]] == ["failed"]
    assert "500" in (result.failed[0].error or "")
    joined = {m.project_id for m in world.org.project_users if m.user_id == user.id}
    assert joined == set(active[1:])
    again = plan_memberships(session, org.id, ADD, [user.id], active, "member")
    assert len(again.todo) == 1
    remove = plan_memberships(session, org.id, REMOVE, [user.id], active, None)
    apply_memberships(session, world.client, org.id, remove, actor=ACTOR)
    assert not any(m.user_id == user.id for m in world.org.project_users)
    entries = list_audit(session, AuditFilter(org.id, action="project_member."))
    assert sorted(e.result for e in entries) == ["failed"] + ["ok"] * (2 * len(active) - 2)


def test_invites_create_list_revoke(world: Connected, session: Session, org: Organization) -> None:
    pid = world.org.projects[0].id
    row, request_id = create_invite(
        session, world.client, org.id, "new@example.com", "reader", [(pid, "owner")], actor=ACTOR
    )
    assert request_id and row.status == "pending"
    sent = next(i for i in world.org.invites if i.id == row.id)
    assert sent.projects == [{"id": pid, "role": "owner"}]
    assert row.id in {i.id for i in refresh_invites(session, world.client, org.id)}
    with pytest.raises(AdminApiError, match="already a member"):
        create_invite(
            session, world.client, org.id, world.org.users[0].email, "reader", actor=ACTOR
        )
    revoke_invite(session, world.client, org.id, row.id, actor=ACTOR)
    assert row.id not in {i.id for i in world.org.invites}
    actions = [e.action for e in list_audit(session, AuditFilter(org.id, action="invite."))]
    assert sorted(actions) == ["invite.create", "invite.create", "invite.revoke"]


def test_service_account_key_is_returned_once_and_never_stored(
    world: Connected, session: Session, org: Organization
) -> None:
    pid = world.org.projects[0].id
    created, request_id = create_account(session, world.client, org.id, pid, "ci", actor=ACTOR)
    assert created.key_value and created.key_value.startswith("sk-svcacct-")
    assert created.key_value not in repr(created)
    assert created.account.id in {a.id for a in list_accounts(world.client, pid)}
    (entry,) = list_audit(session, AuditFilter(org.id, action="service_account.create"))
    assert entry.request_id == request_id and created.key_value not in str(entry.after)
    assert entry.after["api_key_id"] == created.key_id
    delete_account(session, world.client, org.id, pid, created.account.id, actor=ACTOR)
    assert world.org.service_account(created.account.id) is None
    assert not any(k.owner_id == created.account.id for k in world.org.api_keys)


def test_member_of_many_owns_stale_keys_and_inactivity_filters(
    world: Connected, session: Session, org: Organization
) -> None:
    p0 = world.org.projects[0].id
    user: FakeUser = world.org.users[7]
    add_keys(world.org, p0, 2, user.id)
    refresh_access(session, world.client, org.id)
    refresh_key_inventory(session, world.client, org.id)
    now = now_of(world)
    _, stale = member_rows(session, org, MemberFilters(stale_keys=True, stale_days=0), now=now)
    assert user.id in {x.id for x in stale}
    _, idle = member_rows(session, org, MemberFilters(inactive_days=30), now=now)
    assert user.id not in {x.id for x in idle}  # one of their keys was used a day ago
    assert idle and all(x.id != user.id for x in idle)
