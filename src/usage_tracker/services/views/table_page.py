"""One page of a breakdown table: its rows sorted and searched over all rows, then cut to a page.

A table of at most `PAGE_SIZE` rows is shown whole and sorted and searched in the browser (as
before paging); a longer one is sorted and searched here, over every row, and only the asked page
is rendered: a page of 2,600 keys rendered every row through the template (844 ms at the bench's
scale). The ranking chart and the other panels of a view keep using every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from usage_tracker.services.reports.types import BreakdownRow

PAGE_SIZE = 100  # rows a page of a breakdown table renders at most
# Sort keys a header offers (URL `sort=`); "owner" and "last_used" only on the keys view.
SORTS = ("name", "cost", "requests", "tokens", "share", "cost_per_request", "owner", "last_used")
OWNER_SORTS = ("owner", "last_used")
DIRECTIONS = {"asc": "ascending", "desc": "descending"}
DEFAULT_SORT, DEFAULT_DIRECTION = "cost", "desc"
MAX_SEARCH = 200  # characters of `q` kept


class Owner(Protocol):
    """What sorting and searching by owner need of a key's owner
    (services/governance/key_directory.KeyOwner)."""

    @property
    def owner_label(self) -> str | None: ...

    @property
    def owner_email(self) -> str | None: ...

    @property
    def last_used_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class TableRequest:
    """Sort, direction, search text and page number as a URL gives them, made sane: an unknown
    sort or direction is the default one, a page that is no positive number is page 1."""

    sort: str = DEFAULT_SORT
    direction: str = DEFAULT_DIRECTION  # "asc" | "desc"
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str], sorts: Iterable[str] = SORTS) -> TableRequest:
        sort = params.get("sort") or DEFAULT_SORT
        sort = sort if sort in set(sorts) else DEFAULT_SORT
        direction = params.get("dir") or DEFAULT_DIRECTION
        direction = direction if direction in DIRECTIONS else DEFAULT_DIRECTION
        q = " ".join((params.get("q") or "").split())[:MAX_SEARCH]
        raw = (params.get("page") or "").strip()
        page = int(raw) if raw.isdigit() and len(raw) < 10 else 1
        return cls(sort, direction, q, max(1, page))

    @property
    def aria_sort(self) -> str:
        return DIRECTIONS[self.direction]


@dataclass(frozen=True)
class TablePage:
    """The rows to render and where they sit among all rows."""

    rows: list[BreakdownRow]
    paged: bool  # more rows than a page: sorted, searched and cut here, not in the browser
    request: TableRequest  # its page is within 1..pages
    total: int  # rows matching the search (all rows without one)
    all_rows: int
    pages: int

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when none is)."""
        return (self.request.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    def params(self, **overrides: str | int | None) -> dict[str, str]:
        """The URL parameters of this page (defaults left out), with overrides (None: dropped)."""
        r = self.request
        values: dict[str, str | int | None] = {
            "sort": r.sort if r.sort != DEFAULT_SORT else None,
            "dir": r.direction if r.direction != DEFAULT_DIRECTION else None,
            "q": r.q or None,
            "page": r.page if r.page != 1 else None,
        }
        values |= overrides
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def sort_params(self, sort: str) -> dict[str, str]:
        """The link of a header: its column descending first, then the other way (as the browser
        sorts a one-page table), from page 1, keeping the search."""
        r = self.request
        again = r.sort == sort and r.direction == "desc"
        flip = "asc" if again else "desc"
        return self.params(
            sort=sort if sort != DEFAULT_SORT else None,
            dir=flip if flip != DEFAULT_DIRECTION else None,
            page=None,
        )

    def aria_sort(self, sort: str) -> str:
        return self.request.aria_sort if self.request.sort == sort else "none"


def row_label(row: BreakdownRow) -> str:
    """The name a table shows for a row (as `_table.html` does, before "(none)")."""
    return row.label or row.key or ""


def sort_key(
    sort: str,
    other_units: bool = False,
    owners: Mapping[str, Owner] | None = None,
) -> Callable[[BreakdownRow], str | int | float]:
    """The value a column sorts by, as the browser's sort reads it from the cells' data-value:
    an unknown number is -1, an unknown text is empty, text compares case-insensitively."""

    def num(value: int | float | None) -> int | float:
        return -1 if value is None else value

    def tokens(row: BreakdownRow) -> int:
        # The models view shows "—" (data-value -1) for a row measured in images or audio.
        if other_units and row.requests and not row.total_tokens:
            return -1
        return row.total_tokens

    def owner(row: BreakdownRow) -> str:
        found = (owners or {}).get(row.key or "")
        return (found.owner_label or "").casefold() if found is not None else ""

    def last_used(row: BreakdownRow) -> str:
        found = (owners or {}).get(row.key or "")
        used = found.last_used_at if found is not None else None
        return used.isoformat() if used else ""

    keys: dict[str, Callable[[BreakdownRow], str | int | float]] = {
        "name": lambda r: row_label(r).casefold(),
        "cost": lambda r: num(r.cost_nanos),
        "requests": lambda r: r.requests,
        "tokens": tokens,
        "share": lambda r: num(r.share),
        "cost_per_request": lambda r: num(r.cost_per_request_nanos()),
        "owner": owner,
        "last_used": last_used,
    }
    return keys[sort]


def search(
    rows: list[BreakdownRow], q: str, owners: Mapping[str, Owner] | None = None
) -> list[BreakdownRow]:
    """Rows whose label or key holds `q`, case-insensitively (all rows for an empty `q`); with
    `owners` (the keys view), also those whose owner's name or e-mail holds it, as the one-page
    table's search in the browser reads them (the owner cell's data-search)."""
    needle = q.casefold()
    if not needle:
        return rows

    def text(row: BreakdownRow) -> str:
        owner = (owners or {}).get(row.key or "")
        held = f"{owner.owner_label or ''}\n{owner.owner_email or ''}" if owner else ""
        return f"{row.label or ''}\n{row.key or ''}\n{held}".casefold()

    return [r for r in rows if needle in text(r)]


def table_page(
    rows: list[BreakdownRow],
    request: TableRequest,
    *,
    other_units: bool = False,
    owners_of: Callable[[list[BreakdownRow]], Mapping[str, Owner]] | None = None,
) -> TablePage:
    """The page `request` asks for of `rows` (a breakdown, most costly first).

    At most `PAGE_SIZE` rows: all of them, in their order, unpaged (the request is ignored: the
    browser sorts and searches them). More: searched, sorted (stably, so equal values keep the
    breakdown's order) and cut; a page past the last is the last. `owners_of` gives the owners of
    the rows it is passed, for the search (asked for every row when there is a search) and the
    owner and last-use sorts (asked for the rows found)."""
    if len(rows) <= PAGE_SIZE:
        return TablePage(rows, False, TableRequest(), len(rows), len(rows), 1)
    owners = owners_of(rows) if owners_of and request.q else None
    found = search(rows, request.q, owners)
    if request.sort in OWNER_SORTS and owners_of is None:
        request = replace(request, sort=DEFAULT_SORT)
    if request.sort != DEFAULT_SORT or request.direction != DEFAULT_DIRECTION:
        if owners_of and request.sort in OWNER_SORTS and owners is None:
            owners = owners_of(found)
        key = sort_key(request.sort, other_units, owners)
        found = sorted(found, key=key, reverse=request.direction == "desc")
    pages = max(1, -(-len(found) // PAGE_SIZE))
    request = replace(request, page=min(request.page, pages))
    start = (request.page - 1) * PAGE_SIZE
    return TablePage(found[start : start + PAGE_SIZE], True, request, len(found), len(rows), pages)
