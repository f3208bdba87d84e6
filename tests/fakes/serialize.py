"""The fake's state as the spec's JSON objects."""

from __future__ import annotations

from typing import Any

from tests.fakes.org import (
    FakeAdminKey,
    FakeApiKey,
    FakeAuditLog,
    FakeInvite,
    FakeOrg,
    FakeProject,
    FakeProjectUser,
    FakeRateLimit,
    FakeServiceAccount,
    FakeSpendAlert,
    FakeUser,
)


def project(p: FakeProject) -> dict[str, Any]:
    return {
        "id": p.id,
        "object": "organization.project",
        "name": p.name,
        "created_at": p.created_at,
        "archived_at": p.archived_at,
        "status": p.status,
        "external_key_id": None,
    }


def user(u: FakeUser) -> dict[str, Any]:
    return {
        "object": "organization.user",
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "role": u.role,
        "added_at": u.added_at,
    }


def project_user(org: FakeOrg, m: FakeProjectUser) -> dict[str, Any]:
    u = org.user(m.user_id)
    return {
        "object": "organization.project.user",
        "id": m.user_id,
        "name": u.name if u else None,
        "email": u.email if u else None,
        "role": m.role,
        "added_at": m.added_at,
    }


def service_account(a: FakeServiceAccount) -> dict[str, Any]:
    return {
        "object": "organization.project.service_account",
        "id": a.id,
        "name": a.name,
        "role": a.role,
        "created_at": a.created_at,
    }


def api_key(org: FakeOrg, k: FakeApiKey) -> dict[str, Any]:
    owner: dict[str, Any] = {"type": k.owner_type}
    if k.owner_type == "user":
        u = org.key_owner(k.owner_id)
        assert u is not None, f"key {k.id} owned by unknown user {k.owner_id}"
        owner["user"] = {
            "id": u.id,
            "name": u.name,
            "email": u.email,
            "role": "owner" if u.role == "owner" else "member",
            "created_at": u.added_at,
        }
    else:
        a = org.service_account(k.owner_id)
        assert a is not None, f"key {k.id} owned by unknown service account {k.owner_id}"
        owner["service_account"] = {
            "id": a.id,
            "name": a.name,
            "role": a.role,
            "created_at": a.created_at,
        }
    return {
        "object": "organization.project.api_key",
        "redacted_value": k.redacted_value,
        "name": k.name,
        "created_at": k.created_at,
        "last_used_at": k.last_used_at,
        "id": k.id,
        "owner_project_access": "active",
        "owner": owner,
    }


def rate_limit(r: FakeRateLimit) -> dict[str, Any]:
    return {"object": "project.rate_limit", "id": r.id, "model": r.model, **r.limits}


def spend_limit(project_id: str | None, cents: int) -> dict[str, Any]:
    return {
        "object": "project.spend_limit" if project_id else "organization.spend_limit",
        "threshold_amount": cents,
        "currency": "USD",
        "interval": "month",
        "enforcement": {"status": "enforcing"},
    }


def spend_alert(a: FakeSpendAlert) -> dict[str, Any]:
    return {
        "id": a.id,
        "object": "project.spend_alert" if a.project_id else "organization.spend_alert",
        "threshold_amount": a.threshold_amount,
        "currency": "USD",
        "interval": "month",
        "notification_channel": {"type": "email", "recipients": a.recipients},
    }


def invite(i: FakeInvite) -> dict[str, Any]:
    return {
        "object": "organization.invite",
        "id": i.id,
        "email": i.email,
        "role": i.role,
        "status": i.status,
        "created_at": i.created_at,
        "expires_at": i.expires_at,
        "accepted_at": None,
        "projects": [],
    }


def admin_key(k: FakeAdminKey) -> dict[str, Any]:
    return {
        "object": "organization.admin_api_key",
        "id": k.id,
        "name": k.name,
        "redacted_value": k.redacted_value,
        "created_at": k.created_at,
        "expires_at": None,
        "last_used_at": k.last_used_at,
        "owner": {
            "type": "user",
            "object": "organization.user",
            "id": k.owner_id,
            "name": k.owner_name,
            "created_at": k.created_at,
            "role": "owner",
        },
    }


def audit_log(e: FakeAuditLog) -> dict[str, Any]:
    user = {"id": e.actor_id, "email": e.actor_email}
    actor: dict[str, Any]
    if e.actor_type == "api_key":
        actor = {"type": "api_key", "api_key": {"id": e.api_key_id, "type": "user", "user": user}}
    else:
        session: dict[str, Any] = {"user": user}
        if e.ip_address:
            session["ip_address"] = e.ip_address
        actor = {"type": "session", "session": session}
    body: dict[str, Any] = {
        "id": e.id,
        "type": e.type,
        "effective_at": e.effective_at,
        "actor": actor,
    }
    if e.project_id:
        body["project"] = {"id": e.project_id, "name": e.project_name or e.project_id}
    if e.details:
        body[e.type] = e.details
    return body


def list_page(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }
