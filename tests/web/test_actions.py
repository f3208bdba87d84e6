"""Every action button answers a page that says what to do — never a 500 — whether the
organization has no key, OpenAI rejects its key (the fake answers 401), or all goes well."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.web.conftest import csrf_of, sign_in
from usage_tracker.db.engine import transaction
from usage_tracker.services.jobs.sync_then_evaluate import sync_now
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.sync.status import sync_status_rows
from usage_tracker.settings import Settings
from usage_tracker.web import create_app
from usage_tracker.web.config import WebSettings
from usage_tracker.web.sync_hook import SyncHook

FLASH = re.compile(r'<p class="flash (ok|error)"[^>]*data-flash="\w+">(.*?)</p>', re.S)
BUTTONS = (
    "members:refresh",
    "members:invites-refresh",
    "gov:keys-refresh",
    "gov:limits-refresh",
    "gov:directory-refresh",
)
ALERT = re.compile(r'<p role="alert" class="error">(.*?)</p>', re.S)


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    """Organization "acme" with a stored key for a small fake organization on loopback, and
    "zzz" with data-less nothing (no key)."""
    org = build_org(seed=3, days=2, projects=2, users=3)
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url:
        with transaction(session_factory) as session:
            add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
            ensure_organization(session, "zzz")
        yield c


@pytest.fixture
def synced_app(settings: Settings) -> Iterator[FastAPI]:
    """The app as `serve` builds it: with the real sync hook."""
    hook = SyncHook(status=sync_status_rows, run=lambda sf, org: sync_now(sf, settings, org))
    app = create_app(settings, web_settings=WebSettings(), sync=hook)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def sync_admin(synced_app: FastAPI, accounts: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(synced_app) as client:
        sign_in(client, accounts["admin"])
        yield client


def press(client: TestClient, url: str, **data: str) -> tuple[int, str]:
    """POST the button's form as the browser does, follow the redirect; (status, page)."""
    token = csrf_of(client, "/data")
    r = client.post(url, data={"csrf_token": token, **data}, headers={"accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html"), (url, r.text[:200])
    return r.status_code, r.text


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, re.sub(r"\s+", " ", text).strip()) for kind, text in FLASH.findall(html)]


def test_sync_now_without_a_key_says_how_to_add_one(
    sync_admin: TestClient, world: Connected
) -> None:
    status, page = press(sync_admin, "/data/sync", org="zzz")
    assert status == 200
    [(kind, text)] = flashes(page)
    assert kind == "error" and "zzz" in text and "usage-tracker orgs add zzz" in text
    assert 'id="sidebar"' in page and "<h1>Data</h1>" in page


def test_sync_now_with_a_rejected_key_says_what_to_do(
    sync_admin: TestClient, world: Connected
) -> None:
    world.fake.inject("*", Fault.unauthorized(times=None))
    status, page = press(sync_admin, "/data/sync", org="acme")
    assert status == 200
    [(kind, text)] = flashes(page)
    assert kind == "error" and "rejected the admin key of acme" in text
    assert "usage-tracker orgs test acme" in text
    assert 'value="acme" selected' in page  # the page stays on the chosen organization


def test_sync_now_syncs_the_chosen_organization(sync_admin: TestClient, world: Connected) -> None:
    page = sync_admin.get("/data?org=acme").text
    assert '<select name="org">' in page  # the picker: two organizations
    status, page = press(sync_admin, "/data/sync", org="acme")
    assert status == 200
    [(kind, text)] = flashes(page)
    assert kind == "ok" and text.startswith("Synced acme: acme:") and "all ok" in text
    assert world.fake.calls()  # it did reach the Admin API
    # The sync runs in the status table (labels translated), and pages now open on acme.
    assert '<td><span class="muted">Status</span> ok</td>' in page
    ko = sync_admin.get("/data", headers={"accept-language": "ko"}).text
    assert "상태" in ko


def test_sync_now_without_a_hook_says_it_is_not_available(admin: TestClient) -> None:
    status, page = press(admin, "/data/sync")
    assert status == 200
    [(kind, text)] = flashes(page)
    assert kind == "error" and "Sync is not available" in text


def test_sync_json_for_a_client_that_asks(sync_admin: TestClient, world: Connected) -> None:
    token = csrf_of(sync_admin, "/data")
    r = sync_admin.post(
        "/data/sync",
        data={"org": "zzz"},
        headers={"x-csrf-token": token, "accept": "application/json"},
    )
    assert r.status_code == 409 and r.json()["ok"] is False and "zzz" in r.json()["message"]


@pytest.mark.parametrize("button", BUTTONS)
def test_refresh_buttons_with_a_rejected_or_missing_key_say_what_to_do(
    admin: TestClient, world: Connected, button: str
) -> None:
    """A rejected key: a 502 page in the frame naming OpenAI's refusal and what to check; no
    key: a 409 page saying how to add one. Nothing changes either way."""
    url = admin.app.url_path_for(button)  # type: ignore[attr-defined]
    world.fake.inject("*", Fault.unauthorized(times=None))
    extra: dict[str, str] = {}
    status, page = press(admin, f"{url}?org=acme", **extra)
    assert status == 502, (button, status)
    assert 'id="sidebar"' in page and "Traceback" not in page
    [detail] = ALERT.findall(page)
    assert "401" in detail or "Incorrect API key" in detail, detail
    assert "check the organization" in page and "admin key" in page
    status, page = press(admin, f"{url}?org=zzz", **extra)
    assert status == 409 and "usage-tracker orgs add zzz" in page, (button, status)
    assert "Nothing was changed" in page
    token = csrf_of(admin, "/data")
    came_from = "http://testserver/members?org=zzz"
    r = admin.post(f"{url}?org=zzz", data={"csrf_token": token}, headers={"referer": came_from})
    assert 'href="/members?org=zzz" data-back' in r.text  # back to the button's page


def test_pages_open_on_the_organization_with_data(
    admin: TestClient, world: Connected, loaded: str
) -> None:
    """ "acme" has the data, "zzz" (alphabetically after) and "default" none: the Data and
    governance pages open on acme; after choosing zzz they open on zzz."""
    with admin.app.state.session_factory() as session:  # type: ignore[attr-defined]
        ensure_organization(session, "aaa")
        session.commit()
    assert 'value="acme" selected' in admin.get("/data").text
    assert (
        'value="acme" selected' in admin.get("/governance/keys").text
        or "acme" in admin.get("/governance/keys").text
    )
    admin.get("/data?org=zzz")
    assert 'value="zzz" selected' in admin.get("/data").text
