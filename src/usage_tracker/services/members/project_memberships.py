"""Project memberships: who is in which project (with members' keys, spend and activity, for the
Members page and `members list`), and adding, re-roling or removing members across projects.

Changes are planned first — each member × project item says what changes or why it is skipped —
then applied item by item, each audited with OpenAI's request id; a failure does not stop the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from usage_tracker.db.models import Organization
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.openai_admin.members import (
    PROJECT_ROLES,
    add_project_user_call,
    modify_project_user_call,
    remove_project_user_call,
)
from usage_tracker.services.governance.keys_inventory import DEFAULT_STALE_DAYS, key_inventory
from usage_tracker.services.members.roster import Roster, audited_call, roster, save_roster
from usage_tracker.services.reports import coverage as report_coverage
from usage_tracker.services.reports import totals as reports
from usage_tracker.services.reports.types import ReportQuery

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


SPEND_DAYS = 30


class NotInRoster(LookupError):
    pass


def _project(r: Roster, project_id: str) -> dict[str, Any]:
    found = r.projects.get(project_id)
    if found is None:
        raise NotInRoster(
            f"no project {project_id} in the stored list — refresh it (`usage-tracker members "
            "list`) and check the id"
        )
    return found


ADD, SET_ROLE, REMOVE = "add", "set_role", "remove"
ACTIONS = (ADD, SET_ROLE, REMOVE)


@dataclass(frozen=True)
class MembershipItem:
    """One member × project change: `before`/`after` are project roles (None: not a member)."""

    action: str
    project_id: str
    project_name: str | None
    user_id: str
    user_label: str
    before: str | None
    after: str | None
    skip: str | None = None  # why nothing will be done


@dataclass
class MembershipPlan:
    action: str
    items: list[MembershipItem]

    @property
    def todo(self) -> list[MembershipItem]:
        return [i for i in self.items if i.skip is None]

    @property
    def skipped(self) -> list[MembershipItem]:
        return [i for i in self.items if i.skip is not None]

    @property
    def confirmation(self) -> str:
        n = len(self.todo)
        verb = {ADD: "Add", SET_ROLE: "Change", REMOVE: "Remove"}[self.action]
        return f"{verb} {n} project membership{'s' if n != 1 else ''}?"


@dataclass
class ItemResult:
    item: MembershipItem
    status: str  # succeeded | failed | skipped
    request_id: str | None = None
    error: str | None = None


@dataclass
class MembershipResult:
    plan: MembershipPlan
    results: list[ItemResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ItemResult]:
        return [r for r in self.results if r.status == "failed"]


def plan_memberships(
    session: Session,
    organization_id: int,
    action: str,
    user_ids: Sequence[str],
    project_ids: Sequence[str],
    role: str | None = None,
) -> MembershipPlan:
    """Every member × project pair: the change it makes, or why it is skipped."""
    if action not in ACTIONS:
        raise ValueError(f"the action must be one of {', '.join(ACTIONS)}")
    if action != REMOVE and role not in PROJECT_ROLES:
        raise ValueError(f"the project role must be one of {', '.join(PROJECT_ROLES)}")
    if not user_ids or not project_ids:
        raise ValueError("choose at least one member and one project")
    r = roster(session, organization_id)
    items = []
    for pid in dict.fromkeys(project_ids):
        project = _project(r, pid)
        for uid in dict.fromkeys(user_ids):
            person = r.members.get(uid)
            if person is None:
                raise NotInRoster(f"no member {uid} in the stored list — refresh it")
            label = person.get("email") or person.get("name") or uid
            current = r.memberships.get(pid, {}).get(uid, {}).get("role")
            skip = None
            if project.get("archived"):
                skip = "the project is archived"
            elif action == ADD and current is not None:
                skip = f"already a member ({current})"
            elif action != ADD and current is None:
                skip = "not a member of this project"
            elif action == SET_ROLE and current == role:
                skip = f"already {role}"
            after = None if action == REMOVE else role
            items.append(
                MembershipItem(action, pid, project.get("name"), uid, label, current, after, skip)
            )
    return MembershipPlan(action, items)


def _call(client: AdminClient, item: MembershipItem) -> tuple[Any, str | None]:
    role = item.after or ""  # set for every action but REMOVE (checked when planned)
    if item.action == ADD:
        return add_project_user_call(client, item.project_id, item.user_id, role)
    if item.action == SET_ROLE:
        return modify_project_user_call(client, item.project_id, item.user_id, role)
    return remove_project_user_call(client, item.project_id, item.user_id)


def apply_memberships(
    session: Session,
    client: AdminClient,
    organization_id: int,
    plan: MembershipPlan,
    *,
    actor: str,
) -> MembershipResult:
    """Make each planned change in turn, each audited and committed; a failure does not stop
    the rest."""
    result = MembershipResult(plan)
    for item in plan.items:
        if item.skip is not None:
            result.results.append(ItemResult(item, "skipped", error=item.skip))
        else:
            result.results.append(_apply(session, client, organization_id, item, actor))
    return result


def _apply(
    session: Session, client: AdminClient, org_id: int, item: MembershipItem, actor: str
) -> ItemResult:
    try:
        answer, request_id = audited_call(
            session, lambda: _call(client, item), organization_id=org_id, actor=actor,
            action=f"project_member.{item.action}", target_type="project_member",
            target_id=f"{item.project_id}/{item.user_id}",
            before={"role": item.before}, after=lambda a: _after(item, a),
        )  # fmt: skip
    except AdminApiError as exc:
        return ItemResult(item, "failed", exc.request_id, str(exc))
    r = roster(session, org_id)
    users = r.memberships.setdefault(item.project_id, {})
    if item.action == REMOVE:
        users.pop(item.user_id, None)
    else:
        added = getattr(answer, "added_at", None)
        entry = users.setdefault(item.user_id, {"added_at": added and added.isoformat()})
        entry["role"] = getattr(answer, "role", item.after)
    save_roster(session, org_id, r)
    session.commit()
    return ItemResult(item, "succeeded", request_id)


def _after(item: MembershipItem, answer: Any) -> dict[str, Any]:
    if item.action == REMOVE:
        return {"role": None, "deleted": bool(answer)}
    return {"role": getattr(answer, "role", item.after)}


def project_members(
    session: Session, organization_id: int, project_id: str
) -> list[dict[str, Any]]:
    """A project's members (id, name, e-mail, project role, added) from the stored roster."""
    r = roster(session, organization_id)
    _project(r, project_id)
    out = []
    for uid, entry in r.memberships.get(project_id, {}).items():
        person = r.members.get(uid, {})
        out.append(
            {
                "id": uid,
                "name": person.get("name"),
                "email": person.get("email"),
                "role": entry.get("role"),
                "added_at": entry.get("added_at"),
            }
        )
    return sorted(out, key=lambda m: ((m["name"] or m["email"] or m["id"]).lower(), m["id"]))


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""  # in id, name or e-mail
    role: str = ""
    project: str = ""
    stale_keys: bool = False  # owns a key unused for `stale_days`
    inactive_days: int | None = None  # no usage and no key used in this many days
    stale_days: int = DEFAULT_STALE_DAYS


@dataclass
class MemberRow:
    id: str
    name: str | None
    email: str | None
    role: str | None
    added_at: str | None
    projects: list[dict[str, Any]]
    keys: list[str]
    stale_keys: list[str]
    last_key_use: str | None
    spend_30d_nanos: int | None

    def to_json(self) -> dict[str, Any]:
        from usage_tracker.domain.money import usd_string

        out = {k: v for k, v in vars(self).items() if k != "spend_30d_nanos"}
        return out | {"spend_30d_usd": usd_string(self.spend_30d_nanos)}


def _ledger_users(
    session: Session, org: Organization, days: int, today: Any
) -> dict[str, int | None]:
    """user id → cost (nanos; None where unknown) over the last `days` days, for users with
    cost or requests."""
    if days < 1 or "user" not in report_coverage.available_dimensions(session, org.slug):
        return {}
    q = ReportQuery(today - timedelta(days=days - 1), today, org=org.slug)
    rows = reports.breakdown(session, q, "user")
    return {r.key: r.cost_nanos for r in rows if r.key and (r.cost_nanos or r.requests)}


def member_rows(
    session: Session, org: Organization, f: MemberFilters = MemberFilters(), *, now: datetime
) -> tuple[Roster, list[MemberRow]]:
    """Members with their projects, keys and 30-day spend, filtered; sorted by name."""
    r = roster(session, org.id)
    owned: dict[str, list[Any]] = {}
    for k in key_inventory(session, org.id, now=now).keys:
        if k.owner_type == "user" and k.owner_id:
            owned.setdefault(k.owner_id, []).append(k)
    spend = _ledger_users(session, org, SPEND_DAYS, now.date())
    active = _ledger_users(session, org, f.inactive_days or 0, now.date())
    needle = f.q.strip().lower()
    rows = []
    for m in r.members.values():
        keys = owned.get(m["id"], [])
        used = [k.last_used_at for k in keys if k.last_used_at]
        row = MemberRow(
            m["id"], m.get("name"), m.get("email"), m.get("role"), m.get("added_at"),
            r.projects_of(m["id"]), [k.id for k in keys],
            [k.id for k in keys if "stale" in k.flags(now, f.stale_days)],
            max(used) if used else None, spend.get(m["id"]),
        )  # fmt: skip
        text = " ".join(x or "" for x in (row.id, row.name, row.email)).lower()
        if (needle and needle not in text) or (f.role and row.role != f.role):
            continue
        if f.project and all(p["id"] != f.project for p in row.projects):
            continue
        if f.stale_keys and not row.stale_keys:
            continue
        if f.inactive_days is not None:
            since = (now - timedelta(days=f.inactive_days)).isoformat()
            if row.id in active or (row.last_key_use or "") >= since:
                continue
        rows.append(row)
    rows.sort(key=lambda x: ((x.name or x.email or x.id).lower(), x.id))
    return r, rows
