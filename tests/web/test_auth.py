"""Sign-in, setup, sessions, CSRF, roles and headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import PASSWORD, csrf_of, sign_in
from usage_tracker.db.engine import transaction
from usage_tracker.services.accounts.accounts import reset_password, set_disabled
from usage_tracker.services.ledger.imports import import_history
from usage_tracker.services.sync.status import sync_history

PAGES = ["/", "/users", "/projects", "/models", "/keys", "/data", "/api/docs", "/api/openapi.json"]
PAGES += ["/export/users.csv", "/users/detail?key=u"]
API = ["/api/v1/summary", "/api/v1/overview", "/api/v1/users", "/api/v1/dimensions"]


def test_healthz_needs_no_login(anon: TestClient) -> None:
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_login(anon: TestClient, path: str) -> None:
    response = anon.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", API)
def test_api_answers_401_without_credentials(anon: TestClient, path: str) -> None:
    response = anon.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_first_start_offers_one_time_setup(app: FastAPI, anon: TestClient) -> None:
    token = app.state.setup_token
    assert token
    assert "usage-tracker users create" in anon.get("/login").text
    assert anon.get("/setup?token=wrong").status_code == 403
    form = anon.get(f"/setup?token={token}")
    assert form.status_code == 200
    data = {
        "token": token,
        "name": "root",
        "password": PASSWORD,
        "password2": PASSWORD,
        "csrf_token": csrf_of(anon, f"/setup?token={token}"),
    }
    response = anon.post("/setup", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert anon.get("/", follow_redirects=False).status_code == 200
    assert app.state.setup_token is None
    assert anon.get(f"/setup?token={token}").status_code == 404


def test_setup_is_closed_when_accounts_exist(app: FastAPI, accounts: dict[str, str]) -> None:
    from usage_tracker.web import create_app

    other = create_app(app.state.settings)
    assert other.state.setup_token is None
    other.state.engine.dispose()


def test_wrong_password_then_throttled(anon: TestClient, accounts: dict[str, str]) -> None:
    token = csrf_of(anon)
    data = {"name": "ada", "password": "nope-nope", "csrf_token": token}
    for _ in range(5):
        assert anon.post("/login", data=data).status_code == 401
    data["password"] = PASSWORD
    throttled = anon.post("/login", data=data)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


def test_login_without_csrf_token_is_rejected(anon: TestClient, accounts: dict[str, str]) -> None:
    response = anon.post("/login", data={"name": "ada", "password": PASSWORD})
    assert response.status_code == 403
    bad = anon.post("/login", data={"name": "ada", "password": PASSWORD, "csrf_token": "x"})
    assert bad.status_code == 403


def test_logout_needs_csrf(admin: TestClient) -> None:
    assert admin.post("/logout").status_code == 403
    assert admin.get("/", follow_redirects=False).status_code == 200  # still signed in
    token = csrf_of(admin, "/")
    response = admin.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert admin.get("/", follow_redirects=False).status_code == 303


def test_session_cookie_flags(app: FastAPI, accounts: dict[str, str]) -> None:
    with TestClient(app) as plain:
        cookie = plain.get("/login").headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    with TestClient(app, base_url="https://testserver") as tls:
        cookie = tls.get("/login").headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert "strict-transport-security" in tls.get("/login").headers


def test_security_headers_and_csp(anon: TestClient) -> None:
    headers = anon.get("/login").headers
    csp = headers["content-security-policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert script_src.strip() == "script-src 'self'"
    style_src = next(p for p in csp.split(";") if p.strip().startswith("style-src"))
    assert style_src.strip() == "style-src 'self'"  # no inline style (charts use classes)
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_no_inline_script_in_pages(admin: TestClient) -> None:
    for path in ("/", "/users", "/data", "/login"):
        html = admin.get(path).text
        for tag in html.split("<script")[1:]:
            head = tag.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, head


def test_disable_and_reset_end_sessions(
    app: FastAPI, session_factory: sessionmaker[Session], accounts: dict[str, str]
) -> None:
    with TestClient(app) as client:
        sign_in(client, "val")
        assert client.get("/", follow_redirects=False).status_code == 200
        with transaction(session_factory) as session:
            reset_password(session, "val", "another-password")
        assert client.get("/", follow_redirects=False).status_code == 303
        sign_in(client, "val", "another-password")
        with transaction(session_factory) as session:
            set_disabled(session, "val")
        assert client.get("/", follow_redirects=False).status_code == 303
        token = csrf_of(client)
        data = {"name": "val", "password": "another-password", "csrf_token": token}
        assert client.post("/login", data=data).status_code == 401


def test_viewer_cannot_use_admin_actions(
    viewer: TestClient, session_factory: sessionmaker[Session], samples_dir: Path
) -> None:
    page = viewer.get("/data").text
    assert "data-upload" not in page
    token = csrf_of(viewer, "/data")
    sample = samples_dir / "usage_completions_1d.json"  # a file an admin's upload imports
    files = {"files": (sample.name, sample.read_bytes(), "application/json")}
    response = viewer.post("/data/upload", files=files, headers={"X-CSRF-Token": token})
    assert response.status_code == 403
    sync = viewer.post("/data/sync", headers={"X-CSRF-Token": token})
    assert sync.status_code == 403
    with session_factory() as session:
        assert import_history(session) == [] and sync_history(session) == []


def test_open_redirect_is_refused(anon: TestClient, accounts: dict[str, str]) -> None:
    token = csrf_of(anon)
    data = {"name": "ada", "password": PASSWORD, "csrf_token": token, "next": "//evil.example"}
    response = anon.post("/login", data=data, follow_redirects=False)
    assert response.headers["location"] == "/"
