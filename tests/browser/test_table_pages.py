"""A paged breakdown table in Chromium: the demo organization's 36 users and 62 keys on a server
whose page holds 10 rows (the constant patched in its process). The pager, the header sort links
and the search form, at desktop and phone width, in English and Korean."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, running_dashboard, screenshot, sign_in
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.services.accounts.accounts import create_account

pytestmark = pytest.mark.browser
PAGE = 10
SETUP = f"import usage_tracker.services.views.table_page as t; t.PAGE_SIZE = {PAGE}"


@pytest.fixture(scope="module")
def paged_demo(demo_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("paged-demo")
    path = workdir / "demo.sqlite3"
    shutil.copyfile(demo_sqlite, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        create_account(session, "ada", PASSWORD, "admin")
    engine.dispose()
    with running_dashboard(workdir, url, setup=SETUP) as base:
        yield base


def _range() -> str:
    today = datetime.now(UTC).date()
    return f"?range=custom&since={today - timedelta(days=400)}&until={today}&org=demo"


def _names(page: Page) -> list[str]:
    return page.locator("#users-table tbody tr[data-row] th").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-value'))"
    )


@pytest.mark.parametrize("width,height", [(1280, 800), (375, 812)])
def test_pager_sort_and_search(page: Page, paged_demo: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, paged_demo, "ada")
    every = page.request.get(paged_demo + "/api/v1/users" + _range()).json()["rows"]
    names = [r["name"] for r in every]
    assert len(names) > 3 * PAGE
    page.goto(paged_demo + "/users" + _range())
    status = page.locator("[data-pager-status]")
    expect(status).to_have_text(f"Rows 1–{PAGE} of {len(names)}")
    assert _names(page) == names[:PAGE]
    screenshot(page, f"paged-users-{width}")

    # The pager by keyboard: Next, then Last, then Previous.
    pager = page.locator("nav[data-pager]")
    pager.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text(f"Rows {PAGE + 1}–{2 * PAGE} of {len(names)}")
    assert "page=2" in page.url and _names(page) == names[PAGE : 2 * PAGE]
    # A row of page 2 still expands and draws its chart.
    first = page.locator("#users-table button.expand").first
    first.click()
    expect(first).to_have_attribute("aria-expanded", "true")
    expect(page.locator("tr.detail:not([hidden]) .plot[data-drawn]")).to_have_count(
        1, timeout=15_000
    )
    pager.get_by_role("link", name="Last").click()
    last_page = -(-len(names) // PAGE)
    expect(page.locator(".pager-page")).to_have_text(f"Page {last_page} of {last_page}")
    assert _names(page) == names[(last_page - 1) * PAGE :]
    expect(pager.locator('[aria-disabled="true"]')).to_have_count(2)  # Next and Last

    # Sorting by a header is the server's, over every row, and shown by aria-sort.
    header = page.locator("#users-table thead th").first
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert _names(page) == sorted(names, key=str.casefold, reverse=True)[:PAGE]
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#users-table thead th").nth(1)).to_have_attribute("aria-sort", "none")
    assert _names(page) == sorted(names, key=str.casefold)[:PAGE]
    assert "sort=name" in page.url and "dir=asc" in page.url and "page=" not in page.url

    # Searching finds a row that was on the last page, and keeps the sort.
    wanted = names[-1]
    needle = wanted.split(" <")[1].split("@")[0].upper()
    box = page.locator('form[data-table-search-form] input[name="q"]')
    box.fill(needle)
    box.press("Enter")
    expect(page.locator("#users-table tbody tr[data-row]").first).to_be_visible()
    assert wanted in _names(page) and "sort=name" in page.url
    expect(status).to_contain_text(f"matching “{needle}”")
    expect(box).to_have_value(needle)
    screenshot(page, f"paged-users-search-{width}")
    page.get_by_role("link", name="Clear search").click()
    expect(status).to_have_text(f"Rows 1–{PAGE} of {len(names)}")
    expect(box).to_have_value("")

    # At phone width nothing of the pager is out of reach.
    if width == 375:
        for box_of in (
            pager.bounding_box(),
            page.locator("form[data-table-search-form]").bounding_box(),
        ):
            assert box_of and box_of["x"] >= 0 and box_of["x"] + box_of["width"] <= width + 1
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        for link in pager.get_by_role("link").all():
            assert (link.bounding_box() or {"height": 0})["height"] >= 32


def test_paged_keys_in_korean(page: Page, paged_demo: str) -> None:
    sign_in(page, paged_demo, "ada")
    page.select_option('select[name="lang"]', "ko")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.goto(paged_demo + "/keys" + _range() + "&page=2")
    status = page.locator("[data-pager-status]")
    expect(status).to_contain_text(f"중 {PAGE + 1}–{2 * PAGE}행")
    nav = page.locator("nav[data-pager]")
    expect(nav.get_by_role("link", name=re.compile("이전"))).to_be_visible()
    owner = page.locator("#keys-table thead th", has_text="소유자")
    owner.get_by_role("link").click()
    expect(page.locator("#keys-table thead th", has_text="소유자")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator("[data-pager-status]")).to_contain_text(f"중 1–{PAGE}행")
    screenshot(page, "paged-keys-ko-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "paged-keys-ko-375")
    page.set_viewport_size({"width": 1280, "height": 800})  # the language menu is in the sidebar
    page.select_option('select[name="lang"]', "en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_long_search_fits_a_phone_and_is_said_once(
    page: Page, paged_demo: str, lang: str
) -> None:
    """A search of 120 letters without a space that matches nothing: at 390 px the page does not
    widen (the echoed word wraps) and "No row matches …" appears once, under the table."""
    sign_in(page, paged_demo, "ada")
    page.select_option('select[name="lang"]', lang)  # the account keeps it: set back below
    page.wait_for_load_state()
    page.set_viewport_size({"width": 390, "height": 844})
    needle = "x" * 120
    page.goto(paged_demo + "/users" + _range() + f"&q={needle}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    said = page.locator("main").get_by_text(needle, exact=False)
    empty = page.locator("[data-pager-status]")
    expect(empty).to_contain_text(needle)
    assert page.locator("#users-table tbody tr").count() == 0
    assert said.count() == 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the phone"
    box = empty.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, f"paged-users-long-search-390-{lang}")
    page.set_viewport_size({"width": 1280, "height": 800})  # the language menu is in the sidebar
    page.select_option('select[name="lang"]', "en")
    page.wait_for_load_state()
