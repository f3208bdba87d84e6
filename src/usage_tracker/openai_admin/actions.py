"""Changes made through the Admin API (rate limits, key deletion), returning plain records.

Callers (services) preview, confirm and audit; these functions only make the call. The `*_call`
variants also return OpenAI's request id (`x-request-id`) of the successful answer, for the audit
log; a failed call's request id is on the `AdminApiError`.
"""

from __future__ import annotations

from typing import Any

import openai

from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS, RateLimit
from usage_tracker.openai_admin.client import client_timeout
from usage_tracker.openai_admin.errors import admin_call
from usage_tracker.openai_admin.metadata import rate_limit_record


def update_rate_limit_call(
    client: openai.OpenAI, project_id: str, rate_limit_id: str, **limits: int
) -> tuple[RateLimit, str | None]:
    """Set some of a rate limit's fields; (the limit as now stored, OpenAI's request id)."""
    unknown = set(limits) - set(RATE_LIMIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown rate limit fields {sorted(unknown)}")
    endpoint = f"POST /organization/projects/{project_id}/rate_limits/{rate_limit_id}"
    with admin_call(endpoint, client_timeout(client)):
        rate_limits: Any = client.admin.organization.projects.rate_limits
        raw = rate_limits.with_raw_response.update_rate_limit(
            rate_limit_id, project_id=project_id, **limits
        )
        r = raw.parse()
    return rate_limit_record(r, project_id), raw.headers.get("x-request-id")


def update_rate_limit(
    client: openai.OpenAI, project_id: str, rate_limit_id: str, **limits: int
) -> RateLimit:
    """Set some of a project × model rate limit's fields; returns the limit as now stored."""
    return update_rate_limit_call(client, project_id, rate_limit_id, **limits)[0]


def delete_project_api_key_call(
    client: openai.OpenAI, project_id: str, api_key_id: str
) -> tuple[bool, str | None]:
    """Revoke a project API key; (deleted as the API confirms, OpenAI's request id)."""
    endpoint = f"DELETE /organization/projects/{project_id}/api_keys/{api_key_id}"
    with admin_call(endpoint, client_timeout(client)):
        raw = client.admin.organization.projects.api_keys.with_raw_response.delete(
            api_key_id, project_id=project_id
        )
        result = raw.parse()
    return bool(result.deleted), raw.headers.get("x-request-id")


def delete_project_api_key(client: openai.OpenAI, project_id: str, api_key_id: str) -> bool:
    """Revoke a project API key; True when the API confirms the deletion."""
    return delete_project_api_key_call(client, project_id, api_key_id)[0]
