"""An SDK client for an organization's connection, and `orgs test`: one cheap call per scope.

The audit log is optional: an organization without audit logging gets a warning, not a failure,
and with `USAGE_TRACKER_SYNC_AUDIT_LOGS=false` it is not asked at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import httpx2

from usage_tracker.domain.endpoints import AUDIT_LOGS as AUDIT_STREAM
from usage_tracker.openai_admin import (
    AdminApiError,
    iter_cost_buckets,
    iter_usage_buckets,
    list_projects,
    make_admin_client,
    probe_audit_logs,
)
from usage_tracker.openai_admin.audit_logs import ENDPOINT as AUDIT_ENDPOINT
from usage_tracker.services.orgs.credentials import Connection
from usage_tracker.settings import Settings

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


def open_client(
    conn: Connection, settings: Settings, http_client: httpx2.Client | None = None
) -> AdminClient:
    """The Admin API client for a connection (timeouts from settings, the SDK's retries)."""
    return make_admin_client(
        conn.api_key,
        conn.base_url,
        http_client=http_client,
        timeout=settings.sync_timeout_seconds,
        max_retries=settings.sync_max_retries,
    )


# ok: the call worked; failed: the key cannot do what the tracker needs; warning: an optional
# area is unavailable (audit logging off for the organization); off: not checked (turned off).
Outcome = Literal["ok", "failed", "warning", "off"]

AUDIT_TURNED_OFF = (
    "not checked: the audit_logs stream is turned off (USAGE_TRACKER_SYNC_AUDIT_LOGS=false)"
)
AUDIT_HINT = (
    "the audit_logs stream fails on every sync until this is fixed; "
    "USAGE_TRACKER_SYNC_AUDIT_LOGS=false turns it off"
)


@dataclass(frozen=True)
class CheckResult:
    family: str  # "usage", "costs", "management", "audit_logs"
    endpoint: str
    outcome: Outcome
    message: str
    missing_scope: str | None = None
    hint: str | None = None  # what else can be done (audit logs: turn the stream off)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


def _day_range(now: datetime | None) -> tuple[int, int]:
    current = now or datetime.now(UTC)
    end = int(datetime(current.year, current.month, current.day, tzinfo=UTC).timestamp())
    return end - int(timedelta(days=1).total_seconds()), end


def check_connection(
    conn: Connection,
    settings: Settings,
    *,
    http_client: httpx2.Client | None = None,
    now: datetime | None = None,
) -> list[CheckResult]:
    """Call one cheap endpoint per scope family; each result names what failed and why."""
    client = open_client(conn, settings, http_client)
    start, end = _day_range(now)
    checks: list[tuple[str, str, Callable[[], object]]] = [
        (
            "usage",
            "GET /organization/usage/completions",
            lambda: list(iter_usage_buckets(client, "completions", start, end, max_pages=2)),
        ),
        (
            "costs",
            "GET /organization/costs",
            lambda: list(iter_cost_buckets(client, start, end, (), max_pages=2)),
        ),
        ("management", "GET /organization/projects", lambda: list_projects(client)),
    ]
    results = []
    for family, endpoint, call in checks:
        try:
            call()
        except AdminApiError as exc:
            results.append(CheckResult(family, endpoint, "failed", str(exc), exc.missing_scope))
        else:
            results.append(CheckResult(family, endpoint, "ok", "ok"))
    results.append(check_audit_logs(client, settings))
    return results


def check_audit_logs(client: AdminClient, settings: Settings) -> CheckResult:
    """One event of OpenAI's audit log, with the sync stream's own messages. Audit logging off
    (or a 403 that may mean it) is a warning: the area is optional; a key that certainly lacks
    `api.audit_logs.read` fails, as a missing scope does for the other areas."""
    if not settings.sync_audit_logs:
        return CheckResult(AUDIT_STREAM, AUDIT_ENDPOINT, "off", AUDIT_TURNED_OFF)
    try:
        probe_audit_logs(client)
    except AdminApiError as exc:
        if exc.audit_logs_refusal in ("logging_off", "unexplained"):
            return CheckResult(AUDIT_STREAM, AUDIT_ENDPOINT, "warning", str(exc), hint=AUDIT_HINT)
        hint = AUDIT_HINT if exc.audit_logs_refusal == "missing_scope" else None
        return CheckResult(
            AUDIT_STREAM, AUDIT_ENDPOINT, "failed", str(exc), exc.missing_scope, hint
        )
    return CheckResult(AUDIT_STREAM, AUDIT_ENDPOINT, "ok", "ok")
