"""Changes made through the Admin API (rate limits, key deletion), returning plain records.

Callers (services) preview, confirm and audit; these functions only make the call.
"""

from __future__ import annotations

from typing import Any

import openai

from usage_tracker.openai_admin.client import client_timeout
from usage_tracker.openai_admin.errors import admin_call
from usage_tracker.openai_admin.models import RateLimit

RATE_LIMIT_FIELDS = (
    "max_requests_per_1_minute",
    "max_tokens_per_1_minute",
    "max_images_per_1_minute",
    "max_audio_megabytes_per_1_minute",
    "max_requests_per_1_day",
    "batch_1_day_max_input_tokens",
)


def update_rate_limit(
    client: openai.OpenAI, project_id: str, rate_limit_id: str, **limits: int
) -> RateLimit:
    """Set some of a project × model rate limit's fields; returns the limit as now stored."""
    unknown = set(limits) - set(RATE_LIMIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown rate limit fields {sorted(unknown)}")
    endpoint = f"POST /organization/projects/{project_id}/rate_limits/{rate_limit_id}"
    with admin_call(endpoint, client_timeout(client)):
        rate_limits: Any = client.admin.organization.projects.rate_limits
        r = rate_limits.update_rate_limit(rate_limit_id, project_id=project_id, **limits)
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


def delete_project_api_key(client: openai.OpenAI, project_id: str, api_key_id: str) -> bool:
    """Revoke a project API key; True when the API confirms the deletion."""
    endpoint = f"DELETE /organization/projects/{project_id}/api_keys/{api_key_id}"
    with admin_call(endpoint, client_timeout(client)):
        result = client.admin.organization.projects.api_keys.delete(
            api_key_id, project_id=project_id
        )
    return bool(result.deleted)
