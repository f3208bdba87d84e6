"""What the governance pages show about people and projects, read from the database.

`refresh_directory` reads members, projects and project memberships from the Admin API and stores
them (memberships in the `project_members` inventory snapshot); everything else only reads, so
the members and projects pages never call OpenAI inline.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import Member, Organization, Project
from usage_tracker.db.queries import inventory, stored_rate_limits
from usage_tracker.openai_admin import list_members, list_project_members, list_projects
from usage_tracker.services.governance.keys_inventory import KeyRow, key_inventory
from usage_tracker.services.governance.project_disable import active_snapshot
from usage_tracker.services.governance.templates import assignments
from usage_tracker.services.ledger.names import upsert_members, upsert_projects
from usage_tracker.services.reports import coverage as report_coverage
from usage_tracker.services.reports import totals as reports
from usage_tracker.services.reports.types import ReportQuery

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


MEMBERSHIPS = inventory.PROJECT_MEMBERS
SPEND_DAYS = 30


@dataclass(frozen=True)
class Membership:
    project_id: str
    project_name: str | None
    role: str | None


@dataclass
class MemberRow:
    user_id: str
    name: str | None
    email: str | None
    role: str | None
    added_at: datetime | None
    projects: list[Membership] = field(default_factory=list)


@dataclass
class ProjectMemberRow:
    user_id: str
    name: str | None
    email: str | None
    role: str | None


@dataclass
class ProjectRow:
    project_id: str
    name: str | None
    archived: bool
    created_at: datetime | None
    disabled: bool
    template: str | None
    keys: int
    limits: int
    spend_30d_nanos: int | None
    members: list[ProjectMemberRow] = field(default_factory=list)


@dataclass
class Directory:
    members: list[MemberRow]
    projects: list[ProjectRow]
    fetched_at: datetime | None


def refresh_directory(
    session: Session, client: AdminClient, organization_id: int, *, max_workers: int = 8
) -> int:
    """Members, projects (active and archived) and each active project's members; returns
    how many memberships were stored."""
    members = list_members(client)
    upsert_members(session, organization_id, members, source="api")
    projects = list_projects(client, include_archived=True)
    upsert_projects(session, organization_id, projects)
    active = [p.id for p in projects if not p.archived]
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        found = list(pool.map(lambda pid: list_project_members(client, pid), active))
    data = {
        pid: [{"user_id": m.user_id, "role": m.role} for m in ms]
        for pid, ms in zip(active, found, strict=True)
    }
    inventory.store_snapshot(session, organization_id, MEMBERSHIPS, data)
    session.commit()
    return sum(len(ms) for ms in data.values())


def people(session: Session, organization_id: int) -> dict[str, Member]:
    """user id → the stored member (name, e-mail, role)."""
    q = select(Member).where(Member.organization_id == organization_id)
    return {m.user_id: m for m in session.scalars(q)}


def project_spend(
    session: Session, org: Organization, days: int = SPEND_DAYS, today: date | None = None
) -> dict[str, int]:
    """Cost per project over the last `days` days to `today`, where the ledger has project
    costs."""
    if "project" not in report_coverage.available_dimensions(session, org.slug):
        return {}
    today = today or utcnow().date()
    q = ReportQuery(today - timedelta(days=days - 1), today, org=org.slug)
    rows = reports.breakdown(session, q, "project")
    return {r.key: r.cost_nanos for r in rows if r.key and r.cost_nanos is not None}


def directory(session: Session, org: Organization) -> Directory:
    """Members with their project memberships; projects with keys, limits, spend, members."""
    snapshot = inventory.snapshot(session, org.id, MEMBERSHIPS)
    memberships: dict[str, list[dict[str, Any]]] = dict(snapshot.data) if snapshot else {}
    q = select(Project).where(Project.organization_id == org.id)
    projects = sorted(session.scalars(q), key=lambda p: (p.name or p.project_id).lower())
    names = {p.project_id: p.name for p in projects}
    who = people(session, org.id)
    keys = key_inventory(session, org.id)
    key_counts: dict[str, int] = {}
    for k in keys.keys:
        key_counts[k.project_id] = key_counts.get(k.project_id, 0) + 1
    limit_counts: dict[str, int] = {}
    for r in stored_rate_limits.stored_limits(session, org.id):
        limit_counts[r.project_id] = limit_counts.get(r.project_id, 0) + 1
    spend = project_spend(session, org)
    templates = assignments(session, org.id)
    members = {
        uid: MemberRow(uid, m.name, m.email, m.role, m.added_at) for uid, m in sorted(who.items())
    }
    rows = []
    for p in projects:
        pid = p.project_id
        project_members = []
        for entry in memberships.get(pid, []):
            uid = entry["user_id"]
            person = who.get(uid)
            project_members.append(
                ProjectMemberRow(
                    uid,
                    person.name if person else None,
                    person.email if person else None,
                    entry.get("role"),
                )
            )
            if uid in members:
                members[uid].projects.append(Membership(pid, names.get(pid), entry.get("role")))
        template = templates.get(pid)
        rows.append(
            ProjectRow(
                pid,
                p.name,
                p.archived_at is not None or p.status == "archived",
                p.created_at,
                active_snapshot(session, org.id, pid) is not None,
                template.name if template else None,
                key_counts.get(pid, 0),
                limit_counts.get(pid, 0),
                spend.get(pid),
                project_members,
            )
        )
    members_list = sorted(members.values(), key=lambda m: (m.name or m.email or m.user_id).lower())
    return Directory(members_list, rows, snapshot.fetched_at if snapshot else None)


def project_keys(session: Session, organization_id: int, project_id: str) -> list[KeyRow]:
    return [k for k in key_inventory(session, organization_id).keys if k.project_id == project_id]
