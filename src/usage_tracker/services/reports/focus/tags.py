"""The FOCUS `Tags` of a row: the team (and its cost centre) the row's spend belongs to.

Teams group projects, users and API keys (see services/spend/teams.py). FOCUS tags are
finalised, one value per key, so a row that several teams claim takes the most specific
claim, as a team's spend is counted: its project first, then its API key, then its user; among
teams claiming it the same way, the first by name. A row no team claims has no tags (null).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Team, TeamMember

_KIND_ORDER = ("project", "key", "user")


class TeamTags:
    """Tags JSON per (organization, project, key, user), computed once per combination."""

    def __init__(self, session: Session, organization_ids: Iterable[int]) -> None:
        # (organization, kind, member id) → the claiming teams' tags JSON, first team by name
        self._claims: dict[tuple[int, str, str], str] = {}
        self._cache: dict[tuple[int, str | None, str | None, str | None], str | None] = {}
        orgs = sorted(set(organization_ids))
        if not orgs:
            return
        query = (
            select(
                Team.organization_id,
                Team.name,
                Team.cost_centre,
                TeamMember.kind,
                TeamMember.member_id,
            )
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(Team.organization_id.in_(orgs))
            .order_by(Team.name)
        )
        teams: dict[tuple[int, str, str], list[tuple[str, str | None]]] = defaultdict(list)
        for org_id, name, cost_centre, kind, member_id in session.execute(query):
            teams[(org_id, kind, member_id)].append((name, cost_centre))
        for claim, named in teams.items():
            name, cost_centre = min(named)
            tags = {"team": name} | ({"cost_centre": cost_centre} if cost_centre else {})
            self._claims[claim] = json.dumps(tags, ensure_ascii=False, sort_keys=True)

    def tags(
        self, org_id: int, project: str | None, key: str | None, user: str | None
    ) -> str | None:
        if not self._claims:
            return None
        cache_key = (org_id, project, key, user)
        if cache_key in self._cache:
            return self._cache[cache_key]
        found = None
        for kind, member in zip(_KIND_ORDER, (project, key, user), strict=True):
            if member is not None:
                found = self._claims.get((org_id, kind, member))
                if found is not None:
                    break
        self._cache[cache_key] = found
        return found
