"""Inputs at their extremes answer a message, never a 500: dates at the ends of the calendar,
huge numbers, non-ASCII tokens, and stored ids holding `/`, `?` or `%` (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import build_org
from tests.fakes.governance import add_rate_limits
from tests.fakes.harness import connect
from tests.fakes.server import serve
from tests.web.conftest import csrf_of, sign_in
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.settings import Settings

EXTREMES = (
    "until=9999-12-31",
    "since=0001-01-01",
    "since=0001-01-01&until=0001-01-02",
    "since=9999-12-30&until=9999-12-31",
    "range=custom&since=9999-12-31",
    "source=openai&until=9999-12-31",
    "from_month=9999-12&to_month=9999-12",
    "from_month=0000-00",
    "stale_days=99999999999999999999",
    "inactive_days=99999999999999999999",
    "top=99999999999999999999",
    "budget_id=99999999999999999999",
    "page=-1&limit=99999999999999999999",
    "org=%C3%A9%00&project=%00",
)


def _get_paths(app: FastAPI) -> list[str]:
    routes = [r for top in app.routes for r in getattr(top, "original_router", top).routes]
    methods = [(r, getattr(r, "methods", None) or set()) for r in routes]
    return sorted({r.path for r, m in methods if "GET" in m and "{" not in r.path})


def test_extreme_query_parameters_answer_4xx_with_a_message_on_every_page_and_api(
    app: FastAPI, accounts: dict[str, str], loaded: str
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, accounts["admin"])
        paths = _get_paths(app)
        assert len(paths) > 25
        failures = [
            (path, query, r.status_code)
            for path in paths
            for query in EXTREMES
            if (r := client.get(f"{path}?{query}")).status_code >= 500
        ]
        assert failures == []
        page = client.get("/?until=9999-12-31")
        assert page.status_code == 422 and "until must be between" in page.text
        assert "<html" in page.text.lower()
        api = client.get("/api/v1/summary?since=0001-01-01&until=0001-01-02")
        assert api.status_code == 422 and "since must be between" in api.json()["detail"]
        focus = client.get("/api/v1/export/focus?since=0001-01-01&until=9999-12-31")
        assert focus.status_code == 422


@pytest.mark.parametrize("token", ["é", "\u00ff" * 40, "csrf✓"])
def test_a_non_ascii_csrf_token_is_refused_with_403(
    app: FastAPI, accounts: dict[str, str], token: str
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, accounts["admin"])
        as_form = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert as_form.status_code == 403 and "CSRF" in as_form.text
        raw = {"x-csrf-token": token.encode("utf-8")}
        as_header = client.post("/logout", headers=raw, follow_redirects=False)
        assert as_header.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_a_non_ascii_setup_token_is_refused_without_a_500(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        token = csrf_of(client, "/login")
        page = client.get("/setup?token=%C3%A9t%C3%A9")
        assert page.status_code in (400, 403, 404), page.text
        posted = client.post(
            "/setup",
            data={
                "token": "été",
                "name": "eve",
                "password": "x" * 16,
                "password2": "x" * 16,
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert posted.status_code in (400, 403, 404), posted.text


ODD_IDS = ("proj/with/slashes", "proj?x=1#frag", "proj%2Fpct")


@pytest.fixture
def odd_world(
    settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[tuple[str, ...]]:
    """The fake org refreshed into the database, then its projects renamed to odd ids (as an
    import or an older OpenAI could store them; the fake API itself would not route them)."""
    org = build_org(seed=7, days=2, projects=3, users=4)
    add_rate_limits(org, org.projects[0].id, 2)
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield tuple(p.id for p in org.projects)


def _rename(session_factory: sessionmaker[Session], old: str, new: str) -> None:
    with session_factory() as session:
        for table in ("projects", "rate_limits"):
            session.execute(
                text(f"UPDATE {table} SET project_id = :new WHERE project_id = :old"),
                {"new": new, "old": old},
            )
        session.commit()


def test_stored_ids_with_slashes_never_500_a_governance_page(
    odd_world: tuple[str, ...],
    app: FastAPI,
    accounts: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, accounts["admin"])
        token = csrf_of(client, "/governance/rate-limits")
        for url in ("/governance/rate-limits/refresh", "/governance/directory/refresh"):
            r = client.post(f"{url}?org=acme", data={"csrf_token": token}, follow_redirects=False)
            assert r.status_code == 303, (url, r.text)
        for old, new in zip(odd_world, ODD_IDS, strict=True):
            _rename(session_factory, old, new)
        for url in ("/governance/rate-limits", "/governance/projects", "/governance/drift"):
            page = client.get(f"{url}?org=acme")
            assert page.status_code == 200, (url, page.text[:500])
        listing = client.get("/governance/rate-limits?org=acme").text
        assert "/governance/projects/proj%2Fwith%2Fslashes" in listing
        assert "/governance/rate-limits/proj%2Fwith%2Fslashes/" in listing
        projects = client.get("/governance/projects?org=acme").text
        assert "/governance/projects/proj%252Fpct" in projects
        # TestClient decodes a path twice (uvicorn once), so `%` is checked in the link only.
        for odd in ODD_IDS[:2]:
            detail = client.get(f"/governance/projects/{quote(odd, safe='')}?org=acme")
            assert detail.status_code == 200 and odd in detail.text, (odd, detail.text[:300])
