"""Stored inventories (table `inventory_snapshots`): the last API-key inventory, the member
roster, project memberships — one JSON document per organization and kind, replaced by each
refresh."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import InventorySnapshot

API_KEYS = "api_keys"  # services.governance.keys_inventory
MEMBERS = "members"  # services.members.roster
PROJECT_MEMBERS = "project_members"  # services.views.people


def snapshot(session: Session, organization_id: int, kind: str) -> InventorySnapshot | None:
    return session.scalar(
        select(InventorySnapshot).where(
            InventorySnapshot.organization_id == organization_id, InventorySnapshot.kind == kind
        )
    )


def store_snapshot(session: Session, organization_id: int, kind: str, data: Any) -> None:
    """Replace the organization's stored `kind` document with `data` (fetched now)."""
    row = snapshot(session, organization_id, kind)
    if row is None:
        row = InventorySnapshot(organization_id=organization_id, kind=kind)
        session.add(row)
    row.data = data
    row.fetched_at = utcnow()
    session.flush()


def forget_key(session: Session, organization_id: int, key_id: str) -> None:
    """Drop a revoked key from the stored API-key inventory."""
    row = snapshot(session, organization_id, API_KEYS)
    if row is not None:
        data = dict(row.data)
        data["keys"] = [k for k in data.get("keys", []) if k["id"] != key_id]
        row.data = data
        session.flush()
