"""Handlers for the organization's lists and objects (everything but usage and costs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes import audit_logs
from tests.fakes import serialize as s
from tests.fakes.buckets import BadRequest, Query, integer, one
from tests.fakes.org import FakeOrg, FakeProject


class NotFound(Exception):
    pass


Answer = tuple[int, Any]


def paginate(items: list[dict[str, Any]], query: Query, default: int = 20) -> dict[str, Any]:
    """Cursor pagination by id: `limit`, `after`, `before`, `order`."""
    limit = integer(query, "limit", default)
    assert limit is not None
    if not 1 <= limit <= 100:
        raise BadRequest(f"limit must be between 1 and 100, got {limit}", "limit")
    if one(query, "order") == "desc":
        items = list(reversed(items))
    ids = [item["id"] for item in items]
    after, before = one(query, "after"), one(query, "before")
    lo, hi = 0, len(items)
    if after:
        if after not in ids:
            raise BadRequest(f"No object with id {after!r} to page after", "after")
        lo = ids.index(after) + 1
    if before:
        if before not in ids:
            raise BadRequest(f"No object with id {before!r} to page before", "before")
        hi = ids.index(before)
        lo = max(lo, hi - limit)
    page = items[lo : min(hi, lo + limit)]
    return s.list_page(page, lo + limit < hi)


def _project(org: FakeOrg, project_id: str, *, active: bool = False) -> FakeProject:
    project = org.project(project_id)
    if project is None:
        raise NotFound(f"No project found with id '{project_id}'.")
    if active and project.archived_at:
        raise BadRequest(f"Project {project_id} is archived.", "project_id")
    return project


def list_projects(org: FakeOrg, q: Query, _body: Any) -> Answer:
    archived = one(q, "include_archived") == "true"
    items = [s.project(p) for p in org.projects if archived or not p.archived_at]
    return 200, paginate(items, q)


def get_project(org: FakeOrg, q: Query, _body: Any, pid: str) -> Answer:
    return 200, s.project(_project(org, pid))


def list_api_keys(org: FakeOrg, q: Query, _body: Any, pid: str) -> Answer:
    _project(org, pid)
    items = [s.api_key(org, k) for k in org.api_keys if k.project_id == pid]
    return 200, paginate(items, q)


def _key(org: FakeOrg, pid: str, kid: str):
    _project(org, pid)
    for k in org.api_keys:
        if k.id == kid and k.project_id == pid:
            return k
    raise NotFound(f"No API key found with id '{kid}' in project '{pid}'.")


def get_api_key(org: FakeOrg, q: Query, _body: Any, pid: str, kid: str) -> Answer:
    return 200, s.api_key(org, _key(org, pid, kid))


def delete_api_key(org: FakeOrg, q: Query, _body: Any, pid: str, kid: str) -> Answer:
    org.api_keys.remove(_key(org, pid, kid))
    return 200, {"object": "organization.project.api_key.deleted", "id": kid, "deleted": True}


def list_rate_limits(org: FakeOrg, q: Query, _body: Any, pid: str) -> Answer:
    _project(org, pid)
    items = [s.rate_limit(r) for r in org.rate_limits if r.project_id == pid]
    return 200, paginate(items, q, default=100)


def update_rate_limit(org: FakeOrg, q: Query, body: Any, pid: str, rid: str) -> Answer:
    _project(org, pid, active=True)
    limit = next((r for r in org.rate_limits if r.id == rid and r.project_id == pid), None)
    if limit is None:
        raise NotFound(f"No rate limit found with id '{rid}'.")
    ceiling = org.org_rate_limits.get(limit.model, {})
    for name, value in (body or {}).items():
        if name not in limit.limits and name not in ceiling:
            raise BadRequest(f"{name} cannot be set for model {limit.model}", name)
        if not isinstance(value, int) or value < 0:
            raise BadRequest(f"{name} must be a non-negative integer", name)
        if name in ceiling and value > ceiling[name]:
            raise BadRequest(
                f"{name} of {value} exceeds the organization's limit of {ceiling[name]}", name
            )
    limit.limits.update(body or {})
    return 200, s.rate_limit(limit)


def list_service_accounts(org: FakeOrg, q: Query, _body: Any, pid: str) -> Answer:
    _project(org, pid, active=True)
    items = [s.service_account(a) for a in org.service_accounts if a.project_id == pid]
    return 200, paginate(items, q)


def list_project_users(org: FakeOrg, q: Query, _body: Any, pid: str) -> Answer:
    _project(org, pid, active=True)
    items = [s.project_user(org, m) for m in org.project_users if m.project_id == pid]
    return 200, paginate(items, q)


def list_users(org: FakeOrg, q: Query, _body: Any) -> Answer:
    emails = set(q.get("emails", []) + q.get("emails[]", []))
    items = [s.user(u) for u in org.users if not emails or u.email in emails]
    return 200, paginate(items, q)


def _user(org: FakeOrg, uid: str):
    found = org.user(uid)
    if found is None:
        raise NotFound(f"No user found with id '{uid}'.")
    return found


def get_user(org: FakeOrg, q: Query, _body: Any, uid: str) -> Answer:
    return 200, s.user(_user(org, uid))


def modify_user(org: FakeOrg, q: Query, body: Any, uid: str) -> Answer:
    found = _user(org, uid)
    role = (body or {}).get("role")
    if role not in ("owner", "reader"):
        raise BadRequest("role must be 'owner' or 'reader'", "role")
    found.role = role
    return 200, s.user(found)


def delete_user(org: FakeOrg, q: Query, _body: Any, uid: str) -> Answer:
    org.users.remove(_user(org, uid))
    org.project_users[:] = [m for m in org.project_users if m.user_id != uid]
    return 200, {"object": "organization.user.deleted", "id": uid, "deleted": True}


def list_invites(org: FakeOrg, q: Query, _body: Any) -> Answer:
    return 200, paginate([s.invite(i) for i in org.invites], q)


def list_admin_keys(org: FakeOrg, q: Query, _body: Any) -> Answer:
    return 200, paginate([s.admin_key(k) for k in org.admin_keys], q)


def list_audit_logs(org: FakeOrg, q: Query, _body: Any) -> Answer:
    return 200, paginate([s.audit_log(e) for e in audit_logs.matching(org, q)], q)


def _spend_limit(org: FakeOrg, method: str, body: Any, pid: str | None) -> Answer:
    limits = org.project_spend_limits
    current = limits.get(pid) if pid else org.org_spend_limit
    deleted = {
        "object": f"{'project' if pid else 'organization'}.spend_limit.deleted",
        "deleted": True,
    }
    if method == "POST":
        cents = (body or {}).get("threshold_amount")
        if not isinstance(cents, int) or cents < 0:
            raise BadRequest("threshold_amount must be a non-negative integer", "threshold_amount")
        current = cents
    elif current is None:
        raise NotFound("No hard spend limit is configured.")
    if method == "DELETE":
        current = None
    if pid:
        if current is None:
            limits.pop(pid, None)
        else:
            limits[pid] = current
    else:
        org.org_spend_limit = current
    return (200, deleted) if current is None else (200, s.spend_limit(pid, current))


def org_spend_limit(org: FakeOrg, q: Query, body: Any, *, method: str = "GET") -> Answer:
    return _spend_limit(org, method, body, None)


def project_spend_limit(
    org: FakeOrg, q: Query, body: Any, pid: str, *, method: str = "GET"
) -> Answer:
    _project(org, pid)
    return _spend_limit(org, method, body, pid)


def org_spend_alerts(org: FakeOrg, q: Query, _body: Any) -> Answer:
    items = [s.spend_alert(a) for a in org.spend_alerts if a.project_id is None]
    return 200, paginate(items, q)


def project_spend_alerts(org: FakeOrg, q: Query, _body: Any, pid: str) -> Answer:
    _project(org, pid)
    items = [s.spend_alert(a) for a in org.spend_alerts if a.project_id == pid]
    return 200, paginate(items, q)


P = "/organization/projects/([^/]+)"
ROUTES: list[tuple[str, str, Callable[..., Answer]]] = [
    ("GET", "/organization/projects", list_projects),
    ("GET", P, get_project),
    ("GET", P + "/api_keys", list_api_keys),
    ("GET", P + "/api_keys/([^/]+)", get_api_key),
    ("DELETE", P + "/api_keys/([^/]+)", delete_api_key),
    ("GET", P + "/rate_limits", list_rate_limits),
    ("POST", P + "/rate_limits/([^/]+)", update_rate_limit),
    ("GET", P + "/service_accounts", list_service_accounts),
    ("GET", P + "/users", list_project_users),
    ("GET", P + "/spend_alerts", project_spend_alerts),
    ("*", P + "/spend_limit", project_spend_limit),
    ("GET", "/organization/users", list_users),
    ("GET", "/organization/users/([^/]+)", get_user),
    ("POST", "/organization/users/([^/]+)", modify_user),
    ("DELETE", "/organization/users/([^/]+)", delete_user),
    ("GET", "/organization/invites", list_invites),
    ("GET", "/organization/admin_api_keys", list_admin_keys),
    ("GET", "/organization/audit_logs", list_audit_logs),
    ("*", "/organization/spend_limit", org_spend_limit),
    ("GET", "/organization/spend_alerts", org_spend_alerts),
]

# Access changes (users leaving, invites, project users, service accounts) answer first.
from tests.fakes.members import MEMBER_ROUTES  # noqa: E402

ROUTES[:0] = MEMBER_ROUTES
