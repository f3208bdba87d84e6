"""A stateful fake of the OpenAI Admin API, served as an httpx2 transport.

    org = build_org(seed=1)
    fake = FakeAdminApi(org)
    client = make_admin_client(org.admin_key, fake.base_url, http_client=fake.http_client())
    fake.inject("/organization/costs", Fault.rate_limited(retry_after=1))
    ...
    assert fake.calls("/organization/costs")[0].query["limit"] == ["180"]

Every JSON answer is validated against the spec's schema for its path, method and status (a
violation raises SpecViolation inside the test), except the deliberately broken faults.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx2

from tests.fakes.buckets import BadRequest, costs_page, encode_cursor, usage_page
from tests.fakes.faults import HELD_SECONDS, Fault, FaultQueue, error_body, masked
from tests.fakes.org import FakeOrg
from tests.fakes.routes import ROUTES, NotFound
from tests.fakes.spec import Spec, SpecViolation, load_spec
from usage_tracker.domain.endpoints import USAGE_ENDPOINTS

BASE_URL = "https://fake-openai.test/v1"
_USAGE = re.compile(r"^/organization/usage/([a-z_]+)$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # after /v1
    query: dict[str, list[str]]
    status: int | None = None  # None when the transport timed out


@dataclass
class FakeAdminApi:
    org: FakeOrg
    base_url: str = BASE_URL
    validate: bool = True
    spec: Spec = field(default_factory=load_spec)
    faults: FaultQueue = field(default_factory=FaultQueue)
    requests: list[RecordedRequest] = field(default_factory=list)
    _serial: int = 0

    # --- for tests ----------------------------------------------------------------------------

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def http_client(self) -> httpx2.Client:
        return httpx2.Client(transport=self.transport())

    def inject(self, path: str, *faults: Fault) -> None:
        """Queue faults for requests whose path (after /v1, glob allowed) matches."""
        self.faults.add(path, *faults)

    def writes(self) -> list[RecordedRequest]:
        """Every request that asked OpenAI to change something (anything but GET)."""
        return [r for r in self.requests if r.method != "GET"]

    def calls(self, path: str | None = None, method: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (path is None or r.path == path) and (method is None or r.method == method)
        ]

    # --- the transport ------------------------------------------------------------------------

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        prefix = httpx2.URL(self.base_url).path.rstrip("/")
        path = request.url.path
        path = path[len(prefix) :] if path.startswith(prefix) else path
        query = parse_qs(
            request.url.query.decode()
            if isinstance(request.url.query, bytes)
            else str(request.url.query),
            keep_blank_values=True,
        )
        method = request.method
        fault = self.faults.take(method, path)
        if fault is not None and fault.gate is not None:
            fault.gate.wait(HELD_SECONDS)
        if fault is not None and fault.delay:
            read = (request.extensions.get("timeout") or {}).get("read")
            if read is not None and fault.delay > read:
                # what the client sees after `read` seconds, without waiting for them
                self.requests.append(RecordedRequest(method, path, query, None))
                raise httpx2.ReadTimeout("fake: no answer in time", request=request)
            time.sleep(fault.delay)
        status, body, headers = self._answer(request, method, path, query, fault)
        self.requests.append(RecordedRequest(method, path, query, status))
        if isinstance(body, bytes):
            return httpx2.Response(
                status, content=body, headers={"content-type": "application/json", **headers}
            )
        if self.validate and (fault is None or fault.validates):
            self.spec.validate_response(method, path, status, body)
        return httpx2.Response(
            status, json=body, headers={"x-request-id": self._request_id(), **headers}
        )

    def _request_id(self) -> str:
        self._serial += 1
        return f"req_fake{self._serial:06d}"

    def _answer(
        self,
        request: httpx2.Request,
        method: str,
        path: str,
        query: dict[str, list[str]],
        fault: Fault | None,
    ) -> tuple[int, Any, dict[str, str]]:
        if fault is not None and fault.status is not None:
            return fault.status, fault.body, dict(fault.headers)
        if request.headers.get("authorization") != f"Bearer {self.org.admin_key}":
            given = request.headers.get("authorization", "").removeprefix("Bearer ")
            return (
                401,
                error_body(
                    f"Incorrect API key provided: {masked(given)}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    code="invalid_api_key",
                ),
                {},
            )
        if fault is not None and fault.raw is not None:
            return 200, fault.raw, {}
        try:
            body = json.loads(request.content) if request.content else None
            status, answer = self._route(method, path, query, body)
        except BadRequest as exc:
            return 400, error_body(exc.message, param=exc.param), {}
        except NotFound as exc:
            return 404, error_body(str(exc)), {}
        if (
            status == 200
            and fault is not None
            and isinstance(answer, dict)
            and "next_page" in answer
        ):
            self._apply_page_fault(answer, fault)
        return status, answer, {}

    def _apply_page_fault(self, page: dict[str, Any], fault: Fault) -> None:
        if fault.extra_results and page["data"]:
            page["data"][0]["results"].extend(json.loads(json.dumps(fault.extra_results)))
        if fault.repeat_cursor:
            start = page["data"][0]["start_time"] if page["data"] else 0
            page["has_more"] = True
            page["next_page"] = encode_cursor(start, 0)
        if fault.endless:
            self._serial += 1
            start = page["data"][-1]["start_time"] if page["data"] else 0
            page["has_more"] = True
            page["next_page"] = encode_cursor(start, self._serial)

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        if self.spec.operation(method, path) is None:
            raise SpecViolation(f"the client called {method} {path}, which the spec lacks")
        if method == "GET" and path == "/organization/costs":
            return 200, costs_page(self.org, query)
        usage = _USAGE.match(path)
        if method == "GET" and usage and usage.group(1) in USAGE_ENDPOINTS:
            return 200, usage_page(self.org, usage.group(1), query)
        for route_method, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, path)
            if match is None or route_method not in ("*", method):
                continue
            if route_method == "*":
                return handler(self.org, query, body, *match.groups(), method=method)
            return handler(self.org, query, body, *match.groups())
        raise NotFound(f"The fake does not serve {method} {path}.")
