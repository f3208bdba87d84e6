"""Walk the dashboard as a person would: sign in (admin, then viewer) on the demo organization,
follow every same-origin link and submit every GET form with its default values; in Korean,
every page reached must have no English left in it.

No answer may be a 5xx; no page link may be dead (404) or open JSON (a link marked as a
download or labelled JSON/CSV/XLSX may answer a file). Bounded: at most MAX_URLS addresses per
role, each path with one set of query names visited once (the values of range chips and filters
are many; the names are what reach different code)."""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, sign_in
from tests.web.korean import english_left
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.settings import Settings
from usage_tracker.web import create_app
from usage_tracker.web.config import WebSettings

MAX_URLS = 400
BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
FILE_LABELS = {"JSON", "CSV", "XLSX", "PARQUET", "openapi.json"}
SKIP_INPUTS = {"submit", "button", "file", "image", "reset"}


@dataclass
class Link:
    url: str
    source: str
    file_ok: bool  # a download or a JSON twin labelled as such


@dataclass
class _Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    select: str | None = None
    options: list[tuple[str, bool]] = field(default_factory=list)


class PageParser(HTMLParser):
    """The page's links and GET forms (with the values a browser would submit untouched)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool, str]] = []  # href, download, text
        self.forms: list[_Form] = []
        self._a: tuple[str, bool] | None = None
        self._text: list[str] = []
        self._form: _Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self._a, self._text = (a["href"], "download" in a), []
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = _Form(a.get("action", ""))
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in SKIP_INPUTS or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self._form.fields.append(
                (a["name"], a.get("value", "on" if kind == "checkbox" else ""))
            )
        elif self._form is not None and tag == "select":
            self._form.select, self._form.options = a.get("name"), []
        elif self._form is not None and tag == "option" and self._form.select:
            self._form.options.append((a.get("value", "\0"), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._a is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._a is not None:
            self.links.append((*self._a, "".join(self._text).strip()))
            self._a = None
        elif tag == "select" and self._form is not None and self._form.select:
            chosen = [v for v, sel in self._form.options if sel] or [
                v for v, _ in self._form.options[:1]
            ]
            if chosen and chosen[0] != "\0":
                self._form.fields.append((self._form.select, chosen[0]))
            self._form.select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def links_of(page_url: str, html: str) -> list[Link]:
    parser = PageParser()
    parser.feed(html)
    out = []
    for href, download, text in parser.links:
        out.append(Link(urljoin(page_url, href), page_url, download or text in FILE_LABELS))
    for form in parser.forms:
        action = urljoin(page_url, form.action or page_url).split("?")[0]
        query = urlencode([(k, v) for k, v in form.fields if v != ""])
        target = f"{action}?{query}" if query else action
        out.append(Link(target, f"{page_url} (form)", "/api/v1/export/" in action))
    return out


def attachment(r: object) -> bool:
    return "attachment" in getattr(r, "headers", {}).get("content-disposition", "")


def visit_key(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    return parts.path, tuple(sorted({k for k, _ in parse_qsl(parts.query)}))


def crawl(
    client: TestClient, start: str = "/", *, korean: bool = False
) -> tuple[list[str], list[str]]:
    """(visited paths, problems) of a walk from `start`; `korean`: also English left in pages."""
    base = "http://testserver"
    queue: deque[Link] = deque([Link(base + start, "(start)", False)])
    seen: set[tuple[str, tuple[str, ...]]] = set()
    visited, problems = [], []
    while queue and len(visited) < MAX_URLS:
        link = queue.popleft()
        parts = urlsplit(link.url)
        if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
            continue
        key = visit_key(link.url)
        if key in seen or parts.path in ("/logout",):
            continue
        seen.add(key)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        r = client.get(target, headers=BROWSER)
        visited.append(target)
        kind = r.headers.get("content-type", "")
        where = f"{target} (from {link.source})"
        if r.status_code >= 500:
            problems.append(f"{r.status_code} at {where}")
        elif r.status_code == 404:
            problems.append(f"dead link: {where}")
        elif not kind.startswith("text/html") and not link.file_ok and not attachment(r):
            problems.append(f"{kind} behind a page link: {where}")
        if kind.startswith("text/html") and korean and not parts.path.startswith("/api/"):
            problems.extend(f"English at {target}: {text!r}" for text in english_left(r.text))
        if kind.startswith("text/html") and r.status_code < 400:
            queue.extend(links_of(str(r.url), r.text))
    return visited, problems


@pytest.fixture(scope="module")
def demo_app(demo_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The demo organization (a year to yesterday) with an admin and a viewer."""
    workdir = tmp_path_factory.mktemp("crawl")
    path = workdir / "demo.sqlite3"
    shutil.copyfile(demo_sqlite, path)
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=workdir / "data")
    engine = make_engine(settings.effective_database_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        create_account(session, "ada", PASSWORD, "admin")
        create_account(session, "val", PASSWORD, "viewer")
    engine.dispose()
    app = create_app(settings, web_settings=WebSettings(krw_per_usd="1400"))
    yield app
    app.state.engine.dispose()


@pytest.mark.parametrize(("who", "lang"), [("ada", "en"), ("val", "en"), ("ada", "ko")])
def test_every_link_and_get_form_answers(demo_app: FastAPI, who: str, lang: str) -> None:
    """In Korean (the admin sees every button) no page may keep an English string; the API
    reference (/api/docs, OpenAPI's own summaries) is English by design."""
    with TestClient(demo_app) as client:
        sign_in(client, who)
        client.cookies.set("ut_lang", lang)
        visited, problems = crawl(client, korean=lang == "ko")
    assert not problems, "\n".join(problems)
    paths = {urlsplit(u).path for u in visited}
    # The walk reached every area, not just the overview.
    for expected in ("/", "/users", "/projects", "/models", "/keys", "/data", "/budgets",
                     "/alerts", "/teams", "/governance/rate-limits", "/members", "/api/docs"):  # fmt: skip
        assert expected in paths, f"{expected} never reached"
    assert len(visited) > 60


def test_the_english_finder_finds_english_and_spares_data(demo_app: FastAPI) -> None:
    """The check of the Korean walk can fail: the English overview is full of English; the
    Korean one keeps only data (names, model ids, file names)."""
    with TestClient(demo_app) as client:
        sign_in(client, "ada")
        found = english_left(client.get("/", headers=BROWSER).text)
        assert {"Overview", "Skip to content"} <= set(found) and len(found) > 20
        client.cookies.set("ut_lang", "ko")
        assert english_left(client.get("/", headers=BROWSER).text) == []
    assert english_left("<p>Sync now</p><code>costs_by_project.csv</code><p>gpt-4o</p>") == [
        "Sync now"
    ]
