"""Walking the dashboard in Chromium as a person does, on the demo organization (shared by
test_walk_en.py and test_walk_ko.py, one module per language so the workers share the walk):
every sidebar link from every kind of page reaches its page's heading; no page overflows a
390 px phone; a screenshot of every page at 1440 and 390 px, light and dark, goes to
test-artifacts/screenshots/walk/."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

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


def walk_every_sidebar_link_from_every_kind_of_page(browser: Browser, demo: str, lang: str) -> None:
    page = signed_in(browser, demo, lang, 1440)
    try:
        for start in STARTS:
            page.goto(demo + start)
            hrefs = page.locator("#sidebar a[href]").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
            assert len(hrefs) == len(PAGES), (start, hrefs)
            for href in hrefs:
                page.goto(demo + start)
                page.locator(f'#sidebar a[href="{href}"]').click()
                page.wait_for_load_state()
                path = href.split("?")[0]
                assert page.url.split("?")[0] == demo + path, (start, href, page.url)
                h1 = page.locator("h1").first
                expect(h1).to_contain_text(heading_of(path, lang))
                assert page.evaluate("document.contentType") == "text/html", (start, href)
    finally:
        page.context.close()


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def screens_and_no_horizontal_overflow_on_a_phone(
    browser: Browser, demo: str, lang: str, theme: str
) -> None:
    """Every page at 1440 and 390 px; at 390 px none is wider than the screen."""
    out = SCREENSHOTS / "walk"
    out.mkdir(parents=True, exist_ok=True)
    wide = {}
    for width in (1440, 390):
        page = signed_in(browser, demo, lang, width, theme)
        try:
            for name, (path, *_headings) in [*PAGES.items(), ("not-found", ("/no/such/page",))]:
                page.goto(demo + path)
                # The page's own script and fonts, not network idleness: the operations page
                # polls for progress, and waiting for 500 ms of silence per page is most of the
                # walk's time.
                page.wait_for_load_state("load")
                page.evaluate("document.fonts.ready.then(() => true)")
                page.screenshot(
                    path=str(out / f"{name}-{lang}-{theme}-{width}.png"), full_page=True
                )
                if width == 390:
                    wide[name] = overflow(page)
        finally:
            page.context.close()
    assert {name: px for name, px in wide.items() if px > 0} == {}
