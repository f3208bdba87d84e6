"""Tracker audit entries as JSON with a readable `target_name` (the ids of the target named)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.db.models import AuditEntry
from usage_tracker.services.audit.log import audit_to_json, org_slugs
from usage_tracker.services.ledger.scope_names import name_targets


def named_audit_json(session: Session, entries: Sequence[AuditEntry]) -> list[dict[str, Any]]:
    """`audit_to_json` of each entry plus `target_name` (None when no id in it has a name)."""
    slugs = org_slugs(session)
    names = name_targets(session, [(e.organization_id, e.target_id) for e in entries])
    return [
        audit_to_json(e, slugs) | {"target_name": n} for e, n in zip(entries, names, strict=True)
    ]
