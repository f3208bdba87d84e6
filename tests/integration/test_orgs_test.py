"""`orgs test` and the audit log: ok, audit logging off, a missing scope, the stream turned off.

The key is stored in the database (SQLite and PostgreSQL) and read back as `orgs test` does;
the service runs against the in-process fake, the CLI against the fake served on loopback HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault
from tests.fakes.faults import error_body
from tests.fakes.harness import Connected, connect
from tests.integration.test_sync_cli import LoopbackFake, cli
from usage_tracker.services.orgs.connections import CheckResult, check_connection
from usage_tracker.services.orgs.credentials import add_organization, connection_for
from usage_tracker.settings import Settings

PATH = "/organization/audit_logs"
DISABLED = "audit logging is not enabled for this organization"
SETTINGS_PAGE = "Organization settings → Data controls → Data retention"
LACKS = "the admin key lacks the api.audit_logs.read scope"
TURN_OFF = "USAGE_TRACKER_SYNC_AUDIT_LOGS=false turns it off"


@pytest.fixture
def c() -> Connected:
    return connect()


def check(
    factory: sessionmaker[Session], settings: Settings, c: Connected, **extra: object
) -> dict[str, CheckResult]:
    s = settings.model_copy(update=extra)
    with factory.begin() as session:
        add_organization(session, s, "acme", c.org.admin_key, base_url=c.fake.base_url)
    with factory() as session:
        conn = connection_for(session, s, "acme")
    return {r.family: r for r in check_connection(conn, s, http_client=c.fake.http_client())}


def test_a_readable_audit_log_is_ok_with_one_cheap_call(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    results = check(session_factory, settings, c)
    assert list(results) == ["usage", "costs", "management", "audit_logs"]
    assert all(r.ok and r.outcome == "ok" for r in results.values())
    audit = results["audit_logs"]
    assert audit.endpoint == f"GET {PATH}" and audit.message == "ok" and audit.hint is None
    (call,) = c.fake.calls(PATH)
    assert call.query["limit"] == ["1"] and "after" not in call.query


@pytest.mark.parametrize("status", [403, 400])
def test_audit_logging_off_is_a_warning_with_the_sync_streams_message(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected, status: int
) -> None:
    c.fake.inject(PATH, Fault.audit_logging_disabled(status, times=None))
    results = check(session_factory, settings, c)
    audit = results["audit_logs"]
    assert audit.outcome == "warning" and not audit.ok and not audit.failed
    assert audit.message.startswith(f"{status} on GET {PATH}: {DISABLED}")
    assert SETTINGS_PAGE in audit.message and audit.missing_scope is None
    assert audit.hint is not None and TURN_OFF in audit.hint
    assert all(r.ok for name, r in results.items() if name != "audit_logs")


def test_a_missing_audit_scope_fails_and_names_the_scope(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.inject(PATH, Fault.forbidden("api.audit_logs.read", times=None))
    audit = check(session_factory, settings, c)["audit_logs"]
    assert audit.outcome == "failed" and audit.failed
    assert audit.message.startswith(f"403 on GET {PATH}: {LACKS}")
    assert "read access to Audit logs" in audit.message
    assert audit.missing_scope == "api.audit_logs.read"
    assert audit.hint is not None and TURN_OFF in audit.hint


def test_an_unexplained_403_may_be_either_and_is_a_warning(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.inject(PATH, Fault(status=403, body=error_body("Not allowed."), times=None))
    audit = check(session_factory, settings, c)["audit_logs"]
    assert audit.outcome == "warning" and audit.missing_scope is None
    assert "not enabled for this organization, or the admin key lacks the api.audit_logs.read" in (
        audit.message
    )


def test_a_server_error_on_the_audit_log_fails_like_any_other_area(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.inject(PATH, Fault.server_error(times=None))
    audit = check(session_factory, settings, c, sync_max_retries=0)["audit_logs"]
    assert audit.outcome == "failed" and audit.missing_scope is None and audit.hint is None
    assert audit.message.startswith(f"500 on GET {PATH}: the server kept failing")


def test_the_stream_turned_off_is_not_asked(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.inject(PATH, Fault.forbidden("api.audit_logs.read", times=None))
    results = check(session_factory, settings, c, sync_audit_logs=False)
    audit = results["audit_logs"]
    assert audit.outcome == "off" and not audit.ok and not audit.failed
    assert "turned off (USAGE_TRACKER_SYNC_AUDIT_LOGS=false)" in audit.message
    assert c.fake.calls(PATH) == []
    assert all(r.ok for name, r in results.items() if name != "audit_logs")


@pytest.fixture
def api() -> Iterator[LoopbackFake]:
    with LoopbackFake() as served:
        yield served


@pytest.mark.parametrize(
    ("fault", "env", "code", "mark", "expected"),
    [
        (None, {}, 0, "ok", ["every permission the tracker needs."]),
        (
            Fault.audit_logging_disabled(times=None),
            {},
            0,
            "warning",
            [DISABLED, SETTINGS_PAGE, TURN_OFF, "needs; audit_logs: not available (optional"],
        ),
        (
            Fault.forbidden("api.audit_logs.read", times=None),
            {},
            1,
            "FAILED",
            [LACKS, TURN_OFF, "the admin key lacks: api.audit_logs.read"],
        ),
        (
            Fault.forbidden("api.audit_logs.read", times=None),
            {"USAGE_TRACKER_SYNC_AUDIT_LOGS": "false"},
            0,
            "off",
            ["stream is turned off", "needs; audit_logs: not checked (turned off)."],
        ),
    ],
    ids=["ok", "disabled", "missing-scope", "setting-off"],
)
def test_orgs_test_shows_the_audit_log_line(
    cli_env: dict[str, str],
    api: LoopbackFake,
    fault: Fault | None,
    env: dict[str, str],
    code: int,
    mark: str,
    expected: list[str],
) -> None:
    env = {**cli_env, **env}
    key, base = api.org.admin_key, api.fake.base_url
    added, out = cli(env, "orgs", "add", "acme", "--base-url", base, "--key-stdin", stdin=key)
    assert added == 0, out
    if fault is not None:
        api.fake.inject(PATH, fault)
    exit_code, out = cli(env, "orgs", "test", "acme")
    assert exit_code == code, out
    lines = out.splitlines()
    for family in ("usage", "costs", "management"):
        assert any(line.split()[:1] == [family] and line.endswith(" ok") for line in lines), out
    (audit,) = [line for line in lines if line.startswith("  audit_logs ")]
    assert audit.split() == ["audit_logs", "GET", PATH, mark], out
    flat = " ".join(line.strip() for line in lines)
    for text in expected:
        assert text in flat, out
    assert key not in out
    assert len(api.fake.calls(PATH)) == (0 if mark == "off" else 1)
