"""Invites to the organization: list pending ones, invite by e-mail (with projects), revoke.

Each write uses the organization's own key and is audited with before/after and OpenAI's request
id. The last list read is kept in the `invites` inventory snapshot for the Members page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import InventorySnapshot
from usage_tracker.domain.admin_records import Invite
from usage_tracker.openai_admin import list_invites as api_invites
from usage_tracker.openai_admin.members import (
    ORG_ROLES,
    PROJECT_ROLES,
    create_invite_call,
    delete_invite_call,
)
from usage_tracker.services.members.roster import audited_call

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


KIND = "invites"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class InviteRow:
    id: str
    email: str
    role: str
    status: str
    created_at: str | None
    expires_at: str | None


def _row(i: Invite) -> InviteRow:
    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v else None

    return InviteRow(i.id, i.email, i.role, i.status, iso(i.created_at), iso(i.expires_at))


def _snapshot(session: Session, organization_id: int) -> InventorySnapshot | None:
    return session.scalar(
        select(InventorySnapshot).where(
            InventorySnapshot.organization_id == organization_id, InventorySnapshot.kind == KIND
        )
    )


def _store(session: Session, organization_id: int, rows: list[InviteRow]) -> None:
    row = _snapshot(session, organization_id)
    if row is None:
        row = InventorySnapshot(organization_id=organization_id, kind=KIND)
        session.add(row)
    row.data = {"invites": [asdict(r) for r in rows]}
    row.fetched_at = utcnow()
    session.flush()


def refresh_invites(
    session: Session, client: AdminClient, organization_id: int, *, pending_only: bool = True
) -> list[InviteRow]:
    """Invites from the Admin API (pending ones unless `pending_only` is False); stored."""
    rows = [_row(i) for i in api_invites(client)]
    _store(session, organization_id, [r for r in rows if r.status == "pending"])
    session.commit()
    return [r for r in rows if r.status == "pending" or not pending_only]


def stored_invites(session: Session, organization_id: int) -> list[InviteRow]:
    row = _snapshot(session, organization_id)
    return [InviteRow(**i) for i in (row.data.get("invites", []) if row else [])]


def parse_grants(specs: Sequence[str]) -> list[tuple[str, str]]:
    """`PROJECT_ID:ROLE` strings → (project id, project role); the role defaults to member."""
    out = []
    for spec in specs:
        pid, _, role = spec.partition(":")
        role = role or "member"
        if not pid.strip() or role not in PROJECT_ROLES:
            raise ValueError(
                f"a project grant is PROJECT_ID:ROLE with ROLE one of {', '.join(PROJECT_ROLES)}, "
                f"got {spec!r}"
            )
        out.append((pid.strip(), role))
    return out


def create_invite(
    session: Session,
    client: AdminClient,
    organization_id: int,
    email: str,
    role: str,
    projects: Sequence[tuple[str, str]] = (),
    *,
    actor: str,
) -> tuple[InviteRow, str | None]:
    """Invite `email` with an organization role and project memberships; (invite, request id)."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise ValueError(f"not an e-mail address: {email!r}")
    if role not in ORG_ROLES:
        raise ValueError(f"the organization role must be one of {', '.join(ORG_ROLES)}")
    grants = [{"id": p, "role": r} for p, r in projects]
    invite, request_id = audited_call(
        session, lambda: create_invite_call(client, email, role, list(projects)),
        organization_id=organization_id, actor=actor, action="invite.create",
        target_type="invite", target_id=email, before=None,
        after=lambda i: asdict(_row(i)) | {"projects": grants},
    )  # fmt: skip
    row = _row(invite)
    _store(session, organization_id, [*stored_invites(session, organization_id), row])
    session.commit()
    return row, request_id


def revoke_invite(
    session: Session, client: AdminClient, organization_id: int, invite_id: str, *, actor: str
) -> str | None:
    """Delete a pending invite; returns OpenAI's request id."""
    known = {i.id: i for i in stored_invites(session, organization_id)}
    before: Any = asdict(known[invite_id]) if invite_id in known else {"id": invite_id}
    _deleted, request_id = audited_call(
        session, lambda: delete_invite_call(client, invite_id),
        organization_id=organization_id, actor=actor, action="invite.revoke",
        target_type="invite", target_id=invite_id, before=before,
        after=lambda ok: {"deleted": ok},
    )  # fmt: skip
    _store(session, organization_id, [i for i in known.values() if i.id != invite_id])
    session.commit()
    return request_id
