"""Organization metadata through the SDK's typed, auto-paginating list calls → plain records."""

from __future__ import annotations

from typing import Any

import openai

from usage_tracker.domain.admin_records import (
    AdminApiKey,
    Invite,
    KeyOwner,
    Project,
    ProjectApiKey,
    ProjectMember,
    RateLimit,
    ServiceAccount,
    SpendAlert,
    SpendLimit,
    utc,
)
from usage_tracker.domain.records import Member
from usage_tracker.openai_admin.client import client_timeout
from usage_tracker.openai_admin.errors import AdminApiError, admin_call
from usage_tracker.openai_admin.pages import DEFAULT_MAX_PAGES, collect

PAGE_SIZE = 100  # the most list endpoints return per page


def _org(client: openai.OpenAI) -> Any:
    return client.admin.organization


# SDK object → plain record; shared by the list calls here and the writes in `members`,
# `actions` and `spend`, which get the same objects back.


def member_record(u: Any) -> Member:
    return Member(u.id, u.name, u.email, u.role, utc(u.added_at))


def project_member_record(u: Any, project_id: str) -> ProjectMember:
    return ProjectMember(u.id, project_id, u.name, u.email, u.role, utc(u.added_at))


def invite_record(i: Any) -> Invite:
    return Invite(
        i.id,
        i.email,
        i.role,
        i.status,
        utc(i.created_at),
        utc(getattr(i, "expires_at", None)),
        utc(getattr(i, "accepted_at", None)),
    )


def service_account_record(a: Any, project_id: str) -> ServiceAccount:
    return ServiceAccount(a.id, project_id, a.name, a.role, utc(a.created_at))


def rate_limit_record(r: Any, project_id: str) -> RateLimit:
    return RateLimit(
        id=r.id,
        project_id=project_id,
        model=r.model,
        max_requests_per_1_minute=r.max_requests_per_1_minute,
        max_tokens_per_1_minute=r.max_tokens_per_1_minute,
        max_images_per_1_minute=r.max_images_per_1_minute,
        max_audio_megabytes_per_1_minute=r.max_audio_megabytes_per_1_minute,
        max_requests_per_1_day=r.max_requests_per_1_day,
        batch_1_day_max_input_tokens=r.batch_1_day_max_input_tokens,
    )


def spend_limit_record(limit: Any, project_id: str | None) -> SpendLimit:
    enforcement = getattr(limit, "enforcement", None)
    return SpendLimit(
        project_id=project_id,
        threshold_cents=limit.threshold_amount,
        currency=limit.currency,
        interval=limit.interval,
        enforcement_status=getattr(enforcement, "status", None),
    )


def list_projects(
    client: openai.OpenAI, include_archived: bool = True, *, max_pages: int = DEFAULT_MAX_PAGES
) -> list[Project]:
    items = collect(
        lambda: _org(client).projects.list(include_archived=include_archived, limit=PAGE_SIZE),
        "GET /organization/projects",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [
        Project(p.id, p.name, p.status, utc(p.created_at), utc(getattr(p, "archived_at", None)))
        for p in items
    ]


def list_members(client: openai.OpenAI, *, max_pages: int = DEFAULT_MAX_PAGES) -> list[Member]:
    """Organization users with their organization role."""
    items = collect(
        lambda: _org(client).users.list(limit=PAGE_SIZE),
        "GET /organization/users",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [member_record(u) for u in items]


def list_project_members(
    client: openai.OpenAI, project_id: str, *, max_pages: int = DEFAULT_MAX_PAGES
) -> list[ProjectMember]:
    items = collect(
        lambda: _org(client).projects.users.list(project_id, limit=PAGE_SIZE),
        f"GET /organization/projects/{project_id}/users",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [project_member_record(u, project_id) for u in items]


def _owner(owner: Any) -> KeyOwner:
    kind = getattr(owner, "type", None)
    user = getattr(owner, "user", None)
    account = getattr(owner, "service_account", None)
    if user is not None and kind in ("user", None):
        return KeyOwner("user", user.id, user.name, user.email, user.role)
    if account is not None and kind in ("service_account", None):
        return KeyOwner("service_account", account.id, account.name, None, account.role)
    return KeyOwner(kind or "unknown", None)


def list_project_api_keys(
    client: openai.OpenAI, project_id: str, *, max_pages: int = DEFAULT_MAX_PAGES
) -> list[ProjectApiKey]:
    items = collect(
        lambda: _org(client).projects.api_keys.list(project_id, limit=PAGE_SIZE),
        f"GET /organization/projects/{project_id}/api_keys",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [
        ProjectApiKey(
            id=k.id,
            project_id=project_id,
            name=k.name,
            redacted_value=k.redacted_value,
            created_at=utc(k.created_at),
            last_used_at=utc(k.last_used_at),
            owner=_owner(k.owner),
            owner_project_access=getattr(k, "owner_project_access", None),
        )
        for k in items
    ]


def list_service_accounts(
    client: openai.OpenAI, project_id: str, *, max_pages: int = DEFAULT_MAX_PAGES
) -> list[ServiceAccount]:
    items = collect(
        lambda: _org(client).projects.service_accounts.list(project_id, limit=PAGE_SIZE),
        f"GET /organization/projects/{project_id}/service_accounts",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [service_account_record(a, project_id) for a in items]


def list_rate_limits(
    client: openai.OpenAI, project_id: str, *, max_pages: int = DEFAULT_MAX_PAGES
) -> list[RateLimit]:
    items = collect(
        lambda: _org(client).projects.rate_limits.list_rate_limits(project_id, limit=PAGE_SIZE),
        f"GET /organization/projects/{project_id}/rate_limits",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [rate_limit_record(r, project_id) for r in items]


def get_organization_spend_limit(client: openai.OpenAI) -> SpendLimit | None:
    """The organization's hard monthly spend limit; None when none is set."""
    try:
        with admin_call("GET /organization/spend_limit", client_timeout(client)):
            limit = _org(client).spend_limit.retrieve()
    except AdminApiError as exc:
        if exc.status == 404:
            return None
        raise
    return spend_limit_record(limit, None)


def get_project_spend_limit(client: openai.OpenAI, project_id: str) -> SpendLimit | None:
    """A project's hard monthly spend limit; None when none is set."""
    try:
        with admin_call(
            f"GET /organization/projects/{project_id}/spend_limit", client_timeout(client)
        ):
            limit = _org(client).projects.spend_limit.retrieve(project_id)
    except AdminApiError as exc:
        if exc.status == 404:
            return None
        raise
    return spend_limit_record(limit, project_id)


def list_spend_alerts(
    client: openai.OpenAI, project_id: str | None = None, *, max_pages: int = DEFAULT_MAX_PAGES
) -> list[SpendAlert]:
    """Spend alerts of the organization (project_id None) or of one project."""
    if project_id is None:
        endpoint = "GET /organization/spend_alerts"
        items = collect(
            lambda: _org(client).spend_alerts.list(limit=PAGE_SIZE),
            endpoint,
            max_pages=max_pages,
            timeout=client_timeout(client),
        )
    else:
        endpoint = f"GET /organization/projects/{project_id}/spend_alerts"
        items = collect(
            lambda: _org(client).projects.spend_alerts.list(project_id, limit=PAGE_SIZE),
            endpoint,
            max_pages=max_pages,
            timeout=client_timeout(client),
        )
    alerts = []
    for a in items:
        channel = a.notification_channel
        alerts.append(
            SpendAlert(
                id=a.id,
                project_id=project_id,
                threshold_cents=a.threshold_amount,
                currency=a.currency,
                interval=a.interval,
                recipients=tuple(getattr(channel, "recipients", None) or ()),
                subject_prefix=getattr(channel, "subject_prefix", None),
            )
        )
    return alerts


def list_admin_api_keys(
    client: openai.OpenAI, *, max_pages: int = DEFAULT_MAX_PAGES
) -> list[AdminApiKey]:
    items = collect(
        lambda: _org(client).admin_api_keys.list(limit=PAGE_SIZE),
        "GET /organization/admin_api_keys",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    keys = []
    for k in items:
        owner = getattr(k, "owner", None)
        keys.append(
            AdminApiKey(
                id=k.id,
                name=getattr(k, "name", None),
                redacted_value=k.redacted_value,
                created_at=utc(k.created_at),
                expires_at=utc(getattr(k, "expires_at", None)),
                last_used_at=utc(getattr(k, "last_used_at", None)),
                owner_id=getattr(owner, "id", None),
                owner_name=getattr(owner, "name", None),
                owner_type=getattr(owner, "type", None),
            )
        )
    return keys


def list_invites(client: openai.OpenAI, *, max_pages: int = DEFAULT_MAX_PAGES) -> list[Invite]:
    items = collect(
        lambda: _org(client).invites.list(limit=PAGE_SIZE),
        "GET /organization/invites",
        max_pages=max_pages,
        timeout=client_timeout(client),
    )
    return [invite_record(i) for i in items]
