"""Navigation as a person meets it: sidebar links open pages, unknown URLs answer a 404 page
with the navigation (JSON for API clients), and the calendar presets count from today."""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from fastapi.routing import _iter_included_route_candidates
from fastapi.testclient import TestClient

from tests.web.conftest import sign_in
from usage_tracker.settings import Settings
from usage_tracker.web import create_app
from usage_tracker.web.config import WebSettings

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
SIDEBAR = re.compile(r'<nav id="sidebar".*?</nav>', re.S)
HREF = re.compile(r'href="([^"#]+)"')


def test_route_names_are_unique(app: FastAPI) -> None:
    """url_for(name) must reach one route: a page and its JSON twin never share a name."""
    paths = collections.defaultdict(set)
    for route in _iter_included_route_candidates(app.routes):
        name = getattr(route, "name", None)
        if name and hasattr(route, "path"):
            paths[name].add(route.path)
    shared = {name: sorted(p) for name, p in paths.items() if len(p) > 1}
    assert not shared
    assert (
        app.url_path_for("overview") == "/"
        and app.url_path_for("api:overview") == "/api/v1/overview"
    )
    for view in ("users", "projects", "models", "keys"):
        assert app.url_path_for(view) == f"/{view}"
        assert app.url_path_for(f"api:{view}") == f"/api/v1/{view}"


def sidebar_links(html: str) -> list[str]:
    nav = SIDEBAR.search(html)
    assert nav, "no sidebar"
    return [h.replace("&amp;", "&") for h in HREF.findall(nav.group(0))]


@pytest.mark.parametrize("start", ["/", "/users", "/data", "/budgets", "/governance/keys", "/nope"])
def test_every_sidebar_link_opens_a_page(admin: TestClient, loaded: str, start: str) -> None:
    page = admin.get(start, headers=BROWSER)
    links = sidebar_links(page.text)
    assert "/" in [link.split("?")[0] for link in links] and len(links) >= 15
    for link in links:
        assert not link.startswith("/api/v1"), f"{start}: sidebar link {link} is JSON"
        r = admin.get(link, headers=BROWSER)
        assert r.status_code == 200, (start, link, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), (start, link)
        assert "<h1" in r.text


def test_unknown_url_is_a_404_page_with_the_navigation(
    admin: TestClient, anon: TestClient, loaded: str
) -> None:
    page = admin.get("/no/such/page", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'data-error="404"' in page.text and "Page not found" in page.text
    assert "/users" in [link.split("?")[0] for link in sidebar_links(page.text)]
    ko = admin.get("/no/such/page", headers=BROWSER | {"accept-language": "ko"})
    assert "/users" in [link.split("?")[0] for link in sidebar_links(ko.text)]
    api = admin.get("/api/v1/no-such", headers=BROWSER)
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    stranger = anon.get("/no/such/page", headers=BROWSER)
    assert stranger.status_code == 404 and 'href="/login"' in stranger.text
    assert 'id="sidebar"' not in stranger.text


def test_a_get_on_a_button_address_says_what_to_do(admin: TestClient) -> None:
    r = admin.get("/data/sync", headers=BROWSER)
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    assert "use the button" in r.text and 'id="sidebar"' in r.text


@pytest.fixture
def on_the_2nd(settings: Settings, accounts: dict[str, str]) -> Iterator[TestClient]:
    """The dashboard on 2025-03-02 (a clock in the app), signed in as the admin."""
    clock = lambda: datetime(2025, 3, 2, 9, 30, tzinfo=UTC)  # noqa: E731
    app = create_app(settings, web_settings=WebSettings(), clock=clock)
    with TestClient(app) as client:
        sign_in(client, accounts["admin"])
        yield client
    app.state.engine.dispose()


def period(client: TestClient, query: str) -> tuple[str, str]:
    f = client.get(f"/api/v1/summary?{query}").json()
    summary = client.get(f"/api/v1/overview?{query}").json()["filters"]
    assert f  # the summary answers for the same days
    return summary["since"], summary["until"]


def test_calendar_presets_count_from_today(on_the_2nd: TestClient, loaded: str) -> None:
    """On the 2nd, "this month" is the 1st and 2nd and "last month" all of February — whatever
    the last day with data (the samples end long before)."""
    assert period(on_the_2nd, "range=this_month") == ("2025-03-01", "2025-03-02")
    assert period(on_the_2nd, "range=last_month") == ("2025-02-01", "2025-02-28")
    assert period(on_the_2nd, "range=7d") == ("2025-02-24", "2025-03-02")
    assert period(on_the_2nd, "range=30d") == ("2025-02-01", "2025-03-02")


def test_a_range_without_data_says_so(on_the_2nd: TestClient, loaded: str) -> None:
    page = on_the_2nd.get("/?range=this_month")
    assert page.status_code == 200 and "data-no-data" in page.text
    assert "No data from" in page.text and "Show the last month with data" in page.text
    wide = on_the_2nd.get("/?range=custom&since=2020-01-01&until=2025-03-02")
    assert "data-no-data" not in wide.text


def test_an_empty_ledger_says_there_is_no_data_yet(on_the_2nd: TestClient) -> None:
    page = on_the_2nd.get("/")
    assert "data-no-data" in page.text and "No data yet." in page.text
    assert date(2025, 3, 2)  # the clock, not the machine's date, decides the days
