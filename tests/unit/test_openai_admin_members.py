"""The access-change calls through the SDK: results, request ids, validation, errors."""

from __future__ import annotations

import pytest

from tests.fakes import Fault, build_org
from tests.fakes.harness import Connected, connect
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.openai_admin.members import (
    add_project_user_call,
    create_invite_call,
    create_service_account_call,
    delete_invite_call,
    delete_service_account_call,
    delete_user_call,
    modify_project_user_call,
    modify_user_role_call,
    remove_project_user_call,
)


@pytest.fixture
def c() -> Connected:
    return connect(build_org(seed=71, days=1, projects=2, users=12), max_retries=0)


def test_user_role_and_removal_return_request_ids(c: Connected) -> None:
    user = c.org.users[1]
    member, request_id = modify_user_role_call(c.client, user.id, "owner")
    assert member.role == "owner" and member.user_id == user.id
    assert request_id and request_id.startswith("req_fake")
    deleted, request_id = delete_user_call(c.client, user.id)
    assert deleted and request_id and c.org.user(user.id) is None


def test_project_user_add_modify_remove(c: Connected) -> None:
    pid = c.org.projects[0].id
    user = next(
        u
        for u in c.org.users
        if not any(m.user_id == u.id and m.project_id == pid for m in c.org.project_users)
    )
    added, _ = add_project_user_call(c.client, pid, user.id, "member")
    assert (added.user_id, added.project_id, added.role) == (user.id, pid, "member")
    changed, _ = modify_project_user_call(c.client, pid, user.id, "owner")
    assert changed.role == "owner"
    removed, request_id = remove_project_user_call(c.client, pid, user.id)
    assert removed and request_id
    with pytest.raises(AdminApiError) as caught:
        remove_project_user_call(c.client, pid, user.id)
    assert caught.value.status == 404


def test_invite_with_projects_and_revoke(c: Connected) -> None:
    pid = c.org.projects[0].id
    invite, request_id = create_invite_call(c.client, "x@example.com", "reader", [(pid, "owner")])
    assert invite.status == "pending" and request_id
    body = c.fake.calls("/organization/invites", "POST")
    assert len(body) == 1
    deleted, _ = delete_invite_call(c.client, invite.id)
    assert deleted


def test_service_account_key_value_once_and_not_in_repr(c: Connected) -> None:
    pid = c.org.projects[0].id
    created, request_id = create_service_account_call(c.client, pid, " ci ")
    assert created.account.name == "ci" and created.key_id and request_id
    assert created.key_value and created.key_value not in repr(created)
    deleted, _ = delete_service_account_call(c.client, pid, created.account.id)
    assert deleted


def test_roles_are_checked_before_any_call(c: Connected) -> None:
    with pytest.raises(ValueError, match="owner, reader"):
        modify_user_role_call(c.client, "user-x", "admin")
    with pytest.raises(ValueError, match="owner, member"):
        add_project_user_call(c.client, "proj", "user-x", "reader")
    assert c.fake.requests == []


def test_permission_error_names_the_missing_scope_and_request_id(c: Connected) -> None:
    user = c.org.users[0]
    c.fake.inject(f"/organization/users/{user.id}", Fault.forbidden("api.management.write"))
    with pytest.raises(AdminApiError) as caught:
        modify_user_role_call(c.client, user.id, "reader")
    assert caught.value.missing_scope == "api.management.write"
    assert "api.management.write" in str(caught.value)
    assert caught.value.endpoint == f"POST /organization/users/{user.id}"
