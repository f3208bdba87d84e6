"""Teams (cost centres): named sets of projects, users and API keys inside one organization.

A team's spend counts every dollar once: its projects' billed cost, then its keys' cost outside
those projects, then its users' cost outside those projects (a user's spend inside a team
project is already in the project). A key listed both directly and through a listed user is
the one overlap the ledger cannot see; list keys or their users, not both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from usage_tracker.db.models import ApiKey, Organization, Team, TeamMember

MEMBER_KINDS = ("project", "user", "key")


class TeamError(ValueError):
    """An unknown team or member kind, or a duplicate team."""


@dataclass
class TeamInfo:
    id: int
    name: str
    cost_centre: str | None
    projects: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "cost_centre": self.cost_centre,
            "projects": self.projects,
            "users": self.users,
            "keys": self.keys,
        }


def _team(session: Session, org: Organization, name: str) -> Team:
    team = session.scalar(
        select(Team).where(Team.organization_id == org.id, Team.name == name.strip())
    )
    if team is None:
        raise TeamError(f"no team {name!r} in {org.slug}; create it with `usage-tracker teams add`")
    return team


def create_team(
    session: Session, org: Organization, name: str, cost_centre: str | None = None
) -> Team:
    name = name.strip()
    if not name:
        raise TeamError("a team needs a name")
    team = Team(organization_id=org.id, name=name, cost_centre=cost_centre)
    try:
        with session.begin_nested():
            session.add(team)
            session.flush()
    except IntegrityError:
        raise TeamError(f"team {name!r} already exists in {org.slug}") from None
    return team


def set_members(
    session: Session,
    org: Organization,
    name: str,
    *,
    projects: Sequence[str] = (),
    users: Sequence[str] = (),
    keys: Sequence[str] = (),
    replace: bool = False,
) -> TeamInfo:
    """Add members to a team (or, with `replace`, make them its only members)."""
    team = _team(session, org, name)
    wanted = {("project", p) for p in projects} | {("user", u) for u in users}
    wanted |= {("key", k) for k in keys}
    current = {(m.kind, m.member_id): m for m in _members(session, team.id)}
    if replace:
        for pair, member in current.items():
            if pair not in wanted:
                session.delete(member)
    for kind, member_id in sorted(wanted - set(current)):
        session.add(TeamMember(team_id=team.id, kind=kind, member_id=member_id.strip()))
    session.flush()
    return team_info(session, org, name)


def remove_members(session: Session, org: Organization, name: str, ids: list[str]) -> int:
    team = _team(session, org, name)
    gone = [m for m in _members(session, team.id) if m.member_id in set(ids)]
    for member in gone:
        session.delete(member)
    session.flush()
    return len(gone)


def delete_team(session: Session, org: Organization, name: str) -> None:
    session.delete(_team(session, org, name))
    session.flush()


def _members(session: Session, team_id: int) -> list[TeamMember]:
    return list(
        session.scalars(
            select(TeamMember).where(TeamMember.team_id == team_id).order_by(TeamMember.member_id)
        )
    )


def team_info(session: Session, org: Organization, name: str) -> TeamInfo:
    team = _team(session, org, name)
    info = TeamInfo(team.id, team.name, team.cost_centre)
    for m in _members(session, team.id):
        {"project": info.projects, "user": info.users, "key": info.keys}[m.kind].append(m.member_id)
    return info


def list_teams(session: Session, org: Organization) -> list[TeamInfo]:
    names = session.scalars(
        select(Team.name).where(Team.organization_id == org.id).order_by(Team.name)
    )
    return [team_info(session, org, n) for n in names]


@dataclass(frozen=True)
class Term:
    """One signed slice of the ledger: +project, +key, +user or −(user ∩ project)."""

    sign: int
    project: str | None = None
    user: str | None = None
    api_key: str | None = None


def team_terms(session: Session, org: Organization, info: TeamInfo) -> list[Term]:
    """The slices whose signed sum is the team's spend, each dollar once."""
    projects = set(info.projects)
    rows = session.execute(
        select(ApiKey.key_id, ApiKey.project_id).where(
            ApiKey.organization_id == org.id, ApiKey.key_id.in_(info.keys or [""])
        )
    )
    key_projects = {key_id: project_id for key_id, project_id in rows}
    terms = [Term(1, project=p) for p in sorted(projects)]
    terms += [Term(1, api_key=k) for k in info.keys if key_projects.get(k) not in projects]
    for user in info.users:
        terms.append(Term(1, user=user))
        terms += [Term(-1, project=p, user=user) for p in sorted(projects)]
    return terms
