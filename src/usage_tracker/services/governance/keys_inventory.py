"""API keys across every project: inventory, hygiene flags, cost, and revocation.

`refresh_key_inventory` reads projects, keys (owner resolved from the API's nested owner object),
members, project memberships and admin keys from the Admin API and stores them; everything else
reads the stored inventory, so pages never call OpenAI inline.

Flags: `never_used`; `stale` (unused for `stale_days`); `owner_departed` (a user who is no longer a
member of the organization); `owner_no_project_access` (owner not a member of the key's project).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import Organization
from usage_tracker.db.queries import inventory
from usage_tracker.openai_admin import (
    list_admin_api_keys,
    list_members,
    list_project_api_keys,
    list_project_members,
    list_projects,
)
from usage_tracker.services.reports.totals import breakdown
from usage_tracker.services.reports.types import ReportQuery

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


FLAGS = ("never_used", "stale", "owner_departed", "owner_no_project_access")
DEFAULT_STALE_DAYS = 90
COST_DAYS = 30


@dataclass(frozen=True)
class KeyRow:
    id: str
    name: str | None
    redacted_value: str
    project_id: str
    project_name: str | None
    project_archived: bool
    owner_type: str
    owner_id: str | None
    owner_name: str | None
    owner_email: str | None
    created_at: str | None  # ISO 8601, UTC
    last_used_at: str | None
    owner_is_member: bool | None  # None: not a user, or unknown
    owner_has_project_access: bool | None
    cost_30d_nanos: int | None = None

    def flags(self, now: datetime, stale_days: int = DEFAULT_STALE_DAYS) -> list[str]:
        out = []
        if self.last_used_at is None:
            out.append("never_used")
        elif datetime.fromisoformat(self.last_used_at) < now - timedelta(days=stale_days):
            out.append("stale")
        if self.owner_is_member is False:
            out.append("owner_departed")
        if self.owner_has_project_access is False:
            out.append("owner_no_project_access")
        return out


@dataclass
class Inventory:
    keys: list[KeyRow]
    admin_keys: list[dict[str, Any]]
    fetched_at: datetime | None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def refresh_key_inventory(
    session: Session, client: AdminClient, organization_id: int, *, max_workers: int = 8
) -> Inventory:
    """Read every project's keys, the members and the admin keys from the API; store them."""
    projects = list_projects(client, include_archived=True)
    active = [p for p in projects if not p.archived]
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        keys = list(pool.map(lambda p: list_project_api_keys(client, p.id), projects))
        access = list(pool.map(lambda p: list_project_members(client, p.id), active))
    members = {m.user_id for m in list_members(client)}
    project_members = {p.id: {m.user_id for m in ms} for p, ms in zip(active, access, strict=True)}
    rows = []
    for project, project_keys in zip(projects, keys, strict=True):
        for k in project_keys:
            user = k.owner.kind == "user"
            in_project: bool | None = None
            if k.owner_project_access == "inactive":
                in_project = False
            elif user and project.id in project_members:
                in_project = k.owner.id in project_members[project.id]
            rows.append(
                KeyRow(
                    k.id, k.name, k.redacted_value, project.id, project.name, project.archived,
                    k.owner.kind, k.owner.id, k.owner.name, k.owner.email,
                    _iso(k.created_at), _iso(k.last_used_at),
                    (k.owner.id in members) if user else None, in_project,
                )
            )  # fmt: skip
    admin = [
        {
            "id": a.id,
            "name": a.name,
            "redacted_value": a.redacted_value,
            "owner_id": a.owner_id,
            "owner_name": a.owner_name,
            "owner_type": a.owner_type,
            "created_at": _iso(a.created_at),
            "last_used_at": _iso(a.last_used_at),
            "expires_at": _iso(a.expires_at),
        }
        for a in list_admin_api_keys(client)
    ]
    inventory.store_snapshot(
        session,
        organization_id,
        inventory.API_KEYS,
        {"keys": [asdict(r) for r in rows], "admin_keys": admin},
    )
    session.commit()
    return key_inventory(session, organization_id)


def key_inventory(
    session: Session, organization_id: int, *, now: datetime | None = None
) -> Inventory:
    """The stored inventory with each key's cost over the last 30 days (where costs have keys)."""
    row = inventory.snapshot(session, organization_id, inventory.API_KEYS)
    if row is None:
        return Inventory([], [], None)
    costs = _key_costs(session, organization_id, (now or utcnow()).date())
    keys = [KeyRow(**{**k, "cost_30d_nanos": costs.get(k["id"])}) for k in row.data.get("keys", [])]
    keys.sort(key=lambda k: (k.project_name or k.project_id, k.name or "", k.id))
    return Inventory(keys, list(row.data.get("admin_keys", [])), row.fetched_at)


def _key_costs(session: Session, organization_id: int, today: Any) -> dict[str, int]:
    org = session.get(Organization, organization_id)
    if org is None:
        return {}
    q = ReportQuery(today - timedelta(days=COST_DAYS - 1), today, org=org.slug)
    return {
        r.key: r.cost_nanos
        for r in breakdown(session, q, "api_key")
        if r.key and r.cost_nanos is not None
    }


def filter_keys(
    keys: list[KeyRow], flag: str | None, now: datetime, stale_days: int = DEFAULT_STALE_DAYS
) -> list[KeyRow]:
    if flag is None:
        return keys
    if flag not in FLAGS:
        raise ValueError(f"unknown flag {flag!r}; choose one of {', '.join(FLAGS)}")
    return [k for k in keys if flag in k.flags(now, stale_days)]


def key_json(key: KeyRow, now: datetime, stale_days: int = DEFAULT_STALE_DAYS) -> dict[str, Any]:
    from usage_tracker.domain.money import usd_string

    out = asdict(key)
    out.pop("cost_30d_nanos")
    out["cost_30d_usd"] = usd_string(key.cost_30d_nanos)
    out["flags"] = key.flags(now, stale_days)
    return out
