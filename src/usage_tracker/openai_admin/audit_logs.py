"""OpenAI's own audit log (`GET /organization/audit_logs`) through the SDK's auto-paginating list.

    for event in list_audit_events(client, effective_at={"gt": 1735689600}):
        print(event.id, event.type, event.actor_email, event.project_id)

The SDK follows the pages with `after` (the previous page's `last_id`) while `has_more`. Audit
logging must be on for the organization and the admin key needs read access to Audit logs
(`api.audit_logs.read`); when OpenAI refuses, the AdminApiError says which and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import openai
from openai.types.admin.organization.audit_log_list_params import EffectiveAt

from usage_tracker.openai_admin.client import client_timeout
from usage_tracker.openai_admin.errors import admin_call
from usage_tracker.openai_admin.pages import DEFAULT_MAX_PAGES, collect

ENDPOINT = "GET /organization/audit_logs"
PAGE_SIZE = 100  # the most the endpoint returns per page
WINDOW_BOUNDS = ("gt", "gte", "lt", "lte")


@dataclass(frozen=True)
class AuditEvent:
    """One audit-log event: the fields the tracker filters and shows, and the event as sent."""

    id: str
    type: str
    effective_at: datetime
    actor_type: str | None
    actor_id: str | None  # the user (session or user key) or the service account
    actor_email: str | None
    api_key_id: str | None
    api_key_type: str | None
    ip_address: str | None
    project_id: str | None
    project_name: str | None
    resource_id: str | None  # the `id` in the event's details: what it acted on
    raw: dict[str, Any]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def audit_event(raw: dict[str, Any]) -> AuditEvent:
    """The record for one event's JSON (as the Admin API sends it)."""
    actor = _obj(raw.get("actor"))
    session = _obj(actor.get("session"))
    key = _obj(actor.get("api_key"))
    user = _obj(session.get("user")) or _obj(key.get("user"))
    account = _obj(key.get("service_account"))
    project = _obj(raw.get("project"))
    kind = str(raw["type"])
    resource = _text(_obj(raw.get(kind)).get("id"))
    project_id = _text(project.get("id")) or (resource if kind.startswith("project.") else None)
    return AuditEvent(
        id=str(raw["id"]),
        type=kind,
        effective_at=datetime.fromtimestamp(int(raw["effective_at"]), UTC),
        actor_type=_text(actor.get("type")),
        actor_id=_text(user.get("id")) or _text(account.get("id")),
        actor_email=_text(user.get("email")),
        api_key_id=_text(key.get("id")),
        api_key_type=_text(key.get("type")),
        ip_address=_text(session.get("ip_address")),
        project_id=project_id,
        project_name=_text(project.get("name")),
        resource_id=resource,
        raw=raw,
    )


def list_audit_events(
    client: openai.OpenAI,
    *,
    effective_at: Mapping[str, int] | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> list[AuditEvent]:
    """Every event whose `effective_at` is in the window ({"gt": epoch, "lt": …}), all pages."""
    window = {k: int(v) for k, v in (effective_at or {}).items()}
    unknown = sorted(set(window) - set(WINDOW_BOUNDS))
    if unknown:
        raise ValueError(f"effective_at bounds must be among {WINDOW_BOUNDS}, got {unknown}")
    logs = client.admin.organization.audit_logs
    items = collect(
        lambda: logs.list(
            effective_at=cast(EffectiveAt, window) if window else openai.omit,
            limit=PAGE_SIZE,
        ),
        ENDPOINT,
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [audit_event(item.to_dict(mode="json")) for item in items]


def probe_audit_logs(client: openai.OpenAI) -> int:
    """One page of one event (`limit=1`): whether the audit log can be read at all. Returns the
    events on that page (0 or 1); a refusal is the same AdminApiError the stream gets."""
    with admin_call(ENDPOINT, client_timeout(client)):
        page = client.admin.organization.audit_logs.list(limit=1)
        return len(page.data)
