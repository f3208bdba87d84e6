"""Names for ids: members (users) and projects, filled from files, exports and the Admin API."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import ApiKey, Member, Project
from usage_tracker.domain.records import Member as MemberInfo

if TYPE_CHECKING:  # importing openai_admin loads the OpenAI SDK, which file imports never need
    from usage_tracker.domain.admin_records import Project as ProjectInfo


def upsert_members(
    session: Session, organization_id: int, members: Iterable[MemberInfo], source: str
) -> int:
    """Insert or update members; a known value is never overwritten with an unknown one."""
    incoming = {m.user_id: m for m in members}
    if not incoming:
        return 0
    existing = {
        m.user_id: m
        for m in session.scalars(
            select(Member).where(
                Member.organization_id == organization_id, Member.user_id.in_(list(incoming))
            )
        )
    }
    new = [
        {
            "organization_id": organization_id,
            "user_id": user_id,
            "name": info.name,
            "email": info.email,
            "role": info.role,
            "added_at": info.added_at,
            "source": source,
        }
        for user_id, info in incoming.items()
        if user_id not in existing
    ]
    if new:  # one executemany (an import grouped by user brings thousands at once)
        session.execute(insert(Member), new)
    for user_id, info in incoming.items():
        row = existing.get(user_id)
        if row is None:
            continue
        row.name = info.name or row.name
        row.email = info.email or row.email
        row.role = info.role or row.role
        row.added_at = info.added_at or row.added_at
    session.flush()
    return len(incoming)


def upsert_projects(session: Session, organization_id: int, projects: Iterable[ProjectInfo]) -> int:
    """Insert or update projects as the Admin API lists them (name, status, dates); flushed."""
    incoming = {p.id: p for p in projects}
    existing = {
        p.project_id: p
        for p in session.scalars(select(Project).where(Project.organization_id == organization_id))
    }
    for project_id, p in incoming.items():
        row = existing.get(project_id)
        if row is None:
            row = Project(organization_id=organization_id, project_id=project_id)
            session.add(row)
        row.name, row.status = p.name, p.status
        row.created_at, row.archived_at = p.created_at, p.archived_at
    session.flush()
    return len(incoming)


def upsert_project_names(session: Session, organization_id: int, names: Mapping[str, str]) -> None:
    if not names:
        return
    existing = {
        p.project_id: p
        for p in session.scalars(
            select(Project).where(
                Project.organization_id == organization_id, Project.project_id.in_(list(names))
            )
        )
    }
    for project_id, name in names.items():
        row = existing.get(project_id)
        if row is None:
            session.add(Project(organization_id=organization_id, project_id=project_id, name=name))
        elif name:
            row.name = name
    session.flush()


def labels(session: Session, dimension: str, keys: Iterable[str | None]) -> dict[str, str]:
    """Display names for ids of a dimension (user → "Name <email>", project → name, key → name)."""
    wanted = [k for k in set(keys) if k]
    if not wanted:
        return {}
    out: dict[str, str] = {}
    if dimension == "user":
        for uid, name, email in session.execute(
            select(Member.user_id, Member.name, Member.email).where(Member.user_id.in_(wanted))
        ):
            out[uid] = name or email or uid
            if name and email:
                out[uid] = f"{name} <{email}>"
    elif dimension == "project":
        for pid, name in session.execute(
            select(Project.project_id, Project.name).where(Project.project_id.in_(wanted))
        ):
            if name:
                out[pid] = name
    elif dimension == "api_key":
        for kid, name in session.execute(
            select(ApiKey.key_id, ApiKey.name).where(ApiKey.key_id.in_(wanted))
        ):
            if name:
                out[kid] = name
    return out
