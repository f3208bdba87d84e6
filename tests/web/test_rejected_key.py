"""Every action that uses an organization's key, with the key rejected (401) or missing:
a message naming the problem and what to do — an error page in the frame for forms (a flash on
the Data page for Sync now), an error answer for JSON — never a 500, nothing changed (issue 17)."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_rate_limits, limits_by_id
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.web.conftest import csrf_of, sign_in
from usage_tracker.services.jobs.sync_then_evaluate import sync_now
from usage_tracker.services.orgs.credentials import add_organization, remove_credential
from usage_tracker.services.sync.status import sync_status_rows
from usage_tracker.settings import Settings
from usage_tracker.web import create_app
from usage_tracker.web.config import WebSettings
from usage_tracker.web.sync_hook import SyncHook

pytestmark = pytest.mark.usefixtures("accounts")

# (form action, the page it belongs to)
ACTIONS = [
    ("/governance/rate-limits/refresh", "/governance/rate-limits"),
    ("/governance/keys/refresh", "/governance/keys"),
    ("/governance/directory/refresh", "/governance/projects"),
    ("/governance/projects/{p0}/disable/preview", "/governance/projects"),
    ("/governance/templates/from-project", "/governance/templates"),
    ("/members/refresh", "/members"),
    ("/members/invites/refresh", "/members/invites"),
]


@pytest.fixture
def rejected(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=3, days=2, projects=2, users=3)
    add_rate_limits(org, org.projects[0].id, 2)
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        c.fake.inject("*", Fault.unauthorized(times=None))
        yield c


@pytest.fixture
def synced_app(settings: Settings) -> Iterator[FastAPI]:
    hook = SyncHook(status=sync_status_rows, run=lambda sf, org: sync_now(sf, settings, org))
    app = create_app(settings, web_settings=WebSettings(), sync=hook)
    yield app
    app.state.engine.dispose()


def test_every_key_action_with_a_rejected_key_flashes_what_to_do(
    rejected: Connected, synced_app: FastAPI, accounts: dict[str, str]
) -> None:
    before = limits_by_id(rejected.org)
    p0 = rejected.org.projects[0].id
    with TestClient(synced_app, raise_server_exceptions=False) as client:
        sign_in(client, accounts["admin"])
        token = csrf_of(client, "/data")
        for action, _page in ACTIONS:
            url = action.format(p0=p0) + "?org=acme"
            data = {"csrf_token": token, "project_id": p0, "name": "t", "reason": "r"}
            r = client.post(url, data=data, follow_redirects=False)
            shown = html.unescape(r.text)
            assert r.status_code == 502 and 'id="sidebar"' in shown, (url, r.status_code)
            assert "rejected this organization" in shown and "orgs add SLUG --key-stdin" in shown
            assert "Traceback" not in shown
        sync = client.post("/data/sync", data={"csrf_token": token, "org": "acme"})
        shown = html.unescape(sync.text)  # followed: the Data page with the reason as a flash
        assert sync.status_code == 200 and sync.url.path == "/data"
        assert 'data-flash="error"' in shown and "rejected the admin key of acme" in shown
        assert "orgs add acme --key-stdin" in shown
        as_json = client.post(
            "/data/sync",
            data={"csrf_token": token, "org": "acme"},
            headers={"accept": "application/json"},
        )
        body = as_json.json()
        assert as_json.status_code == 409 and body["ok"] is False
        assert "rejected" in body["message"] and len(body["message"]) < 1000
    assert limits_by_id(rejected.org) == before


def test_no_stored_key_is_named_too(
    rejected: Connected,
    synced_app: FastAPI,
    accounts: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        remove_credential(session, "acme")
    with TestClient(synced_app, raise_server_exceptions=False) as client:
        sign_in(client, accounts["admin"])
        token = csrf_of(client, "/data")
        r = client.post("/governance/keys/refresh?org=acme", data={"csrf_token": token})
        assert r.status_code == 409
        assert "no admin key for organization 'acme'" in html.unescape(r.text)
        sync = client.post("/data/sync", data={"csrf_token": token, "org": "acme"})
        assert sync.url.path == "/data" and "orgs add acme" in html.unescape(sync.text)
