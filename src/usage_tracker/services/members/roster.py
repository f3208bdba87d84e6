"""Organization members: the stored roster of who has access to what, and changing a member's
organization role or removing them, each with a preview.

`refresh_access` reads members (every page), projects and every active project's members from the
Admin API into the `members` inventory snapshot (names also into the members table, for reports);
pages and previews read only the database. Every write goes through `audited_call`: the audit
log gets before/after and OpenAI's request id, or the failure with its message.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import InventorySnapshot
from usage_tracker.db.queries import inventory
from usage_tracker.domain.roles import ORG_ROLES
from usage_tracker.openai_admin import AdminApiError, list_members, list_project_members
from usage_tracker.openai_admin import list_projects as api_projects
from usage_tracker.openai_admin.members import delete_user_call, modify_user_role_call
from usage_tracker.services.audit.log import record_audit
from usage_tracker.services.governance.keys_inventory import KeyRow, key_inventory
from usage_tracker.services.ledger.names import upsert_members

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


KIND = inventory.MEMBERS
T = TypeVar("T")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Roster:
    """The stored snapshot: members, projects, memberships (project id → user id → role)."""

    members: dict[str, dict[str, Any]]
    projects: dict[str, dict[str, Any]]
    memberships: dict[str, dict[str, dict[str, Any]]]
    fetched_at: datetime | None

    def projects_of(self, user_id: str) -> list[dict[str, Any]]:
        out = []
        for pid, users in self.memberships.items():
            if user_id in users:
                name = self.projects.get(pid, {}).get("name")
                out.append({"id": pid, "name": name, "role": users[user_id].get("role")})
        return sorted(out, key=lambda p: ((p["name"] or p["id"]).lower(), p["id"]))


def roster(session: Session, organization_id: int) -> Roster:
    row = inventory.snapshot(session, organization_id, KIND)
    data: dict[str, Any] = row.data if row else {}
    return Roster(
        {m["id"]: dict(m) for m in data.get("members", [])},
        {pid: dict(p) for pid, p in data.get("projects", {}).items()},
        {
            pid: {u: dict(v) for u, v in us.items()}
            for pid, us in data.get("memberships", {}).items()
        },
        row.fetched_at if row else None,
    )


def save_roster(session: Session, organization_id: int, r: Roster) -> None:
    """Write the snapshot back (after a change made through the API); flushed, not committed."""
    row = inventory.snapshot(session, organization_id, KIND)
    if row is None:
        row = InventorySnapshot(organization_id=organization_id, kind=KIND)
        session.add(row)
        row.fetched_at = utcnow()
    elif r.fetched_at is not None:
        row.fetched_at = r.fetched_at
    row.data = {
        "members": sorted(r.members.values(), key=lambda m: m["id"]),
        "projects": r.projects,
        "memberships": r.memberships,
    }
    session.flush()


def refresh_access(
    session: Session, client: AdminClient, organization_id: int, *, max_workers: int = 8
) -> Roster:
    """Members (every page), projects and each active project's members, from the Admin API."""
    members = list_members(client)
    projects = api_projects(client, include_archived=True)
    active = [p for p in projects if not p.archived]
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        found = list(pool.map(lambda p: list_project_members(client, p.id), active))
    upsert_members(session, organization_id, members, source="api")
    r = Roster(
        {
            m.user_id: {
                "id": m.user_id,
                "name": m.name,
                "email": m.email,
                "role": m.role,
                "added_at": _iso(m.added_at),
            }
            for m in members
        },
        {p.id: {"name": p.name, "archived": p.archived} for p in projects},
        {
            p.id: {u.user_id: {"role": u.role, "added_at": _iso(u.added_at)} for u in us}
            for p, us in zip(active, found, strict=True)
        },
        utcnow(),
    )
    save_roster(session, organization_id, r)
    session.commit()
    return r


def audited_call(
    session: Session,
    call: Callable[[], tuple[T, str | None]],
    *,
    organization_id: int,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    before: Any,
    after: Callable[[T], Any],
) -> tuple[T, str | None]:
    """Make one Admin API write and audit it; (its result, OpenAI's request id). A failure is
    audited (and committed), then raised."""
    try:
        result, request_id = call()
    except AdminApiError as exc:
        record_audit(
            session, organization_id=organization_id, actor=actor, action=action,
            target_type=target_type, target_id=target_id, before=before, after=None,
            result="failed", request_id=exc.request_id, detail=str(exc),
        )  # fmt: skip
        session.commit()
        raise
    record_audit(
        session, organization_id=organization_id, actor=actor, action=action,
        target_type=target_type, target_id=target_id, before=before, after=after(result),
        result="ok", request_id=request_id,
    )  # fmt: skip
    return result, request_id


class UnknownMember(LookupError):
    def __init__(self, user_id: str) -> None:
        super().__init__(
            f"no member {user_id} in the stored list — refresh it (`usage-tracker members list`) "
            "and check the id"
        )


def member(session: Session, organization_id: int, user_id: str) -> dict[str, Any]:
    found = roster(session, organization_id).members.get(user_id)
    if found is None:
        raise UnknownMember(user_id)
    return found


@dataclass
class RolePlan:
    member: dict[str, Any]
    role: str

    @property
    def changes(self) -> bool:
        return self.member.get("role") != self.role


def plan_set_role(session: Session, organization_id: int, user_id: str, role: str) -> RolePlan:
    if role not in ORG_ROLES:
        raise ValueError(f"the organization role must be one of {', '.join(ORG_ROLES)}")
    return RolePlan(member(session, organization_id, user_id), role)


def set_role(
    session: Session,
    client: AdminClient,
    organization_id: int,
    user_id: str,
    role: str,
    *,
    actor: str,
) -> RolePlan:
    """Change a member's organization role through the API; audited with before/after."""
    plan = plan_set_role(session, organization_id, user_id, role)
    before = {"role": plan.member.get("role")}
    updated, _ = audited_call(
        session, lambda: modify_user_role_call(client, user_id, role),
        organization_id=organization_id, actor=actor, action="member.set_role",
        target_type="member", target_id=user_id, before=before,
        after=lambda m: {"role": m.role},
    )  # fmt: skip
    r = roster(session, organization_id)
    r.members[user_id]["role"] = updated.role
    save_roster(session, organization_id, r)
    session.commit()
    return RolePlan({**plan.member, "role": updated.role}, role)


@dataclass
class RemovalPlan:
    """What removing a member means: the projects they leave, the keys they own (which stay)."""

    member: dict[str, Any]
    projects: list[dict[str, Any]]
    keys: list[KeyRow]

    @property
    def confirmation(self) -> str:
        who = self.member.get("email") or self.member.get("name") or self.member["id"]
        return (
            f"Remove {who} from the organization? They leave {len(self.projects)} project(s); "
            f"{len(self.keys)} API key(s) they own stay until revoked."
        )


def plan_remove(session: Session, organization_id: int, user_id: str) -> RemovalPlan:
    r = roster(session, organization_id)
    found = r.members.get(user_id)
    if found is None:
        raise UnknownMember(user_id)
    keys = [
        k
        for k in key_inventory(session, organization_id).keys
        if k.owner_type == "user" and k.owner_id == user_id
    ]
    return RemovalPlan(found, r.projects_of(user_id), keys)


def remove_member(
    session: Session, client: AdminClient, organization_id: int, user_id: str, *, actor: str
) -> RemovalPlan:
    """Remove a member from the organization; audited with what they had before."""
    plan = plan_remove(session, organization_id, user_id)
    before = {
        "member": plan.member,
        "projects": plan.projects,
        "keys_owned": [k.id for k in plan.keys],
    }
    deleted, _ = audited_call(
        session, lambda: delete_user_call(client, user_id),
        organization_id=organization_id, actor=actor, action="member.remove",
        target_type="member", target_id=user_id, before=before,
        after=lambda ok: {"deleted": ok},
    )  # fmt: skip
    if deleted:
        r = roster(session, organization_id)
        r.members.pop(user_id, None)
        for users in r.memberships.values():
            users.pop(user_id, None)
        save_roster(session, organization_id, r)
    session.commit()
    return plan
