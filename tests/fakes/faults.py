"""Faults the fake serves instead of (or on top of) its normal answer, queued per path.

    fake.inject("/organization/costs", Fault.rate_limited(retry_after=1), Fault.server_error())
    fake.inject("/organization/usage/*", Fault.endless_has_more())   # until cleared
    fake.inject("/organization/projects/*/rate_limits/*", Fault.held(gate, times=3))  # until set

A path is a glob over the path after /v1. Each fault applies `times` times (None: forever).
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from typing import Any


def error_body(
    message: str,
    type_: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
) -> dict[str, Any]:
    """OpenAI's error envelope."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def masked(key: str) -> str:
    """How OpenAI quotes a rejected key in its 401 message."""
    return f"{key[:9]}{'*' * 20}{key[-4:]}" if len(key) > 13 else "****"


@dataclass
class Fault:
    status: int | None = None  # an error answer instead of the real one
    body: Any = None  # JSON for that answer
    raw: bytes | None = None  # a raw (possibly malformed) 200 body instead of the real one
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering; beyond the client's timeout → timeout
    gate: threading.Event | None = None  # answer only once it is set (at most HELD_SECONDS)
    extra_results: list[dict[str, Any]] = field(default_factory=list)  # into the first bucket
    endless: bool = False  # answer has_more=true with a fresh cursor, always
    repeat_cursor: bool = False  # answer has_more=true with the same cursor, always
    times: int | None = 1
    method: str | None = None  # only this HTTP method (None: any)

    @property
    def validates(self) -> bool:
        """False for the deliberately spec-breaking faults."""
        return self.raw is None and not any(
            r.get("object") not in KNOWN_RESULT_OBJECTS for r in self.extra_results
        )

    @classmethod
    def unauthorized(cls, *, times: int | None = 1) -> Fault:
        return cls(
            status=401,
            body=error_body(
                "Incorrect API key provided. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            ),
            times=times,
        )

    @classmethod
    def forbidden(cls, scope: str = "api.usage.read", *, times: int | None = 1) -> Fault:
        return cls(
            status=403,
            body=error_body(
                f"You have insufficient permissions for this operation. Missing scopes: {scope}. "
                "Check that you have the correct role in your organization (Reader, Writer, Owner) "
                "and project (Member, Owner), and if you're using a restricted API key, that it "
                "has the necessary scopes."
            ),
            times=times,
        )

    @classmethod
    def audit_logging_disabled(cls, status: int = 403, *, times: int | None = 1) -> Fault:
        """What `GET /organization/audit_logs` answers while the organization has audit logging
        off (OpenAI does not document the exact status; 403 and 400 are both handled)."""
        return cls(
            status=status,
            body=error_body(
                "Audit logging is not enabled for this organization. An organization owner can "
                "enable it in the organization settings."
            ),
            times=times,
        )

    @classmethod
    def rate_limited(
        cls, retry_after: int = 1, *, retry_after_ms: int | None = None, times: int | None = 1
    ) -> Fault:
        headers = {"retry-after": str(retry_after)}
        if retry_after_ms is not None:
            headers["retry-after-ms"] = str(retry_after_ms)
        return cls(
            status=429,
            headers=headers,
            times=times,
            body=error_body(
                "Rate limit reached for requests. Please try again later.",
                "requests",
                "rate_limit_exceeded",
            ),
        )

    @classmethod
    def server_error(
        cls, status: int = 500, *, times: int | None = 1, retry_after_ms: int | None = None
    ) -> Fault:
        headers = {} if retry_after_ms is None else {"retry-after-ms": str(retry_after_ms)}
        return cls(
            status=status,
            headers=headers,
            times=times,
            body=error_body(
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
            ),
        )

    @classmethod
    def slow(cls, seconds: float, *, times: int | None = 1) -> Fault:
        return cls(delay=seconds, times=times)

    @classmethod
    def held(cls, gate: threading.Event, *, times: int | None = 1) -> Fault:
        """The normal answer, once the test sets `gate`: calls in flight for as long as needed."""
        return cls(gate=gate, times=times)

    @classmethod
    def malformed_json(cls, *, times: int | None = 1) -> Fault:
        return cls(raw=b'{"object": "page", "data": [{"object": "bucket", "start_', times=times)

    @classmethod
    def with_results(cls, *results: dict[str, Any], times: int | None = 1) -> Fault:
        """Extra results in the first bucket of the next page (e.g. an unknown `object`)."""
        return cls(extra_results=list(results), times=times)

    @classmethod
    def endless_has_more(cls) -> Fault:
        return cls(endless=True, times=None)

    @classmethod
    def repeating_cursor(cls) -> Fault:
        """has_more=true with the same next_page on every page: a server stuck in a loop."""
        return cls(repeat_cursor=True, times=None)


KNOWN_RESULT_OBJECTS = frozenset(
    {
        "organization.costs.result",
        *(
            f"organization.usage.{n}.result"
            for n in (
                "completions",
                "embeddings",
                "moderations",
                "images",
                "audio_speeches",
                "audio_transcriptions",
                "vector_stores",
                "code_interpreter_sessions",
                "file_searches",
                "web_searches",
            )
        ),
    }
)


HELD_SECONDS = 30.0  # a held call answers anyway after this, so a failing test cannot hang


@dataclass
class FaultQueue:
    queued: list[tuple[str, Fault]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, pattern: str, *faults: Fault) -> None:
        with self._lock:
            self.queued.extend((pattern, f) for f in faults)

    def clear(self) -> None:
        with self._lock:
            self.queued.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The next fault for this request, consuming one of its `times` (thread-safe: the fake
        answers concurrent calls)."""
        with self._lock:
            for index, (pattern, fault) in enumerate(self.queued):
                if fault.method not in (None, method) or not fnmatch.fnmatchcase(path, pattern):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        del self.queued[index]
                return fault
            return None
