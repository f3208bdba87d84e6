"""Teams as the dashboard shows them: each member with its name (and a user's e-mail) from the
stored directory, the team's spend over a showback, the choices an add-member form offers, and
the audit entries about one team. Reads only; changes go through `services/teams`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import ApiKey, AuditEntry, Member, Organization, Project
from usage_tracker.domain.money import usd_string
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.spend.chargeback import Showback
from usage_tracker.services.spend.teams import MEMBER_KINDS, TeamError, TeamInfo, list_teams

# (kind, id) → (name, e-mail)
Names = dict[tuple[str, str], tuple[str | None, str | None]]


@dataclass(frozen=True)
class TeamMemberView:
    kind: str  # project | user | key
    id: str
    name: str | None = None
    email: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "email": self.email}


@dataclass
class TeamView:
    id: int
    name: str
    cost_centre: str | None
    members: list[TeamMemberView] = field(default_factory=list)
    spend_nanos: int | None = None  # over the showback's months; None when not asked

    def of_kind(self, kind: str) -> list[TeamMemberView]:
        return [m for m in self.members if m.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "cost_centre": self.cost_centre,
            "members": [m.to_json() for m in self.members],
            "spend_usd": usd_string(self.spend_nanos),
        }


def _directory(session: Session, org: Organization) -> Names:
    """(kind, id) → (name, e-mail) for the organization's users, projects and keys."""
    out: Names = {}
    for uid, name, email in session.execute(
        select(Member.user_id, Member.name, Member.email).where(Member.organization_id == org.id)
    ):
        out["user", uid] = (name, email)
    for pid, name in session.execute(
        select(Project.project_id, Project.name).where(Project.organization_id == org.id)
    ):
        out["project", pid] = (name, None)
    for kid, name in session.execute(
        select(ApiKey.key_id, ApiKey.name).where(ApiKey.organization_id == org.id)
    ):
        out["key", kid] = (name, None)
    return out


def _view(info: TeamInfo, names: Names) -> TeamView:
    view = TeamView(info.id, info.name, info.cost_centre)
    for kind, ids in (("project", info.projects), ("user", info.users), ("key", info.keys)):
        for member_id in ids:
            name, email = names.get((kind, member_id), (None, None))
            view.members.append(TeamMemberView(kind, member_id, name, email))
    return view


def team_spend(result: Showback) -> dict[str, int]:
    """Each team's spend summed over the showback's months (teams with no cost data left out)."""
    out: dict[str, int] = {}
    for row in result.rows:
        if row.team not in ("(unassigned)", "(total)") and row.cost_nanos is not None:
            out[row.team] = out.get(row.team, 0) + row.cost_nanos
    return out


def team_views(
    session: Session, org: Organization, spend: dict[str, int] | None = None
) -> list[TeamView]:
    """Every team of the organization with named members (and spend, when `spend` is given)."""
    names = _directory(session, org)
    views = [_view(info, names) for info in list_teams(session, org)]
    for view in views:
        view.spend_nanos = None if spend is None else spend.get(view.name)
    return views


def team_view(session: Session, org: Organization, info: TeamInfo) -> TeamView:
    return _view(info, _directory(session, org))


def member_choices(session: Session, org: Organization) -> dict[str, list[tuple[str, str]]]:
    """What an add-member form suggests, per kind: (id, label) from the stored directory."""
    out: dict[str, list[tuple[str, str]]] = {kind: [] for kind in MEMBER_KINDS}
    for (kind, member_id), (name, email) in sorted(_directory(session, org).items()):
        label = " ".join(x for x in (name, f"<{email}>" if email else None) if x) or member_id
        out[kind].append((member_id, label))
    return out


def resolve_member(session: Session, org: Organization, kind: str, text: str) -> str:
    """The member id a form field names: an id, or for a user their e-mail (in the directory)."""
    text = text.strip()
    if kind not in MEMBER_KINDS:
        raise TeamError(f"a member is one of {', '.join(MEMBER_KINDS)}, not {kind!r}")
    if not text:
        raise TeamError("name the member to add (its id, or a user's e-mail)")
    if kind == "user" and "@" in text:
        found = session.scalars(
            select(Member.user_id).where(
                Member.organization_id == org.id, func.lower(Member.email) == text.lower()
            )
        ).all()
        if len(found) != 1:
            raise TeamError(f"no single member has the e-mail {text!r}; use their user id")
        return found[0]
    return text


def team_history(session: Session, org: Organization, team_id: int) -> list[AuditEntry]:
    """The audit entries about one team (by its id, so entries before a rename are kept)."""
    entries = list_audit(session, AuditFilter(org.id, target_type="team"), limit=1000)
    return [
        e
        for e in entries
        if any(isinstance(s, dict) and s.get("id") == team_id for s in (e.before, e.after))
    ]
