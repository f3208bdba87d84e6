"""Pagination with a bound.

Usage and costs answer `{"data": [...buckets], "has_more", "next_page"}` and the SDK does not
follow them: `iter_bucket_pages` does, reading the raw JSON body (amounts as Decimal, never
float; results kept as dicts so unknown kinds stay visible). List endpoints (projects, users,
keys, rate limits…) use the SDK's auto-pagination through `iter_list`.
A server that keeps answering `has_more: true`, or answers the same cursor twice, ends in an
AdminApiError, never a hang.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from usage_tracker.openai_admin.errors import AdminApiError, admin_call

log = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 10_000
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class RawResponse(Protocol):
    """What the SDK's `with_raw_response` calls return (LegacyAPIResponse)."""

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Any: ...


class SyncPage(Protocol[T_co]):
    """What the SDK's list calls return (an auto-paginating cursor page)."""

    @property
    def data(self) -> Sequence[T_co]: ...

    def iter_pages(self) -> Iterator[Any]: ...


def _endless(endpoint: str, pages: int) -> AdminApiError:
    return AdminApiError(
        endpoint,
        None,
        f"the server kept answering has_more=true after {pages} pages; stopped rather than "
        "loop forever — narrow the time range, or raise max_pages if the data really is "
        "that large",
    )


def _repeated(endpoint: str, page: int) -> AdminApiError:
    return AdminApiError(
        endpoint,
        None,
        f"the server answered the same page cursor twice (after page {page}); stopped this "
        "stream rather than read the same page again — the other streams still sync",
    )


def _page_cursor(page: Any) -> str | None:
    """Where an SDK list page continues from: its `last_id`, else its last item's id."""
    last = getattr(page, "last_id", None)
    if isinstance(last, str) and last:
        return last
    data = getattr(page, "data", None) or []
    item_id = getattr(data[-1], "id", None) if data else None
    return item_id if isinstance(item_id, str) else None


def parse_bucket_page(raw: RawResponse, endpoint: str) -> dict[str, Any]:
    """The page's JSON as a dict, checked for the fields pagination relies on."""
    request_id = raw.headers.get("x-request-id")
    content = raw.content
    try:
        body = json.loads(content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        preview = content[:40].decode("utf-8", "replace")
        raise AdminApiError(
            endpoint,
            None,
            f"the response body is not valid JSON (starts {preview!r}) — is OPENAI_BASE_URL "
            "pointing at the Admin API?",
            request_id,
        ) from None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("data"), list)
        or not isinstance(body.get("has_more"), bool)
    ):
        raise AdminApiError(
            endpoint,
            None,
            "the response is not a page of buckets (expected an object with `data` and `has_more`)",
            request_id,
        )
    return body


def iter_bucket_pages(
    fetch: Callable[[str | None], RawResponse],
    endpoint: str,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    timeout: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield each page's JSON, following `next_page` while `has_more`.

    `fetch(cursor)` makes one SDK call (cursor None for the first page).
    """
    cursor: str | None = None
    seen: set[str] = set()
    for number in range(1, max_pages + 1):
        log.debug("%s page %d%s", endpoint, number, " (first)" if cursor is None else "")
        with admin_call(endpoint, timeout):
            raw = fetch(cursor)
        page = parse_bucket_page(raw, endpoint)
        yield page
        if not page["has_more"]:
            return
        next_page = page.get("next_page")
        if not isinstance(next_page, str) or not next_page:
            raise AdminApiError(
                endpoint,
                None,
                "the server answered has_more=true without a next_page cursor; cannot continue",
            )
        if next_page in seen:
            raise _repeated(endpoint, number)
        seen.add(next_page)
        cursor = next_page
    raise _endless(endpoint, max_pages)


def iter_list(
    first_call: Callable[[], SyncPage[T]],
    endpoint: str,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    timeout: float | None = None,
) -> Iterator[T]:
    """Items of an SDK auto-paginated list, every page, with errors translated and a bound."""
    with admin_call(endpoint, timeout):
        first = first_call()
        pages = first.iter_pages()
        seen: set[str] = set()
        for number, page in enumerate(pages, start=1):
            if number > max_pages:
                raise _endless(endpoint, max_pages)
            log.debug("%s page %d", endpoint, number)
            yield from page.data
            cursor = _page_cursor(page)
            if cursor is not None and getattr(page, "has_more", True):
                if cursor in seen:
                    raise _repeated(endpoint, number)
                seen.add(cursor)


def collect(
    first_call: Callable[[], SyncPage[T]],
    endpoint: str,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    timeout: float | None = None,
) -> list[T]:
    return list(iter_list(first_call, endpoint, max_pages=max_pages, timeout=timeout))
