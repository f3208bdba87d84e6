"""An SDK client for an organization's connection, and `orgs test`: one cheap call per scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx2
import openai

from usage_tracker.openai_admin import (
    AdminApiError,
    iter_cost_buckets,
    iter_usage_buckets,
    list_projects,
    make_admin_client,
)
from usage_tracker.services.credentials import Connection
from usage_tracker.settings import Settings


def open_client(
    conn: Connection, settings: Settings, http_client: httpx2.Client | None = None
) -> openai.OpenAI:
    """The Admin API client for a connection (timeouts from settings, the SDK's retries)."""
    return make_admin_client(
        conn.api_key,
        conn.base_url,
        http_client=http_client,
        timeout=settings.sync_timeout_seconds,
        max_retries=settings.sync_max_retries,
    )


@dataclass(frozen=True)
class CheckResult:
    family: str  # "usage", "costs", "management"
    endpoint: str
    ok: bool
    message: str
    missing_scope: str | None = None


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
            results.append(CheckResult(family, endpoint, False, str(exc), exc.missing_scope))
        else:
            results.append(CheckResult(family, endpoint, True, "ok"))
    return results
