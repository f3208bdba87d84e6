"""The dashboard in Chromium against a real server: the tests run in order on one database,
except the keys view's, which has a server of its own with the samples already imported."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    SAMPLE_DAYS,
    dashboard_database,
    running_dashboard,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser
SAMPLES = ("costs_grouped_by_user.json", "usage_completions_1d.json")
VIEWS = {"overview": "/", "users": "/users", "projects": "/projects", "models": "/models"}
VIEWS |= {"keys": "/keys", "data": "/data"}


def test_sign_in_upload_and_totals_change(page: Page, server: str, samples_dir: Path) -> None:
    sign_in(page, server, "ada")
    before = page.locator("[data-total-cost]").inner_text()
    page.goto(server + "/data")
    page.set_input_files("[data-file-input]", [str(samples_dir / n) for n in SAMPLES])
    done = page.locator("[data-results] li[data-done]")
    expect(done).to_have_count(2, timeout=60_000)
    expect(page.locator("[data-results] li.ok")).to_have_count(2)
    page.set_input_files("[data-file-input]", [str(samples_dir / "README.md")])
    expect(page.locator("[data-results] li.error")).to_have_count(1, timeout=30_000)
    assert "README.md" in page.locator("[data-results] li.error").inner_text()
    page.goto(server + "/" + SAMPLE_DAYS)
    after = page.locator("[data-total-cost]").inner_text()
    assert after != before
    expect(page.locator('[data-chart="chart-daily"][data-drawn]')).to_have_count(1)


def test_expand_user_row_draws_its_chart(page: Page, server: str) -> None:
    sign_in(page, server, "ada")
    page.goto(server + "/users" + SAMPLE_DAYS)
    first = page.locator("button.expand").first
    first.click()
    expect(first).to_have_attribute("aria-expanded", "true")
    detail = page.locator("tr.detail:not([hidden]) .plot[data-drawn]")
    expect(detail).to_have_count(1, timeout=15_000)
    assert page.locator("tr.detail:not([hidden]) svg.chart-svg").count() > 0
    cost_header = page.locator("#users-table thead th").nth(1)
    expect(cost_header).to_have_attribute("aria-sort", "descending")
    cost_header.locator("button").click()
    expect(cost_header).to_have_attribute("aria-sort", "ascending")


def test_switch_language_and_theme(page: Page, server: str) -> None:
    sign_in(page, server, "ada")
    page.select_option('select[name="lang"]', "ko")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1").first).to_have_text("개요")
    screenshot(page, "overview-ko-1280")
    page.select_option('select[name="theme"]', "dark")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    screenshot(page, "overview-ko-dark-1280")
    page.select_option('select[name="lang"]', "en")
    page.wait_for_load_state()
    page.select_option('select[name="theme"]', "system")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_export_csv(page: Page, server: str) -> None:
    sign_in(page, server, "ada")
    page.goto(server + "/users" + SAMPLE_DAYS)
    with page.expect_download() as info:
        page.locator('a[data-export="csv"]').first.click()
    path = info.value.path()
    rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "user_id" and len(rows) > 1


def test_viewer_cannot_reach_admin_actions(
    page: Page, server: str, console_errors: list[str]
) -> None:
    sign_in(page, server, "val")
    page.goto(server + "/data")
    expect(page.locator("[data-upload]")).to_have_count(0)
    status = page.evaluate(
        """async () => {
            const token = document.querySelector('input[name="csrf_token"]').value;
            const body = new FormData();
            body.append("files", new Blob(["{}"]), "x.json");
            const r = await fetch("/data/upload", {method: "POST", body,
                headers: {"X-CSRF-Token": token}});
            return r.status;
        }"""
    )
    assert status == 403
    console_errors.remove(
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    )


@pytest.fixture(scope="module")
def loaded_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, samples_dir: Path
) -> Iterator[str]:
    """A dashboard of its own with the sample files imported before it starts: a test using it
    needs no other test to have uploaded them first."""
    workdir = tmp_path_factory.mktemp("loaded")
    url = dashboard_database(sqlite_template, workdir, *(samples_dir / n for n in SAMPLES))
    with running_dashboard(workdir, url) as base:
        yield base


def test_keys_view_has_owner_and_last_use_columns(page: Page, loaded_server: str) -> None:
    """Owners come from the stored key inventory; with only usage files loaded they are unknown."""
    server = loaded_server
    sign_in(page, server, "ada")
    page.goto(server + "/keys" + SAMPLE_DAYS)
    headers = page.locator("#keys-table thead th").all_inner_texts()
    assert "Owner" in headers and "Last used" in headers
    rows = page.locator("#keys-table tbody tr[data-row]")
    expect(rows).not_to_have_count(0)
    expect(rows.first).to_contain_text("unknown")
    page.locator("#keys-table thead button", has_text="Owner").click()
    owner = page.locator("#keys-table thead th", has_text="Owner")
    expect(owner).to_have_attribute("aria-sort", re.compile("^(ascending|descending)$"))


@pytest.mark.parametrize("width,height", [(1280, 800), (375, 812)])
def test_screenshot_every_view(page: Page, server: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, server, "ada")
    for name, path in VIEWS.items():
        page.goto(server + path + SAMPLE_DAYS)
        if name != "data":
            expect(page.locator(".plot[data-drawn]").first).to_be_visible(timeout=15_000)
        screenshot(page, f"{name}-{width}")
    if width == 375:
        toggle = page.locator("[data-drawer-toggle]")
        expect(toggle).to_be_visible()
        toggle.click()
        expect(page.locator("#sidebar")).to_have_class("sidebar open")
        screenshot(page, "drawer-375")
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
