"""Writes to OpenAI's own spend controls: project hard spend limits and project spend alerts.

Amounts are USD cents per calendar month (the only interval the API has). Each call returns
what OpenAI now stores and the request id (`x-request-id`) for the audit log.
"""

from __future__ import annotations

from typing import Any

import openai

from usage_tracker.domain.admin_records import SpendAlert, SpendLimit
from usage_tracker.openai_admin.client import client_timeout
from usage_tracker.openai_admin.errors import admin_call
from usage_tracker.openai_admin.metadata import spend_limit_record


def _projects(client: openai.OpenAI) -> Any:
    return client.admin.organization.projects


def set_project_spend_limit(
    client: openai.OpenAI, project_id: str, cents: int
) -> tuple[SpendLimit, str | None]:
    """Set (create or change) a project's hard monthly spend limit."""
    endpoint = f"POST /organization/projects/{project_id}/spend_limit"
    with admin_call(endpoint, client_timeout(client)):
        raw = _projects(client).spend_limit.with_raw_response.update(
            project_id, currency="USD", interval="month", threshold_amount=int(cents)
        )
        limit = raw.parse()
    return spend_limit_record(limit, project_id), raw.headers.get("x-request-id")


def delete_project_spend_limit(client: openai.OpenAI, project_id: str) -> str | None:
    """Remove a project's hard spend limit; returns the request id."""
    endpoint = f"DELETE /organization/projects/{project_id}/spend_limit"
    with admin_call(endpoint, client_timeout(client)):
        raw = _projects(client).spend_limit.with_raw_response.delete(project_id)
        raw.parse()
    return raw.headers.get("x-request-id")


def create_project_spend_alert(
    client: openai.OpenAI, project_id: str, cents: int, recipients: list[str]
) -> tuple[SpendAlert, str | None]:
    """Add an e-mail spend alert at `cents` per month to a project."""
    endpoint = f"POST /organization/projects/{project_id}/spend_alerts"
    with admin_call(endpoint, client_timeout(client)):
        raw = _projects(client).spend_alerts.with_raw_response.create(
            project_id,
            currency="USD",
            interval="month",
            threshold_amount=int(cents),
            notification_channel={"type": "email", "recipients": recipients},
        )
        a = raw.parse()
    alert = SpendAlert(
        id=a.id,
        project_id=project_id,
        threshold_cents=a.threshold_amount,
        currency=a.currency,
        interval=a.interval,
        recipients=tuple(getattr(a.notification_channel, "recipients", None) or ()),
    )
    return alert, raw.headers.get("x-request-id")
