"""One lookup of display names for the ids a budget, alert, edit, enforcement or audit entry
names: projects, users, keys, teams and the organization itself.

An id is *known* when the tracker has seen it: in the directory (projects, members, keys,
teams) or in the ledger (usage and cost rows). The budget form offers the known ids and warns
on one that is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import (
    ApiKey,
    CostRecord,
    Member,
    Organization,
    Project,
    Team,
    UsageDims,
)

SCOPE_OF = {"api_key": "key", "project_id": "project", "user_id": "user", "api_key_id": "key"}


@dataclass(frozen=True)
class Name:
    """An id with its display name (None when the directory has none) and whether it is known."""

    scope: str
    id: str
    name: str | None
    known: bool

    @property
    def label(self) -> str:
        return self.name or self.id

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "known": self.known}


def _columns(scope: str) -> tuple[Any, Any, Any] | None:
    """(id column, name column, organization column) of a scope's directory table."""
    if scope == "project":
        return Project.project_id, Project.name, Project.organization_id
    if scope == "user":
        return Member.user_id, func.coalesce(Member.name, Member.email), Member.organization_id
    if scope == "key":
        return ApiKey.key_id, ApiKey.name, ApiKey.organization_id
    if scope == "team":
        return Team.name, Team.name, Team.organization_id
    return None


def _directory(session: Session, org_id: int, scope: str, ids: list[str] | None) -> dict[str, str]:
    """id → name ("" when unnamed) from the directory (every entry when `ids` is None)."""
    cols = _columns(scope)
    if cols is None:
        return {}
    id_col, name_col, org_col = cols
    q = select(id_col, name_col).where(org_col == org_id)
    if ids is not None:
        q = q.where(id_col.in_(ids))
    return {i: name or "" for i, name in session.execute(q)}


def _ledger_ids(session: Session, scope: str, ids: list[str] | None) -> set[str]:
    """Ids of the scope that appear in usage or cost rows."""
    col = {"project": UsageDims.project_id, "user": UsageDims.user_id, "key": UsageDims.api_key_id}
    cost = {
        "project": CostRecord.project_id,
        "user": CostRecord.user_id,
        "key": CostRecord.api_key_id,
    }
    if scope not in col:
        return set()
    found: set[str] = set()
    for c in (col[scope], cost[scope]):
        q = select(c).where(c.is_not(None)).distinct()
        if ids is not None:
            q = q.where(c.in_(ids))
        found.update(v for (v,) in session.execute(q) if v)
    return found


def names_for(
    session: Session, org_id: int, scope: str, ids: Iterable[str], *, ledger: bool = True
) -> dict[str, Name]:
    """A Name for every id given (unknown ids too), for one scope of one organization.

    `ledger=False` looks in the directory only (a name, never a scan of the ledger): such a
    Name is `known` only when the directory has it."""
    scope = SCOPE_OF.get(scope, scope)
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    if scope == "org":
        org = session.get(Organization, org_id)
        known = {org.slug, org.openai_org_id} if org else set()
        label = org.name if org else None
        return {i: Name(scope, i, label if i in known else None, i in known) for i in wanted}
    names = _directory(session, org_id, scope, wanted)
    seen = set(names) | (_ledger_ids(session, scope, wanted) if ledger else set())
    return {i: Name(scope, i, names.get(i) or None, i in seen) for i in wanted}


def filter_names(session: Session, org_id: int | None, wanted: dict[str, str]) -> dict[str, str]:
    """The directory's display names of the filters a view's URL sets (`wanted`: scope → id,
    scopes "project", "user" or "key"), one query per scope; an id the directory has no name
    for is left out. `org_id` None: any organization's directory (the first name found)."""
    out: dict[str, str] = {}
    for scope, scope_id in wanted.items():
        cols = _columns(scope)
        if cols is None or scope == "team":
            continue
        id_col, name_col, org_col = cols
        q = select(name_col).where(id_col == scope_id, name_col.is_not(None))
        if org_id is not None:
            q = q.where(org_col == org_id)
        name = session.scalars(q.limit(1)).first()
        if name:
            out[scope] = name
    return out


def name_of(
    session: Session, org_id: int, scope: str, scope_id: str, *, ledger: bool = True
) -> Name:
    found = names_for(session, org_id, scope, [scope_id], ledger=ledger)
    return found.get(scope_id, Name(scope, scope_id, None, False))


def names_by_org(
    session: Session, wanted: Iterable[tuple[int, str, str]]
) -> dict[tuple[int, str, str], Name]:
    """Names for (organization id, scope, id) triples, one directory query per org and scope."""
    groups: dict[tuple[int, str], set[str]] = {}
    for org_id, scope, scope_id in wanted:
        groups.setdefault((org_id, SCOPE_OF.get(scope, scope)), set()).add(scope_id)
    out: dict[tuple[int, str, str], Name] = {}
    for (org_id, scope), ids in groups.items():
        for i, n in names_for(session, org_id, scope, ids, ledger=False).items():
            out[(org_id, scope, i)] = n
    return out


def choices(session: Session, org_id: int, scope: str, limit: int = 2000) -> list[Name]:
    """Every known id of a scope (directory and ledger), named ones first, by name."""
    names = _directory(session, org_id, scope, None)
    ids = set(names) | _ledger_ids(session, scope, None)
    out = [Name(scope, i, names.get(i) or None, True) for i in ids]
    out.sort(key=lambda n: (n.name is None, (n.name or n.id).lower()))
    return out[:limit]


PREFIXES = (("proj_", "project"), ("user-", "user"), ("key_", "key"))


def _scope_by_prefix(part: str) -> str | None:
    return next((scope for prefix, scope in PREFIXES if part.startswith(prefix)), None)


def name_targets(session: Session, targets: list[tuple[int | None, str]]) -> list[str | None]:
    """A readable name for each (organization id, target id) of an audit entry or action:
    the ids in it (`proj_1/user-2`, `key_a,key_b`) replaced by their names, or None when the
    directory names none of them."""
    split = [(org, re.split(r"([/,])", target or "")) for org, target in targets]
    wanted = {
        (org, scope, part)
        for org, parts in split
        if org is not None
        for part in parts
        if (scope := _scope_by_prefix(part))
    }
    found = names_by_org(session, wanted)
    out: list[str | None] = []
    for org, parts in split:
        named = [found.get((org or 0, _scope_by_prefix(p) or "", p)) for p in parts]
        if not any(n and n.name for n in named):
            out.append(None)
            continue
        text = "".join(n.name if n and n.name else p for n, p in zip(named, parts, strict=True))
        out.append(text.replace("/", " / ").replace(",", ", "))
    return out
