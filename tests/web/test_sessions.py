"""Sessions end on the server (issue 17): sign-out refuses a copied cookie, sessions expire,
"sign out everywhere", and the sign-in throttle holds under concurrent wrong passwords."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import PASSWORD, csrf_of, sign_in
from usage_tracker.db.base import utcnow
from usage_tracker.db.models import LoginThrottle, WebSession
from usage_tracker.services.accounts import accounts as accounts_service
from usage_tracker.services.accounts.accounts import MAX_FAILURES, LoginThrottled, authenticate

pytestmark = pytest.mark.usefixtures("accounts")


def _copy(app: FastAPI, source: TestClient) -> TestClient:
    """Another browser holding a copy of `source`'s cookie."""
    thief = TestClient(app)
    thief.cookies.update(dict(source.cookies.items()))
    return thief


def _signed_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def test_sign_out_ends_the_session_so_a_copied_cookie_is_refused(
    app: FastAPI, admin: TestClient
) -> None:
    thief = _copy(app, admin)
    assert _signed_in(thief)
    token = csrf_of(admin, "/")
    assert (
        admin.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    assert not _signed_in(admin)
    assert not _signed_in(thief)
    assert thief.get("/api/v1/summary").status_code == 401


def test_a_session_past_its_lifetime_is_refused(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    assert _signed_in(admin)
    with session_factory() as db:
        db.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert not _signed_in(admin)


def test_sign_out_everywhere_ends_every_browser_of_the_account(
    app: FastAPI, accounts: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with TestClient(app) as one, TestClient(app) as two, TestClient(app) as other:
        sign_in(one, accounts["admin"])
        sign_in(two, accounts["admin"])
        sign_in(other, accounts["viewer"])
        page = one.get("/account")
        assert page.status_code == 200 and page.text.count("data-session>") == 2
        assert "this browser" in page.text and "data-sign-out-everywhere" in page.text
        token = csrf_of(one, "/account")
        r = one.post(
            "/account/sign-out-everywhere", data={"csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert not _signed_in(one) and not _signed_in(two)
        assert _signed_in(other)  # another account is untouched
    with session_factory() as db:
        assert len(db.scalars(select(WebSession)).all()) == 1


def test_sign_out_everywhere_needs_csrf(admin: TestClient) -> None:
    assert admin.post("/account/sign-out-everywhere").status_code == 403
    assert _signed_in(admin)


def _wrong_sign_ins(session_factory: sessionmaker[Session], name: str, n: int) -> dict[str, int]:
    """`n` threads try a wrong password at once (same name and address)."""
    counts = {"checked": 0, "throttled": 0, "errors": 0}
    lock = threading.Lock()
    start = threading.Barrier(n)
    real = accounts_service._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            with lock:
                counts["checked"] += 1
            return real.verify(hash_, password)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    def attempt() -> None:
        start.wait()
        try:
            with session_factory() as db:
                assert authenticate(db, name, "wrong-password", "10.0.0.9") is None
                db.commit()
        except LoginThrottled:
            with lock:
                counts["throttled"] += 1
        except Exception:  # counted: the test asserts there are none
            with lock:
                counts["errors"] += 1

    accounts_service._hasher = Counting()  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=attempt) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        accounts_service._hasher = real
    return counts


def test_thirty_concurrent_wrong_sign_ins_check_at_most_the_limit_and_never_fail(
    session_factory: sessionmaker[Session], accounts: dict[str, str]
) -> None:
    counts = _wrong_sign_ins(session_factory, accounts["admin"], 30)
    assert counts["errors"] == 0
    assert counts["checked"] <= MAX_FAILURES
    assert counts["checked"] + counts["throttled"] == 30
    with session_factory() as db:
        rows = db.scalars(select(LoginThrottle)).all()
        assert {r.key for r in rows} == {"name:ada", "ip:10.0.0.9"}
        assert all(r.locked_until is not None and r.locked_until > utcnow() for r in rows)
        with pytest.raises(LoginThrottled):
            authenticate(db, accounts["admin"], PASSWORD, "10.0.0.9")  # locked, even if right


def test_a_right_password_gives_its_attempt_back(
    session_factory: sessionmaker[Session], accounts: dict[str, str]
) -> None:
    with session_factory() as db:
        for _ in range(MAX_FAILURES - 1):
            assert authenticate(db, accounts["viewer"], "nope-nope", "10.0.0.7") is None
        assert authenticate(db, accounts["viewer"], PASSWORD, "10.0.0.7") is not None
        db.commit()
        assert db.scalar(select(LoginThrottle).where(LoginThrottle.key == "name:val")) is None
        address = db.scalar(select(LoginThrottle).where(LoginThrottle.key == "ip:10.0.0.7"))
        assert address is not None and address.failures == MAX_FAILURES - 1
        assert address.locked_until is None
