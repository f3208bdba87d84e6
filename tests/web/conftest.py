"""Route tests: the app from its factory on the suite's migrated database, driven by TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.engine import transaction
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.audit.log import list_audit
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.settings import Settings
from usage_tracker.web import create_app
from usage_tracker.web.config import WebSettings

PASSWORD = "correct-horse-battery"
SAMPLE_FILES = ("costs_grouped_by_user.json", "usage_completions_1d.json")


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def audit_trail(factory: sessionmaker[Session]) -> list[tuple[str, str, str | None, str]]:
    """Every audit entry of every organization, for "this wrote nothing" checks."""
    with factory() as session:
        return [(e.actor, e.action, e.target_id, e.result) for e in list_audit(session)]


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings, web_settings=WebSettings(krw_per_usd="1400"))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def accounts(session_factory: sessionmaker[Session]) -> dict[str, str]:
    with transaction(session_factory) as session:
        create_account(session, "ada", PASSWORD, "admin")
        create_account(session, "val", PASSWORD, "viewer")
    return {"admin": "ada", "viewer": "val"}


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def admin(app: FastAPI, accounts: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app) as client:
        sign_in(client, accounts["admin"])
        yield client


@pytest.fixture
def viewer(app: FastAPI, accounts: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app) as client:
        sign_in(client, accounts["viewer"])
        yield client


@pytest.fixture
def loaded(session_factory: sessionmaker[Session], samples_dir: Path) -> str:
    """The sample files imported into organization "acme"; returns the slug."""
    for name in SAMPLE_FILES:
        import_file(session_factory, "acme", samples_dir / name)
    return "acme"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Route tests run on SQLite alone: what they check is the page and the API, which do not
    differ by database. The services under them run on both backends in tests/integration."""
    return str(request.param)
