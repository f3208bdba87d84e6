"""Teams (cost centres): named sets of projects, users and API keys inside one organization.

A team's spend counts every dollar once: its projects' billed cost, then its keys' cost outside
those projects, then its users' cost outside those projects (a user's spend inside a team
project is already in the project). A key listed both directly and through a listed user is
the one overlap the ledger cannot see; list keys or their users, not both.

Every change is audited (`team.create`, `team.rename`, `team.add_members`, `team.set_members`,
`team.remove_members`, `team.delete`; target: the team's name) by the function that makes it, so
the CLI and the dashboard leave the same entries. Changes are flushed; callers commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from usage_tracker.db.models import ApiKey, Budget, Organization, Team, TeamMember
from usage_tracker.services.audit.log import record_audit

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


def _audit(
    session: Session, org: Organization, actor: str, action: str, name: str, before: Any, after: Any
) -> None:
    record_audit(
        session, organization_id=org.id, actor=actor, action=action, target_type="team",
        target_id=name, before=before, after=after, result="ok",
    )  # fmt: skip


def _state(info: TeamInfo) -> dict[str, object]:
    """What the audit log keeps of a team: its id (stable across renames) and JSON form."""
    return {"id": info.id, **info.to_json()}


def create_team(
    session: Session, org: Organization, name: str, cost_centre: str | None = None, *, actor: str
) -> Team:
    name = name.strip()
    if not name:
        raise TeamError("a team needs a name")
    team = Team(organization_id=org.id, name=name, cost_centre=(cost_centre or "").strip() or None)
    try:
        with session.begin_nested():
            session.add(team)
            session.flush()
    except IntegrityError:
        raise TeamError(f"team {name!r} already exists in {org.slug}") from None
    _audit(session, org, actor, "team.create", name, None, _state(team_info(session, org, name)))
    return team


def rename_team(
    session: Session, org: Organization, name: str, new_name: str, *, actor: str
) -> TeamInfo:
    """Give a team a new name; its budget (a team budget is keyed by the name) moves with it."""
    team = _team(session, org, name)
    new_name = new_name.strip()
    if not new_name:
        raise TeamError("a team needs a name")
    if new_name == team.name:
        return team_info(session, org, team.name)
    if session.scalar(select(Team.id).where(Team.organization_id == org.id, Team.name == new_name)):
        raise TeamError(f"team {new_name!r} already exists in {org.slug}")
    budgets = list(session.scalars(_team_budgets(org, team.name)))
    if budgets and session.scalar(_team_budgets(org, new_name)) is not None:
        raise TeamError(f"a team budget for {new_name!r} already exists; delete it first")
    before = _state(team_info(session, org, team.name))
    team.name = new_name
    for budget in budgets:
        budget.scope_id = new_name
    session.flush()
    after = _state(team_info(session, org, new_name)) | {"budgets": [b.id for b in budgets]}
    _audit(session, org, actor, "team.rename", new_name, before, after)
    return team_info(session, org, new_name)


def _team_budgets(org: Organization, name: str) -> Any:
    return select(Budget).where(
        Budget.organization_id == org.id, Budget.scope == "team", Budget.scope_id == name
    )


def set_members(
    session: Session,
    org: Organization,
    name: str,
    *,
    projects: Sequence[str] = (),
    users: Sequence[str] = (),
    keys: Sequence[str] = (),
    replace: bool = False,
    actor: str,
) -> TeamInfo:
    """Add members to a team (or, with `replace`, make them its only members)."""
    team = _team(session, org, name)
    before = team_info(session, org, team.name)
    wanted = {("project", p.strip()) for p in projects} | {("user", u.strip()) for u in users}
    wanted |= {("key", k.strip()) for k in keys}
    wanted = {(kind, member_id) for kind, member_id in wanted if member_id}
    current = {(m.kind, m.member_id): m for m in _members(session, team.id)}
    if replace:
        for pair, member in current.items():
            if pair not in wanted:
                session.delete(member)
    for kind, member_id in sorted(wanted - set(current)):
        session.add(TeamMember(team_id=team.id, kind=kind, member_id=member_id))
    session.flush()
    after = team_info(session, org, team.name)
    if after != before:
        action = "team.set_members" if replace else "team.add_members"
        _audit(session, org, actor, action, team.name, _state(before), _state(after))
    return after


def remove_members(
    session: Session, org: Organization, name: str, ids: list[str], *, actor: str
) -> int:
    team = _team(session, org, name)
    before = team_info(session, org, team.name)
    gone = [m for m in _members(session, team.id) if m.member_id in set(ids)]
    for member in gone:
        session.delete(member)
    session.flush()
    if gone:
        after = _state(team_info(session, org, team.name))
        _audit(session, org, actor, "team.remove_members", team.name, _state(before), after)
    return len(gone)


def delete_team(session: Session, org: Organization, name: str, *, actor: str) -> None:
    """Delete a team and its members list (its budget, if any, stops evaluating)."""
    team = _team(session, org, name)
    name, before = team.name, _state(team_info(session, org, team.name))
    session.delete(team)
    session.flush()
    _audit(session, org, actor, "team.delete", name, before, None)


def find_team(session: Session, team_id: int) -> tuple[Organization, TeamInfo] | None:
    """A team by its id, with its organization; None when there is no such team."""
    team = session.get(Team, team_id)
    if team is None:
        return None
    org = session.get(Organization, team.organization_id)
    assert org is not None
    return org, team_info(session, org, team.name)


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
