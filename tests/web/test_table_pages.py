"""Paged breakdown tables on the demo organization, with a page of 7 rows (the constant patched):
the server's sort and search cover every row, a page shows its slice, links keep the filters,
and the JSON twins are the independent answer every page is checked against."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import PASSWORD, sign_in
from tests.web.korean import english_left
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.db.models import ApiKey, Member, Organization
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.reports.coverage import data_bounds
from usage_tracker.services.views import table_page
from usage_tracker.settings import Settings
from usage_tracker.web import create_app

PAGE = 7
VIEWS = {"users": "user_id", "projects": "project_id", "models": "model", "keys": "api_key_id"}
COLUMNS = ("name", "cost", "requests", "tokens", "share", "cost_per_request", "owner", "last_used")
TEXT = {"name", "owner", "last_used"}


@pytest.fixture(scope="module")
def demo_app(demo_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The demo organization with an admin, and an inventory for two keys in three (owners with
    names, e-mails or neither; last uses on different days), the rest unknown."""
    workdir = tmp_path_factory.mktemp("table-pages")
    path = workdir / "demo.sqlite3"
    shutil.copyfile(demo_sqlite, path)
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=workdir / "data")
    engine = make_engine(settings.effective_database_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        create_account(session, "ada", PASSWORD, "admin")
        org = session.scalars(select(Organization).where(Organization.slug == "demo")).one()
        members = list(session.scalars(select(Member).where(Member.organization_id == org.id)))
        assert members, "the demo has members"
        keys = sorted(_demo_keys(settings))
        for i, key in enumerate(keys):
            if i % 3 == 2:
                continue
            member = members[i % len(members)]
            used = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i * 5) if i % 4 else None
            if i % 5 == 0:
                session.add(ApiKey(organization_id=org.id, key_id=key, owner_type="service_account",
                                   owner_id=f"svc_{i}", owner_name=f"bot {i:02d}", last_used_at=used))  # fmt: skip
            else:
                session.add(ApiKey(organization_id=org.id, key_id=key, owner_type="user",
                                   owner_id=member.user_id, last_used_at=used))  # fmt: skip
    engine.dispose()
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


def _demo_keys(settings: Settings) -> list[str]:
    from usage_tracker.services.reports.totals import ReportQuery, breakdown

    engine = make_engine(settings.effective_database_url)
    with make_session_factory(engine)() as session:
        since, until = data_bounds(session, "demo") or (None, None)
        assert since and until
        rows = breakdown(session, ReportQuery(since, until, org="demo"), "api_key")
    engine.dispose()
    return [r.key for r in rows if r.key]


@pytest.fixture
def client(demo_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(table_page, "PAGE_SIZE", PAGE)
    with TestClient(demo_app) as client:
        sign_in(client, "ada")
        yield client


@pytest.fixture
def qs(client: TestClient) -> str:
    """The whole range of the demo's data."""
    today = datetime.now(UTC).date()
    return f"range=custom&since={today - timedelta(days=400)}&until={today}&org=demo"


class _Rows(HTMLParser):
    """The data rows of one table: each cell's data-value, and the page's links by rel."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, []
        self.links: dict[str, str] = {}
        self.sort_links: dict[str, str] = {}
        self.aria_sort: dict[str, str] = {}
        self.details: list[str] = []
        self._th: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.inside = a.get("id") == self.table_id
        if not self.inside and tag == "a" and a.get("rel") in ("prev", "next"):
            self.links[str(a["rel"])] = html.unescape(str(a["href"]))
        if not self.inside:
            return
        if tag == "th" and "aria-sort" in a:
            self._th = str(a["aria-sort"])
        if tag == "a" and a.get("data-sort-link") and self._th is not None:
            self.sort_links[str(a["data-sort-link"])] = str(a["href"])
            self.aria_sort[str(a["data-sort-link"])] = self._th
        if tag == "tr" and "data-row" in a:
            self.rows.append([])
        if tag in ("th", "td") and "data-value" in a and self.rows:
            self.rows[-1].append(str(a["data-value"]))
        if tag == "button" and a.get("data-detail-url"):
            self.details.append(str(a["data-detail-url"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        if tag == "th":
            self._th = None


def parse(page: str, view: str) -> _Rows:
    parser = _Rows(f"{view}-table")
    parser.feed(page)
    return parser


def walk(client: TestClient, url: str, view: str) -> list[list[str]]:
    """Every row of a paged table, following its "next" links from `url` to the last page."""
    rows: list[list[str]] = []
    seen = set()
    while url:
        assert url not in seen, f"the pager loops at {url}"
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        found = parse(response.text, view)
        assert 0 < len(found.rows) <= PAGE
        rows += found.rows
        url = found.links.get("next", "").split("#")[0]
    return rows


def twin(client: TestClient, view: str, qs: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get(f"/api/v1/{view}?{qs}").json()["rows"]
    return rows


def nanos(usd: str | None) -> int:
    return -1 if usd is None else int(Decimal(usd) * 10**9)


def expected(row: dict[str, Any], view: str, column: str) -> str | int | float:
    """A twin row's value for a column, computed from the JSON alone."""
    if column == "name":
        return str(row.get("name") or row[VIEWS[view]]).casefold()
    if column == "cost":
        return nanos(row["cost_usd"])
    if column == "requests":
        return int(row["requests"])
    if column == "tokens":
        other = view == "models" and row["requests"] and not row["total_tokens"]
        return -1 if other else int(row["total_tokens"])
    if column == "share":
        return -1 if row["share"] is None else round(row["share"], 6)
    if column == "cost_per_request":
        return nanos(row["cost_per_request_usd"])
    if column == "owner":
        return str(row["owner_name"] or row["owner_email"] or row["owner_id"] or "").casefold()
    return str(row["last_used_at"] or "")


def shown(cells: list[str], column: str) -> str | int | float:
    value = cells[COLUMNS.index(column)]
    if column in TEXT:
        return value if column == "last_used" else value.casefold()
    if column == "share":
        return -1 if value == "-1" else round(float(value), 6)
    return int(value)


CASES = [(v, c) for v in VIEWS for c in COLUMNS if v == "keys" or c not in ("owner", "last_used")]


@pytest.mark.parametrize(("view", "column"), CASES)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_sort_orders_every_row(
    client: TestClient, qs: str, view: str, column: str, direction: str
) -> None:
    rows = twin(client, view, qs)
    assert len(rows) > PAGE, "the demo must need more than one page"
    want = sorted((expected(r, view, column) for r in rows), reverse=direction == "desc")
    got = walk(client, f"/{view}?{qs}&sort={column}&dir={direction}", view)
    assert [shown(cells, column) for cells in got] == want
    # Every row exactly once over the pages.
    assert sorted(c[0].casefold() for c in got) == sorted(expected(r, view, "name") for r in rows)


def test_the_owner_sort_has_something_to_order(client: TestClient, qs: str) -> None:
    rows = twin(client, "keys", qs)
    assert len({expected(r, "keys", "owner") for r in rows}) > 5
    assert len({expected(r, "keys", "last_used") for r in rows}) > 5


def test_page_two_holds_the_next_rows(client: TestClient, qs: str) -> None:
    rows = twin(client, "users", qs)
    page = client.get(f"/users?{qs}&page=2").text
    found = parse(page, "users")
    assert [c[0] for c in found.rows] == [r["name"] for r in rows[PAGE : 2 * PAGE]]
    assert f"Rows 8–14 of {len(rows)}" in page
    assert f"Page 2 of {-(-len(rows) // PAGE)}" in page
    assert found.links["prev"].startswith(f"/users?{qs}#") and "page=3" in found.links["next"]
    # Each row of the page still expands, to its own user.
    assert len(found.details) == PAGE
    for url, row in zip(found.details, rows[PAGE : 2 * PAGE], strict=True):
        assert row["user_id"] in url
    detail = client.get(html.unescape(found.details[0]))
    assert detail.status_code == 200 and "detail-body" in detail.text


@pytest.mark.parametrize("view", list(VIEWS))
def test_costs_over_every_page_sum_to_the_twin(client: TestClient, qs: str, view: str) -> None:
    rows = twin(client, view, qs)
    got = walk(client, f"/{view}?{qs}", view)
    assert len(got) == len(rows)
    total = sum(int(c[1]) for c in got if c[1] != "-1")
    assert total == sum(nanos(r["cost_usd"]) for r in rows if r["cost_usd"] is not None)
    # The default order is the twin's: most costly first.
    assert [c[0] for c in got] == [r.get("name") or r[VIEWS[view]] for r in rows]


def test_search_finds_a_row_on_a_later_page(client: TestClient, qs: str) -> None:
    rows = twin(client, "users", qs)
    last = rows[-1]
    name, email = last["name"].split(" <")
    first_page = [c[0] for c in parse(client.get(f"/users?{qs}").text, "users").rows]
    assert last["name"] not in first_page
    for needle in (email.rstrip(">").upper(), last["user_id"][-8:].lower(), name.swapcase()):
        page = client.get(f"/users?{qs}&q={quote(needle)}").text
        found = [c[0] for c in parse(page, "users").rows]
        assert last["name"] in found, needle
        assert all(
            needle.casefold() in f"{r['name']} {r['user_id']}".casefold()
            for r in rows
            if r["name"] in found
        )
        assert f'value="{needle}"' in page  # the box keeps what was searched
    page = client.get(f"/users?{qs}&q=no+such+person").text
    assert not parse(page, "users").rows
    assert "No row matches “no such person”." in page


def test_a_search_longer_than_a_page_pages_and_keeps_its_links(client: TestClient, qs: str) -> None:
    rows = twin(client, "keys", qs)
    # A letter some keys hold (past their "key_", or in their owner) and others not, more of
    # them than a page.
    counts = {c: sum(c in searched(r) for r in rows) for c in "abcdfghijmnopqrstuvwxz"}
    letter = next(c for c, n in sorted(counts.items()) if PAGE < n < len(rows))
    matching = [r for r in rows if letter in searched(r)]
    search = f"{qs}&q={letter.upper()}&sort=requests&dir=asc&top=5"
    got = walk(client, f"/keys?{search}", "keys")
    assert [int(c[2]) for c in got] == sorted(int(r["requests"]) for r in matching)
    assert sorted(c[0] for c in got) == sorted(r["api_key_id"] for r in matching)
    page = client.get(f"/keys?{search}&page=2").text
    found = parse(page, "keys")
    assert f"Rows 8–14 of {len(matching)} matching “{letter.upper()}”" in page
    for link in (*found.links.values(), *found.sort_links.values()):
        assert qs in html.unescape(link) and f"q={letter.upper()}" in link and "top=5" in link
    assert found.aria_sort["requests"] == "ascending" and found.aria_sort["cost"] == "none"
    # A header sorts its column descending first, the other way once it is; from page 1.
    requests, tokens = found.sort_links["requests"], found.sort_links["tokens"]
    assert "sort=requests" in requests and "dir=" not in requests and "page=" not in requests
    assert "sort=tokens" in tokens and "dir=" not in tokens
    cost = parse(client.get(f"/keys?{qs}").text, "keys").sort_links["cost"]
    assert "dir=asc" in cost and "sort=" not in cost
    # Exports keep exporting every row: no sort, search or page in their links.
    exports = re.findall(r'href="(/export/keys\.\w+[^"]*)"', page)
    assert exports and all("q=" not in e and "page=" not in e for e in exports)


def test_panels_keep_every_row(client: TestClient, qs: str) -> None:
    """The ranking chart ranks all rows, whatever page or search the table shows."""
    rows = twin(client, "users", qs)
    page = client.get(f"/users?{qs}&page=3&q=zzz-nobody").text
    assert rows[0]["name"].split(" <")[0] in page  # in the chart's spec
    assert not parse(page, "users").rows


@pytest.mark.parametrize(
    "params",
    [
        "page=abc", "page=0", "page=-3", "page=99999999999999999999", "page=1.5", "page=",
        "page=2&page=x", "sort=bogus", "sort=owner", "dir=sideways", "sort=NAME&dir=DESC",
        "sort=&dir=", "q=" + "x" * 5000, "q=%00%ff%0A",
    ],
)  # fmt: skip
def test_bad_params_fall_back_to_defaults(client: TestClient, qs: str, params: str) -> None:
    response = client.get(f"/users?{qs}&{params}")
    assert response.status_code == 200
    found = parse(response.text, "users")
    assert found.aria_sort["cost"] == "descending"
    if not params.startswith(("q=", "page=2")):
        default = parse(client.get(f"/users?{qs}").text, "users")
        assert found.rows == default.rows


def test_a_page_past_the_last_is_the_last(client: TestClient, qs: str) -> None:
    rows = twin(client, "users", qs)
    pages = -(-len(rows) // PAGE)
    page = client.get(f"/users?{qs}&page=500").text
    found = parse(page, "users")
    assert [c[0] for c in found.rows] == [r["name"] for r in rows[(pages - 1) * PAGE :]]
    assert f"Page {pages} of {pages}" in page and "next" not in found.links
    assert client.get(f"/users?{qs}&page=0").text.count("<tr data-row>") == PAGE


def test_owners_are_those_of_the_rows_shown(client: TestClient, qs: str) -> None:
    rows = {r["api_key_id"]: r for r in twin(client, "keys", qs)}
    page = client.get(f"/keys?{qs}&page=3").text
    found = parse(page, "keys")
    assert len(found.rows) == PAGE
    for cells in found.rows:
        row = rows[cells[0]]
        want = row["owner_name"] or row["owner_email"] or row["owner_id"] or ""
        assert cells[6] == want and cells[7] == (row["last_used_at"] or "")


def test_korean_pager(client: TestClient, qs: str) -> None:
    client.cookies.set("ut_lang", "ko")
    page = client.get(f"/users?{qs}&page=2").text
    assert "중 8–14행" in page and "다음" in page and "이전" in page and "찾기" in page
    for url in (f"/users?{qs}&page=2", f"/keys?{qs}&q=key&sort=owner", f"/models?{qs}&q=zz"):
        assert english_left(client.get(url).text) == [], url


def test_a_table_of_one_page_is_sorted_in_the_browser(
    client: TestClient, qs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most a page of rows: every row, the browser's sort buttons and search box, no pager,
    and the table's URL parameters have no effect."""
    monkeypatch.setattr(table_page, "PAGE_SIZE", 100)
    rows = twin(client, "users", qs)
    page = client.get(f"/users?{qs}&sort=name&dir=asc&page=3&q=zz").text
    assert page.count("<tr data-row>") == len(rows)
    assert 'data-table-search="users-table"' in page and 'data-sort="number"' in page
    assert "data-pager" not in page and "data-paged" not in page and "data-sort-link" not in page
    assert [c[0] for c in parse(page, "users").rows] == [r["name"] for r in rows]


class _OwnerCells(HTMLParser):
    """The owner cells of the keys table, as read on screen (visually hidden text left out) and
    as read out (aria-hidden text left out), whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.heard: list[str] = []
        self._stack: list[tuple[bool, bool]] = []  # (hidden from sight, hidden from speech)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "td" and "data-owner" in a:
            self.seen.append("")
            self.heard.append("")
            self._stack = [(False, False)]
        elif self._stack:
            sight, speech = self._stack[-1]
            classes = (a.get("class") or "").split()
            self._stack.append(
                (sight or "visually-hidden" in classes, speech or a.get("aria-hidden") == "true")
            )

    def handle_endtag(self, tag: str) -> None:
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._stack:
            sight, speech = self._stack[-1]
            if not sight:
                self.seen[-1] += data
            if not speech:
                self.heard[-1] += data


def owner_cells(page: str) -> list[tuple[str, str]]:
    parser = _OwnerCells()
    parser.feed(page)
    heard = (
        " ".join(h.split()).replace(" ,", ",") for h in parser.heard
    )  # a space before a comma is silent
    return list(zip((" ".join(s.split()) for s in parser.seen), heard, strict=True))


@pytest.mark.parametrize("page_size", [PAGE, 100])
def test_an_owner_s_kind_and_e_mail_are_set_apart(
    client: TestClient, qs: str, monkeypatch: pytest.MonkeyPatch, page_size: int
) -> None:
    """The owner's name, kind and e-mail read as three things, on screen ("Ada", then "user ·
    ada@example.com" smaller) and read out (commas, not "middle dot"), paged or not."""
    monkeypatch.setattr(table_page, "PAGE_SIZE", page_size)
    rows = {r["api_key_id"]: r for r in twin(client, "keys", qs)}
    kinds = {"user": "user", "service_account": "service account"}
    seen_email = seen_kind_only = 0
    for number in (1, 2, 3):
        page = client.get(f"/keys?{qs}&page={number}").text
        found = parse(page, "keys")
        owners = iter(owner_cells(page))
        for cells in found.rows:
            row = rows[cells[0]]
            if not row["owner_type"]:
                continue
            parts = [row["owner_name"] or row["owner_email"] or row["owner_id"]]
            parts.append(kinds[row["owner_type"]])
            if row["owner_email"] and row["owner_email"] != parts[0]:
                parts.append(row["owner_email"])
            seen, heard = next(owners)
            assert seen == f"{parts[0]} {' · '.join(parts[1:])}", cells[0]
            assert heard == ", ".join(parts), cells[0]
            seen_email += len(parts) == 3
            seen_kind_only += len(parts) == 2
        if page_size == 100:
            break
    assert seen_email and seen_kind_only, "the demo shows owners with and without an e-mail"


def searched(row: dict[str, Any]) -> str:
    """What the keys search reads of a twin row: its name and id, its owner's as shown."""
    owner = row["owner_name"] or row["owner_email"] or row["owner_id"]
    held = (row.get("name"), row["api_key_id"], owner, row["owner_email"])
    return "\n".join(str(v or "") for v in held).casefold()


def test_a_key_is_found_by_its_owner(client: TestClient, qs: str) -> None:
    """The paged keys search reads the Owner column too: its name and its e-mail."""
    rows = twin(client, "keys", qs)
    owned = [r for r in rows if r["owner_email"] and r["owner_name"]]
    assert owned, "the demo has keys of named members with e-mails"
    target = owned[-1]
    for needle in (target["owner_email"].split("@")[0].upper(), target["owner_name"].swapcase()):
        got = [c[0] for c in walk(client, f"/keys?{qs}&q={quote(needle)}", "keys")]
        want = [r["api_key_id"] for r in rows if needle.casefold() in searched(r)]
        assert target["api_key_id"] in got and got == want, needle
