"""Failures end in an AdminApiError that names the endpoint and what to do; keys never leak."""

from __future__ import annotations

import logging

import pytest

from tests.fakes import Fault
from tests.fakes.harness import connect
from usage_tracker.openai_admin import (
    AdminApiError,
    AdminKeyMissingError,
    iter_cost_buckets,
    iter_usage_buckets,
    list_members,
    list_projects,
    make_admin_client,
)
from usage_tracker.openai_admin.errors import scrub

UNKNOWN = {"object": "organization.usage.telepathy.result", "num_model_requests": 7}


def _costs(c, **kwargs):  # type: ignore[no-untyped-def]
    return list(iter_cost_buckets(c.client, c.days_ago(3), c.today, ("project_id",), **kwargs))


def test_a_wrong_key_is_a_401_naming_the_endpoint_and_never_the_key() -> None:
    c = connect(key="sk-admin-WRONGwrongWRONGwrong0123456789")
    with pytest.raises(AdminApiError) as caught:
        _costs(c)
    error = caught.value
    assert error.status == 401 and error.is_auth_problem
    assert "401 on GET /organization/costs" in str(error)
    assert "OPENAI_ADMIN_KEY" in str(error)
    assert "WRONGwrongWRONG" not in str(error) and "0123456789" not in str(error)
    assert len(c.fake.requests) == 1  # 401 is not retried


def test_a_missing_scope_is_named_with_what_to_grant() -> None:
    c = connect()
    c.fake.inject("/organization/usage/completions", Fault.forbidden("api.usage.read"))
    with pytest.raises(AdminApiError) as caught:
        list(iter_usage_buckets(c.client, "completions", c.days_ago(2), c.today))
    error = caught.value
    assert error.status == 403 and error.missing_scope == "api.usage.read"
    assert str(error).startswith(
        "403 on GET /organization/usage/completions: the admin key lacks the api.usage.read "
        "scope — create a key with read access to Usage"
    )
    assert error.request_id and error.request_id.startswith("req_")


def test_a_403_without_a_scope_in_the_message_falls_back_to_the_known_scope() -> None:
    c = connect()
    fault = Fault.forbidden()
    fault.body["error"]["message"] = "Forbidden."
    c.fake.inject("/organization/users", fault)
    with pytest.raises(AdminApiError) as caught:
        list_members(c.client)
    assert caught.value.missing_scope == "api.management.read"


def test_429_with_retry_after_is_retried_by_the_sdk_and_succeeds(sdk_sleeps: list[float]) -> None:
    c = connect()
    c.fake.inject("/organization/costs", Fault.rate_limited(retry_after=1))
    assert len(_costs(c)) == 3
    assert sdk_sleeps == [1.0]  # the SDK waited as told (recorded, not slept: tests/conftest.py)
    assert [r.status for r in c.fake.requests] == [429, 200]


def test_retry_after_ms_wins_and_a_500_without_it_backs_off(sdk_sleeps: list[float]) -> None:
    c = connect(max_retries=2)
    c.fake.inject("/organization/costs", Fault.rate_limited(retry_after=3, retry_after_ms=5))
    c.fake.inject("/organization/projects", Fault.server_error(times=2))
    assert len(_costs(c)) == 3
    assert len(list_projects(c.client)) == 6
    first, *backoff = sdk_sleeps
    assert first == 0.005
    assert len(backoff) == 2 and 0.375 <= backoff[0] <= 0.5 and 0.75 <= backoff[1] <= 1.0


def test_repeated_429_surfaces_after_the_retries() -> None:
    c = connect(max_retries=2)
    c.fake.inject("/organization/costs", Fault.rate_limited(retry_after_ms=5, times=None))
    with pytest.raises(AdminApiError, match="429 on GET /organization/costs: still rate"):
        _costs(c)
    assert len(c.fake.requests) == 3


def test_a_500_is_retried_then_succeeds() -> None:
    c = connect(max_retries=1)
    c.fake.inject("/organization/projects", Fault.server_error())
    assert len(list_projects(c.client)) == 6
    assert [r.status for r in c.fake.requests] == [500, 200]


def test_a_persistent_500_is_surfaced() -> None:
    c = connect(max_retries=2)
    c.fake.inject("/organization/usage/*", Fault.server_error(502, retry_after_ms=1, times=None))
    with pytest.raises(AdminApiError) as caught:
        list(iter_usage_buckets(c.client, "embeddings", c.days_ago(2), c.today))
    assert caught.value.status == 502
    assert "try again later" in str(caught.value)
    assert len(c.fake.requests) == 3


def test_a_timeout_is_surfaced_after_the_retries() -> None:
    c = connect(timeout=0.05, max_retries=1)
    c.fake.inject("/organization/costs", Fault.slow(1.0, times=None))
    with pytest.raises(AdminApiError) as caught:
        _costs(c)
    assert caught.value.status is None
    assert "timed out" in str(caught.value) and "0.05s" in str(caught.value)
    assert len(c.fake.requests) == 2


def test_a_slow_answer_within_the_timeout_is_fine() -> None:
    c = connect(timeout=2.0)
    c.fake.inject("/organization/costs", Fault.slow(0.05))
    assert len(_costs(c)) == 3


def test_endless_has_more_ends_in_a_clear_error() -> None:
    c = connect()
    c.fake.inject("/organization/costs", Fault.endless_has_more())
    with pytest.raises(AdminApiError, match=r"has_more=true after 5 pages"):
        _costs(c, max_pages=5)
    assert len(c.fake.requests) == 5


def test_endless_lists_end_in_a_clear_error_too() -> None:
    from tests.fakes import build_org

    c = connect(build_org(0, users=150, days=1))
    with pytest.raises(AdminApiError, match="after 1 pages"):
        list_members(c.client, max_pages=1)


def test_a_malformed_body_is_a_clear_error() -> None:
    c = connect()
    c.fake.inject("/organization/costs", Fault.malformed_json())
    with pytest.raises(AdminApiError, match="not valid JSON"):
        _costs(c)
    c.fake.inject("/organization/projects", Fault.malformed_json())
    with pytest.raises(AdminApiError, match=r"GET /organization/projects: .*not valid JSON"):
        list_projects(c.client)


def test_unknown_and_foreign_result_kinds_are_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    c = connect()
    foreign = {
        "object": "organization.usage.embeddings.result",
        "input_tokens": 5,
        "num_model_requests": 1,
    }
    c.fake.inject("/organization/usage/completions", Fault.with_results(UNKNOWN, UNKNOWN, foreign))
    start, end = c.days_ago(3), c.today
    with caplog.at_level(logging.WARNING):
        buckets = list(iter_usage_buckets(c.client, "completions", start, end, "1d", ("model",)))
    records = [r for b in buckets for r in b.usage]
    assert all(r.endpoint == "completions" for r in records)
    requests = sum(r.metrics["num_model_requests"] for r in records)
    assert requests == c.org.total_usage("completions", "num_model_requests", start, end)
    text = "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "organization.usage.telepathy.result is an unknown result kind" in text
    assert "skipped 2 results of object organization.usage.telepathy.result" in text
    assert "organization.usage.embeddings.result belongs to another endpoint" in text


def test_a_usage_result_inside_costs_is_not_read_as_a_cost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    c = connect()
    completions = {
        "object": "organization.usage.completions.result",
        "input_tokens": 1,
        "output_tokens": 1,
        "num_model_requests": 1,
    }
    c.fake.inject("/organization/costs", Fault.with_results(completions))
    with caplog.at_level(logging.WARNING):
        buckets = _costs(c)
    assert sum(len(b.costs) for b in buckets) == sum(len(b.costs) for b in _costs(c))
    assert any("belongs to another endpoint" in r.getMessage() for r in caplog.records)


def test_the_admin_key_never_appears_in_any_log_record_or_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    c = connect(max_retries=1)
    key = c.org.admin_key
    c.fake.inject("/organization/costs", Fault.rate_limited(retry_after_ms=1))
    c.fake.inject("/organization/users", Fault.forbidden("api.management.read"))
    errors: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for name in ("openai", "httpx2", "httpcore", "usage_tracker"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        _costs(c)
        list(iter_usage_buckets(c.client, "completions", c.days_ago(2), c.today))
        list_projects(c.client)
        for call in (
            lambda: list_members(c.client),
            lambda: _costs(connect(c.org, key=key[:-1] + "X")),
        ):
            with pytest.raises(AdminApiError) as caught:
                call()
            errors.append(str(caught.value))
    assert len(caplog.records) > 10  # the SDK did log at DEBUG
    secret = key.removeprefix("sk-admin-")
    fragments = {secret[i : i + 10] for i in range(len(secret) - 9)}
    for text in [
        *errors,
        *(r.getMessage() for r in caplog.records),
        *(str(r.args) for r in caplog.records),
    ]:
        assert key not in text
        assert not any(f in text for f in fragments), text


def test_scrub_redacts_anything_that_looks_like_a_key() -> None:
    assert scrub("bad key sk-admin-abcdefghijklmnop1234 here") == "bad key sk-admin-…1234 here"
    assert scrub("no key here") == "no key here"


def test_a_client_needs_a_key() -> None:
    with pytest.raises(AdminKeyMissingError):
        make_admin_client("  ")


def test_the_client_honours_base_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    client = make_admin_client("sk-admin-xxxxxxxxxxxxxxxxxxxx", timeout=7, max_retries=0)
    assert str(client.base_url) == "http://127.0.0.1:9/v1/"
    assert client.max_retries == 0
    with pytest.raises(AdminApiError, match="could not connect"):
        list_projects(client)
