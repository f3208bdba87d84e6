"""Walking the dashboard in Chromium as a person does, on the demo organization (shared by
test_walk_en.py and test_walk_ko.py, one module per language so the workers share the walk):
every sidebar link from every kind of page reaches its page's heading; no page overflows a
390 px phone; a screenshot of every page at 1440 and 390 px, light and dark, goes to
test-artifacts/screenshots/walk/ (one test per width, each page loaded once for both themes)."""

from __future__ import annotations

import re
import time
from html import unescape

from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect

from tests.browser.conftest import PASSWORD, SCREENSHOTS

# Each sidebar page: its path and how its heading begins in English and in Korean.
PAGES = {
    "overview": ("/", "Overview", "개요"),
    "users": ("/users", "Users", "사용자"),
    "projects": ("/projects", "Projects", "프로젝트"),
    "models": ("/models", "Models", "모델"),
    "keys": ("/keys", "Keys", "키"),
    "data": ("/data", "Data", "데이터"),
    "budgets": ("/budgets", "Budgets", "예산"),
    "alerts": ("/alerts", "Alert history", "알림 이력"),
    "teams": ("/teams", "Teams", "팀"),
    "channels": ("/channels", "Alert channels", "알림 채널"),
    "rate-limits": ("/governance/rate-limits", "Rate limits", "속도 제한"),
    "templates": ("/governance/templates", "Rate-limit templates", "속도 제한 템플릿"),
    "drift": ("/governance/drift", "Drift from templates", "템플릿과의 차이"),
    "api-keys": ("/governance/keys", "API keys", "API 키"),
    "members": ("/members", "Members and access", "멤버와 접근 권한"),
    "openai-projects": ("/governance/projects", "OpenAI projects", "OpenAI 프로젝트"),
    "operations": ("/governance/operations", "Operations", "작업"),
    "audit": ("/governance/audit", "Audit log", "감사 로그"),
    "api": ("/api/docs", "OpenAI Usage Tracker", "OpenAI Usage Tracker"),
    "account": ("/account", "Your account", "내 계정"),
}
# One page of each kind: a report view, Data, spend, governance, members, a 404.
STARTS = ("/users", "/data", "/budgets", "/governance/keys", "/members", "/no/such/page")
LANGS = {"en": 1, "ko": 2}  # index into PAGES' values


def signed_in(browser: Browser, base: str, lang: str, width: int, theme: str = "light") -> Page:
    context: BrowserContext = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=theme
    )
    context.add_cookies([{"name": "ut_lang", "value": lang, "url": base}])
    page = context.new_page()
    page.goto(base + "/login")
    page.fill('input[name="name"]', "ada")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"].primary')
    page.wait_for_url(base + "/")
    return page


def heading_of(path: str, lang: str) -> str:
    for target, *headings in PAGES.values():
        if target == path:
            return headings[LANGS[lang] - 1]
    raise AssertionError(f"a sidebar link to {path}, which the test does not know")


class _HeldNavigations:
    """While installed on a page, a top-level navigation is sent to the server as the browser
    made it (its cookies and headers), its real answer recorded, and the browser given
    "204 No Content", which by the HTML standard leaves the current document in place: the
    page a link was clicked from stays loaded for its next link. Everything else (assets, the
    page's own requests) goes through untouched."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.seen: list[tuple[str, int, str, str]] = []  # url, status, content type, body

    def __call__(self, route: Route, request: Request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            answer = route.fetch(max_redirects=0)
            self.seen.append(
                (request.url, answer.status, answer.headers.get("content-type", ""), answer.text())
            )
            route.fulfill(status=204)
        else:
            route.continue_()

    def clicked(self, href: str) -> tuple[str, int, str, str]:
        """Click the sidebar link to `href` and return the one navigation it started."""
        self.seen.clear()
        self.page.locator(f'#sidebar a[href="{href}"]').click()
        deadline = time.monotonic() + 10
        while not self.seen and time.monotonic() < deadline:
            self.page.wait_for_timeout(10)
        assert len(self.seen) == 1, (href, [url for url, *_ in self.seen])
        return self.seen[0]


def walk_every_sidebar_link_from_every_kind_of_page(browser: Browser, demo: str, lang: str) -> None:
    """From one page of each kind, click each sidebar link: the click navigates this tab (not a
    new one, not a script's fetch) to the link's page, whose answer for that very request is a
    200 HTML page with the page's heading (each page loaded for real shows that heading rendered
    and is an HTML document: `screens_and_no_horizontal_overflow_on_a_phone`, which loads every
    page anyway, checks it). The click's answer is held back from the browser
    (`_HeldNavigations`), so the page clicked from stays loaded for the next link: one page load
    per start instead of one per link, with the same request reaching the same server."""
    page = signed_in(browser, demo, lang, 1440)
    try:
        for start in STARTS:
            page.goto(demo + start)
            hrefs = page.locator("#sidebar a[href]").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
            assert len(hrefs) == len(PAGES), (start, hrefs)
            held = _HeldNavigations(page)
            page.route("**/*", held)
            try:
                for href in hrefs:
                    url, status, content_type, body = held.clicked(href)
                    path = href.split("?")[0]
                    assert url.split("?")[0] == demo + path, (start, href, url)
                    assert url == demo + href, (start, href, url)  # its query too
                    assert status == 200, (start, href, status)
                    assert content_type.startswith("text/html"), (start, href, content_type)
                    assert heading_of(path, lang) in _h1_text(body), (start, href)
                    assert page.url == demo + start, (start, href, page.url)  # held: still here
            finally:
                page.unroute("**/*", held)
    finally:
        page.context.close()


def _h1_text(html: str) -> str:
    """The text of a page's first <h1>: tags dropped, entities decoded, spaces collapsed."""
    match = re.search(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert match, "the page has no <h1>"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


THEMES = ("light", "dark")


def screens_and_no_horizontal_overflow_on_a_phone(
    browser: Browser, demo: str, lang: str, width: int
) -> None:
    """Every page at `width` (1440 or 390 px), light and dark, an HTML document showing its
    heading; at 390 px none is wider than the screen in either theme. Each page is loaded once and shown in both themes (the browser's
    color scheme switched, as a system's dark mode switches it): its background must change."""
    out = SCREENSHOTS / "walk"
    out.mkdir(parents=True, exist_ok=True)
    wide: dict[tuple[str, str], int] = {}
    page = signed_in(browser, demo, lang, width, THEMES[0])
    try:
        for name, (path, *_headings) in [*PAGES.items(), ("not-found", ("/no/such/page",))]:
            page.emulate_media(color_scheme=THEMES[0])
            page.goto(demo + path)
            # The page's own script and fonts, not network idleness: the operations page
            # polls for progress, and waiting for 500 ms of silence per page is most of the
            # walk's time.
            page.wait_for_load_state("load")
            page.evaluate("document.fonts.ready.then(() => true)")
            assert page.evaluate("window.innerWidth") == width, (name, width)
            assert page.url.split("?")[0] == demo + path, (path, page.url)
            assert page.evaluate("document.contentType") == "text/html", path
            if name != "not-found":  # the page as loaded shows the heading its link promises
                expect(page.locator("h1").first).to_contain_text(heading_of(path, lang))
            backgrounds = set()
            for theme in THEMES:
                page.emulate_media(color_scheme=theme)
                backgrounds.add(page.evaluate("getComputedStyle(document.body).backgroundColor"))
                page.screenshot(
                    path=str(out / f"{name}-{lang}-{theme}-{width}.png"), full_page=True
                )
                if width == 390:
                    wide[(name, theme)] = overflow(page)
            assert len(backgrounds) == len(THEMES), (name, "the theme did not change", backgrounds)
    finally:
        page.context.close()
    assert {where: px for where, px in wide.items() if px > 0} == {}
