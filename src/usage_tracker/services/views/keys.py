"""The API-key inventory as the governance pages and `/api/v1` show it: filters and flag counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.services.governance.keys_inventory import (
    DEFAULT_STALE_DAYS,
    FLAGS,
    KeyRow,
    filter_keys,
    key_inventory,
    key_json,
)


@dataclass
class KeyView:
    keys: list[KeyRow]
    admin_keys: list[dict[str, Any]]
    fetched_at: datetime | None
    now: datetime
    stale_days: int
    flag_counts: dict[str, int]
    projects: dict[str, str]  # project id → name, for the filter
    total: int

    def flags(self, key: KeyRow) -> list[str]:
        return key.flags(self.now, self.stale_days)

    def to_json(self) -> dict[str, Any]:
        return {
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "stale_days": self.stale_days,
            "flag_counts": self.flag_counts,
            "keys": [key_json(k, self.now, self.stale_days) for k in self.keys],
            "admin_keys": self.admin_keys,
        }


def key_view(
    session: Session,
    organization_id: int,
    *,
    flag: str | None = None,
    stale_days: int = DEFAULT_STALE_DAYS,
    project_id: str | None = None,
    search: str | None = None,
    now: datetime | None = None,
) -> KeyView:
    """The stored inventory narrowed by hygiene flag, project and text (name, owner, id)."""
    now = now or utcnow()
    inventory = key_inventory(session, organization_id, now=now)
    every = inventory.keys
    counts = {f: len(filter_keys(every, f, now, stale_days)) for f in FLAGS}
    keys = filter_keys(every, flag, now, stale_days)
    if project_id:
        keys = [k for k in keys if k.project_id == project_id]
    if search:
        needle = search.lower()
        keys = [k for k in keys if needle in _text(k)]
    projects = {k.project_id: k.project_name or k.project_id for k in every}
    return KeyView(
        keys,
        inventory.admin_keys,
        inventory.fetched_at,
        now,
        stale_days,
        counts,
        dict(sorted(projects.items(), key=lambda kv: kv[1].lower())),
        len(every),
    )


def _text(k: KeyRow) -> str:
    parts = (k.id, k.name, k.owner_name, k.owner_email, k.project_id, k.project_name)
    return " ".join(p for p in parts if p).lower()
