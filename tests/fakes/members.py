"""Stateful handlers for access changes: users leaving, invites, project users, service accounts.

Registered ahead of `routes.ROUTES` (see the end of routes.py), so a removed user moves to
`org.former_users` (keys they own stay, as on OpenAI) and invites keep the projects they grant.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes import serialize as s
from tests.fakes.buckets import BadRequest, Query
from tests.fakes.org import FakeApiKey, FakeInvite, FakeOrg, FakeProjectUser, FakeServiceAccount
from tests.fakes.routes import Answer, NotFound, _project, _user, paginate

_rng = random.Random(7)
P = "/organization/projects/([^/]+)"


def _new_id(prefix: str) -> str:
    return prefix + "".join(_rng.choices(string.ascii_letters + string.digits, k=16))


@dataclass
class FakeInviteGrant(FakeInvite):
    """An invite with the project memberships it grants on acceptance."""

    projects: list[dict[str, str]] = field(default_factory=list)


def _invite(i: FakeInvite) -> dict[str, Any]:
    out = s.invite(i)
    out["projects"] = list(getattr(i, "projects", []))
    return out


def list_invites(org: FakeOrg, q: Query, _body: Any) -> Answer:
    return 200, paginate([_invite(i) for i in org.invites], q)


def create_invite(org: FakeOrg, q: Query, body: Any) -> Answer:
    body = body or {}
    email, role = body.get("email"), body.get("role")
    if not isinstance(email, str) or "@" not in email:
        raise BadRequest("email must be an e-mail address", "email")
    if role not in ("owner", "reader"):
        raise BadRequest("role must be 'owner' or 'reader'", "role")
    if any(u.email == email for u in org.users):
        raise BadRequest(f"{email} is already a member of this organization.", "email")
    if any(i.email == email and i.status == "pending" for i in org.invites):
        raise BadRequest(f"{email} already has a pending invite.", "email")
    projects = body.get("projects") or []
    for grant in projects:
        _project(org, grant.get("id", ""), active=True)
        if grant.get("role") not in ("owner", "member"):
            raise BadRequest("project role must be 'owner' or 'member'", "projects")
    invite = FakeInviteGrant(
        _new_id("invite-"), email, role, "pending", org.now, org.now + 7 * 86_400, list(projects)
    )
    org.invites.append(invite)
    return 200, _invite(invite)


def delete_invite(org: FakeOrg, q: Query, _body: Any, iid: str) -> Answer:
    found = next((i for i in org.invites if i.id == iid), None)
    if found is None:
        raise NotFound(f"No invite found with id '{iid}'.")
    if found.status != "pending":
        raise BadRequest(f"Invite {iid} is {found.status} and cannot be deleted.", "invite_id")
    org.invites.remove(found)
    return 200, {"object": "organization.invite.deleted", "id": iid, "deleted": True}


def delete_user(org: FakeOrg, q: Query, _body: Any, uid: str) -> Answer:
    user = _user(org, uid)
    org.users.remove(user)
    org.former_users.append(user)
    org.project_users[:] = [m for m in org.project_users if m.user_id != uid]
    return 200, {"object": "organization.user.deleted", "id": uid, "deleted": True}


def _membership(org: FakeOrg, pid: str, uid: str) -> FakeProjectUser:
    _project(org, pid, active=True)
    for m in org.project_users:
        if m.project_id == pid and m.user_id == uid:
            return m
    raise NotFound(f"No user '{uid}' in project '{pid}'.")


def add_project_user(org: FakeOrg, q: Query, body: Any, pid: str) -> Answer:
    _project(org, pid, active=True)
    body = body or {}
    role = body.get("role")
    if role not in ("owner", "member"):
        raise BadRequest("role must be 'owner' or 'member'", "role")
    user = org.user(body.get("user_id") or "") or next(
        (u for u in org.users if body.get("email") and u.email == body.get("email")), None
    )
    if user is None:
        raise BadRequest("The user is not a member of this organization.", "user_id")
    if any(m.project_id == pid and m.user_id == user.id for m in org.project_users):
        raise BadRequest(f"User {user.id} is already a member of project {pid}.", "user_id")
    membership = FakeProjectUser(user.id, pid, role, org.now)
    org.project_users.append(membership)
    return 200, s.project_user(org, membership)


def modify_project_user(org: FakeOrg, q: Query, body: Any, pid: str, uid: str) -> Answer:
    membership = _membership(org, pid, uid)
    role = (body or {}).get("role")
    if role not in ("owner", "member"):
        raise BadRequest("role must be 'owner' or 'member'", "role")
    membership.role = role
    return 200, s.project_user(org, membership)


def get_project_user(org: FakeOrg, q: Query, _body: Any, pid: str, uid: str) -> Answer:
    return 200, s.project_user(org, _membership(org, pid, uid))


def remove_project_user(org: FakeOrg, q: Query, _body: Any, pid: str, uid: str) -> Answer:
    org.project_users.remove(_membership(org, pid, uid))
    return 200, {"object": "organization.project.user.deleted", "id": uid, "deleted": True}


def create_service_account(org: FakeOrg, q: Query, body: Any, pid: str) -> Answer:
    _project(org, pid, active=True)
    name = (body or {}).get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name is required", "name")
    account = FakeServiceAccount(_new_id("svc_acct_"), pid, name, "member", org.now)
    org.service_accounts.append(account)
    value = "sk-svcacct-" + "".join(_rng.choices(string.ascii_letters, k=40))
    key = FakeApiKey(
        _new_id("key_"), pid, "Secret Key", f"sk-svcacct-***{value[-4:]}", org.now, None,
        "service_account", account.id,
    )  # fmt: skip
    org.api_keys.append(key)
    answer = s.service_account(account)
    answer["api_key"] = {
        "object": "organization.project.service_account.api_key",
        "value": value,
        "name": key.name,
        "created_at": key.created_at,
        "id": key.id,
    }
    return 200, answer


def delete_service_account(org: FakeOrg, q: Query, _body: Any, pid: str, aid: str) -> Answer:
    _project(org, pid)
    account = org.service_account(aid)
    if account is None or account.project_id != pid:
        raise NotFound(f"No service account found with id '{aid}' in project '{pid}'.")
    org.service_accounts.remove(account)
    org.api_keys[:] = [
        k for k in org.api_keys if not (k.owner_type == "service_account" and k.owner_id == aid)
    ]
    return 200, {
        "object": "organization.project.service_account.deleted",
        "id": aid,
        "deleted": True,
    }


MEMBER_ROUTES: list[tuple[str, str, Callable[..., Answer]]] = [
    ("GET", "/organization/invites", list_invites),
    ("POST", "/organization/invites", create_invite),
    ("DELETE", "/organization/invites/([^/]+)", delete_invite),
    ("DELETE", "/organization/users/([^/]+)", delete_user),
    ("POST", P + "/users", add_project_user),
    ("GET", P + "/users/([^/]+)", get_project_user),
    ("POST", P + "/users/([^/]+)", modify_project_user),
    ("DELETE", P + "/users/([^/]+)", remove_project_user),
    ("POST", P + "/service_accounts", create_service_account),
    ("DELETE", P + "/service_accounts/([^/]+)", delete_service_account),
]
