"""The one place an Admin API client is made: explicit timeouts, the SDK's own retries."""

from __future__ import annotations

import logging
import ssl
from functools import cache
from typing import TypeAlias

import httpx2
import openai

from usage_tracker.domain.secrets import redact_key

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 3


# What services, routes and commands annotate a client with: they never import the SDK themselves.
AdminClient: TypeAlias = openai.OpenAI


class AdminKeyMissingError(ValueError):
    """No admin key was given (and OPENAI_ADMIN_KEY is not set)."""


def make_admin_client(
    api_key: str,
    base_url: str | None = None,
    *,
    http_client: httpx2.Client | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> AdminClient:
    """An SDK client authenticated with an organization admin key.

    `base_url` None means the SDK's choice (OPENAI_BASE_URL, else api.openai.com/v1). The SDK
    retries connection errors, 408, 409, 429 and 5xx with backoff, honouring Retry-After.
    `timeout` bounds each request's reads; connecting gets at most `DEFAULT_CONNECT_TIMEOUT`.
    """
    if not api_key or not api_key.strip():
        raise AdminKeyMissingError(
            "no admin key: set OPENAI_ADMIN_KEY or add the organization with its key"
        )
    if http_client is None:
        # The SDK's own defaults (limits, redirects), with the process's one TLS context.
        http_client = openai.DefaultHttpxClient(verify=_tls_context())
    client = openai.OpenAI(
        # The regular key is unused by admin endpoints; a placeholder keeps the SDK from
        # reading OPENAI_API_KEY (a project key must never be sent where an admin key belongs).
        api_key="unused-admin-only-client",
        admin_api_key=api_key.strip(),
        base_url=base_url or None,
        timeout=httpx2.Timeout(timeout, connect=min(timeout, DEFAULT_CONNECT_TIMEOUT)),
        max_retries=max_retries,
        http_client=http_client,
    )
    log.debug(
        "admin client for %s with key %s (timeout %ss, %d retries)",
        client.base_url,
        redact_key(api_key),
        timeout,
        max_retries,
    )
    return client


@cache
def _tls_context() -> ssl.SSLContext:
    """The trust store and TLS settings every client of this process verifies OpenAI with: the
    HTTP library's default context (its CA bundle, SSL_CERT_FILE / SSL_CERT_DIR when set), built
    once. Building it loads the CA bundle, ≈ 20 ms a client (a sync makes one per organization,
    an admin action one per request)."""
    return httpx2.create_ssl_context()


def client_timeout(client: AdminClient) -> float | None:
    """The client's read timeout in seconds, for messages."""
    timeout = client.timeout
    if isinstance(timeout, httpx2.Timeout):
        return timeout.read
    if isinstance(timeout, int | float):
        return float(timeout)
    return None
