"""Changes to who has access, through the Admin API: roles, removals, invites, project
memberships and service accounts.

Every function makes one SDK call and returns (the result as a plain record, OpenAI's request id
`x-request-id`); callers preview, confirm and audit. A failed call raises `AdminApiError`, which
names the missing scope on a 403 and carries the failed call's request id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import openai

from usage_tracker.domain.admin_records import Invite, ProjectMember, ServiceAccount
from usage_tracker.domain.records import Member
from usage_tracker.domain.roles import ORG_ROLES, PROJECT_ROLES
from usage_tracker.openai_admin.client import client_timeout
from usage_tracker.openai_admin.errors import admin_call
from usage_tracker.openai_admin.metadata import (
    invite_record,
    member_record,
    project_member_record,
    service_account_record,
)

T = TypeVar("T")
Result = tuple[T, str | None]


@dataclass(frozen=True, slots=True)
class CreatedServiceAccount:
    """A new service account and its API key; `key_value` is shown once and never stored."""

    account: ServiceAccount
    key_id: str | None
    key_name: str | None
    key_value: str | None

    def __repr__(self) -> str:  # the key never reaches a log line through repr
        return f"CreatedServiceAccount(account={self.account!r}, key_id={self.key_id!r})"


def _check(role: str, allowed: Sequence[str], what: str) -> None:
    if role not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, got {role!r}")


def _org(client: openai.OpenAI) -> Any:
    return client.admin.organization


def _raw(client: openai.OpenAI, endpoint: str, make: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run one `with_raw_response` call; (the parsed body, the request id)."""
    with admin_call(endpoint, client_timeout(client)):
        raw = make()
        parsed = raw.parse()
    return parsed, raw.headers.get("x-request-id")


def modify_user_role_call(client: openai.OpenAI, user_id: str, role: str) -> Result[Member]:
    """Set a member's organization role (`owner` or `reader`)."""
    _check(role, ORG_ROLES, "the organization role")
    users = _org(client).users.with_raw_response
    u, request_id = _raw(
        client, f"POST /organization/users/{user_id}", lambda: users.update(user_id, role=role)
    )
    return member_record(u), request_id


def delete_user_call(client: openai.OpenAI, user_id: str) -> Result[bool]:
    """Remove a member from the organization; True when the API confirms it."""
    users = _org(client).users.with_raw_response
    r, request_id = _raw(
        client, f"DELETE /organization/users/{user_id}", lambda: users.delete(user_id)
    )
    return bool(r.deleted), request_id


def create_invite_call(
    client: openai.OpenAI,
    email: str,
    role: str,
    projects: Sequence[tuple[str, str]] | None = None,
) -> Result[Invite]:
    """Invite `email` with an organization role, and (project id, project role) memberships."""
    _check(role, ORG_ROLES, "the organization role")
    for _pid, project_role in projects or ():
        _check(project_role, PROJECT_ROLES, "a project role")
    invites = _org(client).invites.with_raw_response
    extra: dict[str, Any] = {}
    if projects is not None:
        extra["projects"] = [{"id": pid, "role": r} for pid, r in projects]
    i, request_id = _raw(
        client,
        "POST /organization/invites",
        lambda: invites.create(email=email, role=role, **extra),
    )
    return invite_record(i), request_id


def delete_invite_call(client: openai.OpenAI, invite_id: str) -> Result[bool]:
    invites = _org(client).invites.with_raw_response
    r, request_id = _raw(
        client, f"DELETE /organization/invites/{invite_id}", lambda: invites.delete(invite_id)
    )
    return bool(r.deleted), request_id


def add_project_user_call(
    client: openai.OpenAI, project_id: str, user_id: str, role: str
) -> Result[ProjectMember]:
    """Make an organization member a member (or owner) of a project."""
    _check(role, PROJECT_ROLES, "the project role")
    users = _org(client).projects.users.with_raw_response
    u, request_id = _raw(
        client,
        f"POST /organization/projects/{project_id}/users",
        lambda: users.create(project_id, user_id=user_id, role=role),
    )
    return project_member_record(u, project_id), request_id


def modify_project_user_call(
    client: openai.OpenAI, project_id: str, user_id: str, role: str
) -> Result[ProjectMember]:
    _check(role, PROJECT_ROLES, "the project role")
    users = _org(client).projects.users.with_raw_response
    u, request_id = _raw(
        client,
        f"POST /organization/projects/{project_id}/users/{user_id}",
        lambda: users.update(user_id, project_id=project_id, role=role),
    )
    return project_member_record(u, project_id), request_id


def remove_project_user_call(client: openai.OpenAI, project_id: str, user_id: str) -> Result[bool]:
    users = _org(client).projects.users.with_raw_response
    r, request_id = _raw(
        client,
        f"DELETE /organization/projects/{project_id}/users/{user_id}",
        lambda: users.delete(user_id, project_id=project_id),
    )
    return bool(r.deleted), request_id


def create_service_account_call(
    client: openai.OpenAI, project_id: str, name: str
) -> Result[CreatedServiceAccount]:
    """Create a project service account; its API key's value is in the answer, once."""
    if not name.strip():
        raise ValueError("a service account needs a name")
    accounts = _org(client).projects.service_accounts.with_raw_response
    a, request_id = _raw(
        client,
        f"POST /organization/projects/{project_id}/service_accounts",
        lambda: accounts.create(project_id, name=name.strip()),
    )
    key = getattr(a, "api_key", None)
    account = service_account_record(a, project_id)
    created = CreatedServiceAccount(
        account,
        getattr(key, "id", None),
        getattr(key, "name", None),
        getattr(key, "value", None),
    )
    return created, request_id


def delete_service_account_call(
    client: openai.OpenAI, project_id: str, account_id: str
) -> Result[bool]:
    accounts = _org(client).projects.service_accounts.with_raw_response
    r, request_id = _raw(
        client,
        f"DELETE /organization/projects/{project_id}/service_accounts/{account_id}",
        lambda: accounts.delete(account_id, project_id=project_id),
    )
    return bool(r.deleted), request_id
