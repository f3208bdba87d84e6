"""The OpenAI Admin API, through the official SDK: the only package that imports `openai`.

- `make_admin_client` — the one place a client is made; `AdminClient` — its type, for annotations
  (services, routes and commands never import the SDK themselves).
- `iter_cost_buckets`, `iter_usage_buckets` — costs and usage as domain `Bucket`s.
- `list_*` / `get_*_spend_limit` — organization metadata as plain records (`models`).
- `list_audit_events` — OpenAI's own audit log as `AuditEvent`s (`probe_audit_logs`: one event).
- `AdminApiError` — every failure, naming the endpoint, the status and what to do.
"""

from usage_tracker.openai_admin.actions import delete_project_api_key, update_rate_limit
from usage_tracker.openai_admin.audit_logs import AuditEvent, list_audit_events, probe_audit_logs
from usage_tracker.openai_admin.client import AdminClient, AdminKeyMissingError, make_admin_client
from usage_tracker.openai_admin.errors import AdminApiError
from usage_tracker.openai_admin.metadata import (
    get_organization_spend_limit,
    get_project_spend_limit,
    list_admin_api_keys,
    list_invites,
    list_members,
    list_project_api_keys,
    list_project_members,
    list_projects,
    list_rate_limits,
    list_service_accounts,
    list_spend_alerts,
)
from usage_tracker.openai_admin.pages import DEFAULT_MAX_PAGES
from usage_tracker.openai_admin.sources import iter_cost_buckets, iter_usage_buckets

__all__ = [
    "DEFAULT_MAX_PAGES",
    "AdminApiError",
    "AdminClient",
    "AdminKeyMissingError",
    "AuditEvent",
    "delete_project_api_key",
    "get_organization_spend_limit",
    "get_project_spend_limit",
    "iter_cost_buckets",
    "iter_usage_buckets",
    "list_admin_api_keys",
    "list_audit_events",
    "list_invites",
    "list_members",
    "list_project_api_keys",
    "list_project_members",
    "list_projects",
    "list_rate_limits",
    "list_service_accounts",
    "list_spend_alerts",
    "make_admin_client",
    "probe_audit_logs",
    "update_rate_limit",
]
