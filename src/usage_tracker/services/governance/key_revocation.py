"""Revoking project API keys: a preview of exactly what goes, then a bulk, audited operation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from usage_tracker.db.models import BulkOperation
from usage_tracker.services.governance import bulk
from usage_tracker.services.governance.bulk_operations import (
    DELETE_KEY,
    PlannedItem,
    create_operation,
)
from usage_tracker.services.governance.keys_inventory import KeyRow, key_inventory

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


class UnknownKeys(LookupError):
    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = list(ids)
        super().__init__(
            f"not in the key inventory: {', '.join(ids)} — refresh it (`usage-tracker keys list`) "
            "and check the ids"
        )


@dataclass
class RevokePlan:
    keys: list[KeyRow]

    @property
    def confirmation(self) -> str:
        """What the admin confirms: the count, said out loud."""
        n = len(self.keys)
        return f"Revoke {n} API key{'s' if n != 1 else ''}? This cannot be undone."


@dataclass
class RevokeResult:
    plan: RevokePlan
    operation: BulkOperation | None = None


def plan_revoke(session: Session, organization_id: int, key_ids: Sequence[str]) -> RevokePlan:
    keys = {k.id: k for k in key_inventory(session, organization_id).keys}
    unknown = [i for i in key_ids if i not in keys]
    if unknown:
        raise UnknownKeys(unknown)
    return RevokePlan([keys[i] for i in dict.fromkeys(key_ids)])


def revoke_keys(
    session: Session,
    client: AdminClient,
    organization_id: int,
    key_ids: Sequence[str],
    *,
    actor: str,
    dry_run: bool = False,
    run: bool = True,
    max_workers: int = bulk.DEFAULT_WORKERS,
) -> RevokeResult:
    """Delete these project keys (by id, from the stored inventory); dry run: only the plan.
    `run=False`: the operation is stored, pending, for `bulk_runner` to run in the background."""
    plan = plan_revoke(session, organization_id, key_ids)
    if dry_run or not plan.keys:
        return RevokeResult(plan)
    items = [
        PlannedItem(
            DELETE_KEY,
            k.project_id,
            k.id,
            f"{k.name or k.id} ({k.redacted_value})",
            {},
            {
                "name": k.name,
                "redacted_value": k.redacted_value,
                "owner_type": k.owner_type,
                "owner_name": k.owner_name,
                "owner_email": k.owner_email,
            },
        )
        for k in plan.keys
    ]
    n = len(items)
    op = create_operation(
        session,
        organization_id,
        "api_key.revoke",
        actor,
        f"revoke {n} API key{'s' if n != 1 else ''}",
        items,
    )
    if not run:
        return RevokeResult(plan, op)
    return RevokeResult(plan, bulk.run_operation(session, client, op, max_workers=max_workers))
