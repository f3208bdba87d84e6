"""Charts in Chromium: what a first visit downloads (a chart page at most 600 KB compressed, a page
without a chart no chart code at all), and the overview's chart drawn as SVG with axis titles
carrying units and a tooltip that reads like money, in English and Korean, light and dark, and
without horizontal overflow at 390 pixels."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import PASSWORD, SAMPLE_DAYS, running_dashboard, screenshot
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.ledger.imports import import_file

pytestmark = pytest.mark.browser
MAX_CHART_PAGE = 600 * 1000  # bytes on the wire, headers included
SAMPLES = ("costs_grouped_by_user.json", "usage_completions_1d.json")
TEXTS = {
    "en": {"cost": "Cost ($)", "day": "Day (UTC)", "money": r"\$\d[\d,]*\.\d{2}",
           "date": r"^[A-Z][a-z]{2} \d{1,2}, \d{4}$", "tick": r"^[A-Z][a-z]{2} \d{1,2}$"},
    "ko": {"cost": "비용 (US$)", "day": "날짜 (UTC)", "money": r"US\$\d[\d,]*\.\d{2}",
           "date": r"^\d{4}년 \d{1,2}월 \d{1,2}일$", "tick": r"^\d{1,2}월 \d{1,2}일$"},
}  # fmt: skip


@pytest.fixture(scope="module")
def loaded_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, samples_dir: Path
) -> Iterator[str]:
    """A dashboard whose database holds the sample cost and usage files, and the account "ada"."""
    workdir = tmp_path_factory.mktemp("charts")
    db_path = workdir / "dashboard.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    factory = make_session_factory(engine)
    for name in SAMPLES:
        import_file(factory, "acme", samples_dir / name)
    with transaction(factory) as session:
        create_account(session, "ada", PASSWORD, "admin")
    engine.dispose()
    with running_dashboard(workdir, url) as base:
        yield base


def sign_in_quietly(page: Page, base: str, lang: str = "en") -> None:
    """Sign in through the HTTP API of the page's context, so no asset is fetched (or cached)."""
    page.context.add_cookies([{"name": "ut_lang", "value": lang, "url": base}])
    login = page.request.get(base + "/login").text()
    match = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert match
    form = {"csrf_token": match.group(1), "name": "ada", "password": PASSWORD}
    assert page.request.post(base + "/login", form=form).ok


def first_load(page: Page, url: str) -> dict[str, int]:
    """Bytes received (headers and encoded body) per URL for a cold load of `url`."""
    finished: list[Request] = []

    def done(request: Request) -> None:
        finished.append(request)

    page.on("requestfinished", done)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", done)
    sizes = {}
    for request in finished:
        size = request.sizes()
        sizes[request.url] = size["responseHeadersSize"] + size["responseBodySize"]
    return sizes


def test_a_chart_page_weighs_at_most_600_kb(page: Page, loaded_server: str) -> None:
    sign_in_quietly(page, loaded_server)
    sizes = first_load(page, loaded_server + "/" + SAMPLE_DAYS)
    expect(page.locator('[data-chart="chart-daily"][data-drawn]')).to_have_count(1)
    total = sum(sizes.values())
    print(f"\n/ first load: {total} bytes in {len(sizes)} requests: {sizes}")
    assert any(u.endswith("/charts.js") for u in sizes) and total <= MAX_CHART_PAGE
    assert not [u for u in sizes if "plotly" in u]


@pytest.mark.parametrize("path", ["/budgets", "/data"])
def test_a_page_without_charts_loads_no_chart_code(
    page: Page, loaded_server: str, path: str
) -> None:
    sign_in_quietly(page, loaded_server)
    sizes = first_load(page, loaded_server + path)
    print(f"\n{path} first load: {sum(sizes.values())} bytes in {len(sizes)} requests")
    assert any(u.endswith("/app.js") for u in sizes)
    assert [u for u in sizes if re.search(r"charts\.(js|css)|plotly", u)] == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_overview_chart_draws_with_units_and_a_money_tooltip(
    page: Page, loaded_server: str, lang: str
) -> None:
    text = TEXTS[lang]
    sign_in_quietly(page, loaded_server, lang)
    page.goto(loaded_server + "/" + SAMPLE_DAYS)
    figure = page.locator("figure.chart", has=page.locator('[data-chart="chart-daily"]'))
    plot = figure.locator(".plot[data-drawn]")
    expect(plot.locator("svg.chart-svg")).to_have_count(1)
    titles = plot.locator("text.axis-title").all_text_contents()
    assert text["cost"] in titles and text["day"] in titles
    ticks = plot.locator("text:not(.axis-title)").all_text_contents()
    assert any(re.search(r"\$\d", t) for t in ticks), ticks
    assert any(re.match(text["tick"], t) for t in ticks), ticks
    assert plot.get_attribute("aria-label")
    bars = plot.locator("rect.bar")
    assert bars.count() > 0
    bars.first.hover(force=True)
    tip = figure.locator(".chart-tip")
    expect(tip).to_be_visible()
    assert re.match(text["date"], tip.locator("strong").inner_text())
    assert re.search(text["money"], tip.inner_text()), tip.inner_text()
    screenshot(page, f"chart-overview-tooltip-{lang}-1280")
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    plot.focus()
    page.keyboard.press("End")
    expect(tip).to_be_visible()
    assert re.search(text["money"], tip.inner_text())
    figure.locator("details summary").click()
    rows = figure.locator("details table tbody tr")
    expect(rows.first).to_be_visible()
    assert re.search(text["money"], rows.first.inner_text())


def test_charts_follow_the_theme_and_fit_a_phone(page: Page, loaded_server: str) -> None:
    sign_in_quietly(page, loaded_server)
    page.goto(loaded_server + "/models" + SAMPLE_DAYS)
    bar = page.locator('[data-chart="chart-ranking"] rect.bar').first
    expect(bar).to_be_attached()
    light = bar.evaluate("el => getComputedStyle(el).fill")
    page.evaluate("document.documentElement.setAttribute('data-theme', 'dark')")
    assert bar.evaluate("el => getComputedStyle(el).fill") != light
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", "/users", "/models", "/projects", "/keys"):
        page.goto(loaded_server + path + SAMPLE_DAYS)
        expect(page.locator(".plot[data-drawn]").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide at 390"
        svgs = page.locator("svg.chart-svg").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().right)"
        )
        assert svgs and max(svgs) <= 390, (path, svgs)
    screenshot(page, "chart-models-390")


def test_a_chart_downloads_as_png(page: Page, loaded_server: str) -> None:
    sign_in_quietly(page, loaded_server)
    page.goto(loaded_server + "/users" + SAMPLE_DAYS)
    figure = page.locator("figure.chart").first
    expect(figure.locator(".plot[data-drawn]")).to_have_count(1)
    with page.expect_download() as info:
        figure.locator("button", has_text="Download PNG").click()
    download = info.value
    assert download.suggested_filename == "chart-ranking.png"
    assert Path(download.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
