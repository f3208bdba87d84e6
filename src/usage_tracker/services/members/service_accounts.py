"""Service accounts per project: list, create (the new key is handed back once, never stored),
delete. Writes use the organization's own key and are audited with OpenAI's request id; the
audit entry records the new key's id, never its value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import ServiceAccount as StoredAccount
from usage_tracker.domain.admin_records import ServiceAccount
from usage_tracker.openai_admin import list_service_accounts
from usage_tracker.openai_admin.members import (
    CreatedServiceAccount,
    create_service_account_call,
    delete_service_account_call,
)
from usage_tracker.services.members.roster import audited_call

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


def account_json(a: ServiceAccount) -> dict[str, str | None]:
    return {
        "id": a.id,
        "project_id": a.project_id,
        "name": a.name,
        "role": a.role,
        "created_at": a.created_at.isoformat() if a.created_at else None,
    }


def _stored(organization_id: int, a: ServiceAccount) -> StoredAccount:
    return StoredAccount(
        organization_id=organization_id,
        account_id=a.id,
        project_id=a.project_id,
        name=a.name,
        role=a.role,
        created_at=a.created_at,
    )


def list_accounts(client: AdminClient, project_id: str) -> list[ServiceAccount]:
    """A project's service accounts, read from the Admin API (every page)."""
    return list_service_accounts(client, project_id)


def stored_accounts(
    session: Session, organization_id: int, project_id: str
) -> list[dict[str, str | None]]:
    """A project's service accounts as last read (or created) by the tracker; never a key."""
    rows = session.scalars(
        select(StoredAccount)
        .where(
            StoredAccount.organization_id == organization_id,
            StoredAccount.project_id == project_id,
        )
        .order_by(StoredAccount.name, StoredAccount.account_id)
    )
    return [
        account_json(ServiceAccount(r.account_id, r.project_id, r.name, r.role, r.created_at))
        for r in rows
    ]


def refresh_accounts(
    session: Session, client: AdminClient, organization_id: int, project_id: str
) -> list[dict[str, str | None]]:
    """Read a project's service accounts from the Admin API and replace the stored ones."""
    found = list_accounts(client, project_id)
    session.execute(
        delete(StoredAccount).where(
            StoredAccount.organization_id == organization_id,
            StoredAccount.project_id == project_id,
        )
    )
    session.add_all(_stored(organization_id, a) for a in found)
    session.commit()
    return stored_accounts(session, organization_id, project_id)


def create_account(
    session: Session,
    client: AdminClient,
    organization_id: int,
    project_id: str,
    name: str,
    *,
    actor: str,
) -> tuple[CreatedServiceAccount, str | None]:
    """Create a service account; the caller shows `key_value` once. Only ids are kept."""
    created, request_id = audited_call(
        session, lambda: create_service_account_call(client, project_id, name),
        organization_id=organization_id, actor=actor, action="service_account.create",
        target_type="service_account", target_id=f"{project_id}/{name.strip()}", before=None,
        after=lambda c: account_json(c.account) | {"api_key_id": c.key_id},
    )  # fmt: skip
    session.add(_stored(organization_id, created.account))
    session.commit()
    return created, request_id


def delete_account(
    session: Session,
    client: AdminClient,
    organization_id: int,
    project_id: str,
    account_id: str,
    *,
    actor: str,
) -> str | None:
    """Delete a service account (its keys stop working); returns OpenAI's request id."""
    before = next(
        (account_json(a) for a in list_accounts(client, project_id) if a.id == account_id), None
    )
    if before is None:
        raise LookupError(f"no service account {account_id} in project {project_id}")
    _deleted, request_id = audited_call(
        session, lambda: delete_service_account_call(client, project_id, account_id),
        organization_id=organization_id, actor=actor, action="service_account.delete",
        target_type="service_account", target_id=f"{project_id}/{account_id}", before=before,
        after=lambda ok: {"deleted": ok},
    )  # fmt: skip
    session.execute(
        delete(StoredAccount).where(
            StoredAccount.organization_id == organization_id,
            StoredAccount.account_id == account_id,
        )
    )
    session.commit()
    return request_id
