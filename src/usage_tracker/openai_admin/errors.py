"""SDK exceptions → one `AdminApiError` that says what happened and what to do.

Messages never carry a key: anything in a server's text that looks like an OpenAI key is
redacted before it reaches a message or a log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

import openai

from usage_tracker.domain.secrets import redact_key

log = logging.getLogger(__name__)

_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9*_\-]{4,}")
_MISSING_SCOPE = re.compile(r"[Mm]issing scopes?:\s*(\w+(?:\.\w+)*)")

# What an admin key needs, by path prefix (the scope names OpenAI reports in its 403 errors).
_SCOPE_BY_PREFIX: tuple[tuple[str, str, str], ...] = (
    ("/organization/costs", "api.usage.read", "read access to Usage"),
    ("/organization/usage/", "api.usage.read", "read access to Usage"),
    ("/organization/audit_logs", "api.audit_logs.read", "read access to Audit logs"),
)
_MANAGEMENT = ("api.management.read", "read access to Management")
AUDIT_LOGS_PATH = "/organization/audit_logs"
AUDIT_LOGGING_SETTINGS = (
    "Organization settings → Data controls → Data retention "
    "(https://platform.openai.com/settings/organization/data-controls/data-retention)"
)
_AUDIT_NOT_ENABLED = re.compile(
    r"audit[ _-]?log\w*\W+(?:\w+\W+){0,4}?(?:not\s+(?:been\s+)?enabled|disabled|turned\s+off)"
    r"|enable\s+audit[ _-]?log",
    re.IGNORECASE,
)
_MANAGEMENT_WRITE = ("api.management.write", "write access to Management")

# Why OpenAI refused its audit log: logging is off for the organization, the key lacks
# api.audit_logs.read, or a 403 that names neither (either one).
AuditLogsRefusal = Literal["logging_off", "missing_scope", "unexplained"]


def scrub(text: str) -> str:
    """The text with anything that looks like an OpenAI key replaced by its redacted form."""
    return _KEY_PATTERN.sub(lambda m: redact_key(m.group(0)), text)


def scope_for(endpoint: str) -> tuple[str, str]:
    """(scope, what to grant) an admin key needs for `METHOD /path`."""
    method, _, path = endpoint.partition(" ")
    for prefix, scope, grant in _SCOPE_BY_PREFIX:
        if path.startswith(prefix):
            return scope, grant
    return _MANAGEMENT if method in ("GET", "") else _MANAGEMENT_WRITE


class AdminApiError(Exception):
    """An Admin API call that failed, with the endpoint, the status and what to do about it."""

    def __init__(
        self,
        endpoint: str,
        status: int | None,
        message: str,
        request_id: str | None = None,
        missing_scope: str | None = None,
        audit_logs_refusal: AuditLogsRefusal | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.status = status
        self.message = scrub(message)
        self.request_id = request_id
        self.missing_scope = missing_scope
        self.audit_logs_refusal = audit_logs_refusal
        super().__init__(str(self))

    @property
    def is_auth_problem(self) -> bool:
        """True when the key is wrong or lacks a permission (retrying will not help)."""
        return self.status in (401, 403)

    def __str__(self) -> str:
        where = f"{self.status} on {self.endpoint}" if self.status else f"{self.endpoint}"
        text = f"{where}: {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


def _server_message(exc: openai.APIStatusError) -> str | None:
    body = exc.body
    if isinstance(body, Mapping):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            return scrub(message.strip())
    return None


def _missing_scope(exc: openai.APIStatusError, endpoint: str) -> tuple[str, str]:
    text = _server_message(exc) or ""
    match = _MISSING_SCOPE.search(text)
    scope, grant = scope_for(endpoint)
    if match:
        scope = match.group(1)
    return scope, grant


def _audit_logs_refusal(
    endpoint: str, exc: openai.APIStatusError
) -> tuple[str, str | None, AuditLogsRefusal] | None:
    """(what to do, missing scope, why) when OpenAI refuses its audit log: audit logging is off
    for the organization, or the key may not read it; None for any other answer."""
    path = endpoint.partition(" ")[2]
    if not path.startswith(AUDIT_LOGS_PATH) or exc.status_code not in (400, 403, 404):
        return None
    said = _server_message(exc) or ""
    if _AUDIT_NOT_ENABLED.search(said):
        return (
            "audit logging is not enabled for this organization — an organization owner turns it "
            f"on under {AUDIT_LOGGING_SETTINGS}",
            None,
            "logging_off",
        )
    scope, grant = _missing_scope(exc, endpoint)
    if not isinstance(exc, openai.PermissionDeniedError):
        return None
    if _MISSING_SCOPE.search(said):
        return (
            f"the admin key lacks the {scope} scope — create an admin key with {grant} "
            f"(audit logging must also be on: {AUDIT_LOGGING_SETTINGS})",
            scope,
            "missing_scope",
        )
    return (
        "the audit log was refused: audit logging is not enabled for this organization, or the "
        f"admin key lacks the {scope} scope — an organization owner turns audit logging on under "
        f"{AUDIT_LOGGING_SETTINGS}, and the admin key needs {grant}",
        scope,
        "unexplained",
    )


def from_status_error(endpoint: str, exc: openai.APIStatusError) -> AdminApiError:
    status = exc.status_code
    said = _server_message(exc)
    detail = f" (the server said: {said})" if said else ""
    scope: str | None = None
    refusal: AuditLogsRefusal | None = None
    audit_logs = _audit_logs_refusal(endpoint, exc)
    if audit_logs is not None:
        text, scope, refusal = audit_logs
    elif isinstance(exc, openai.AuthenticationError):
        text = (
            "the admin key was rejected (wrong, revoked or not an admin key) — check "
            "OPENAI_ADMIN_KEY or the organization's stored key; admin keys are created under "
            "Organization settings → Admin keys"
        )
    elif isinstance(exc, openai.PermissionDeniedError):
        scope, grant = _missing_scope(exc, endpoint)
        text = f"the admin key lacks the {scope} scope — create a key with {grant}"
    elif isinstance(exc, openai.RateLimitError):
        text = "still rate limited after the SDK's retries — wait a minute and run again"
    elif isinstance(exc, openai.NotFoundError):
        text = "not found — check the id, and that OPENAI_BASE_URL points at the API root (…/v1)"
    elif isinstance(exc, openai.BadRequestError):
        text = "the server refused the request as invalid"
    elif status >= 500:
        text = "the server kept failing after the SDK's retries — try again later"
    else:
        text = "unexpected answer"
    return AdminApiError(endpoint, status, text + detail, exc.request_id, scope, refusal)


def translate(
    endpoint: str, exc: openai.OpenAIError, timeout: float | None = None
) -> AdminApiError:
    """Our error for any SDK exception raised while calling `endpoint`."""
    if isinstance(exc, openai.APIStatusError):
        return from_status_error(endpoint, exc)
    if isinstance(exc, openai.APITimeoutError):
        within = f" within {timeout:g}s" if timeout else ""
        return AdminApiError(
            endpoint,
            None,
            f"timed out: no answer{within}, even after the SDK's retries — check the network "
            "and OPENAI_BASE_URL, or raise the timeout",
        )
    if isinstance(exc, openai.APIConnectionError):
        return AdminApiError(
            endpoint,
            None,
            "could not connect to the Admin API — check the network and OPENAI_BASE_URL",
        )
    if isinstance(exc, openai.APIResponseValidationError):
        return AdminApiError(
            endpoint, exc.status_code, "the response did not have the shape the spec promises"
        )
    return AdminApiError(endpoint, None, f"the SDK failed: {type(exc).__name__}")


@contextmanager
def admin_call(endpoint: str, timeout: float | None = None) -> Iterator[None]:
    """Run an SDK call; any SDK exception leaves as an AdminApiError naming `endpoint`."""
    try:
        yield
    except openai.OpenAIError as exc:
        error = translate(endpoint, exc, timeout)
        log.debug("admin api call failed: %s", error)
        # `from None`: the SDK's exception text may quote server bodies; ours is scrubbed.
        raise error from None
    except ValueError:
        # The SDK parses list pages itself; a body that is not JSON surfaces as ValueError.
        error = AdminApiError(
            endpoint,
            None,
            "the response body is not valid JSON — is OPENAI_BASE_URL pointing at the Admin API?",
        )
        log.debug("admin api call failed: %s", error)
        raise error from None
