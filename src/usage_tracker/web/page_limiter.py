"""HTML pages are rendered a few at a time; the JSON API and assets are not held back.

A page is CPU work (queries, a template, a chart's data) that runs in a thread and holds
Python's GIL: twenty rendered at once each take twenty times as long, and a quick question to
the JSON API (`/api/v1/summary`, what scripts and other tools poll) waits behind all of them.
Pages therefore wait their turn, `page_concurrency` at a time (`USAGE_TRACKER_PAGE_CONCURRENCY`,
default 2), while API calls, downloads, assets and health checks go straight through. The wait
is in the event loop: a waiting page holds no thread.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

UNLIMITED_PREFIXES = ("/api/", "/static/", "/healthz", "/metrics")


def _is_page(path: str) -> bool:
    """An HTML page: not the API, an asset, a probe or a download (`….csv`, `export.json`: a
    long download must not hold a page's turn)."""
    if not path or path.startswith(UNLIMITED_PREFIXES) or "/export" in path:
        return False
    return "." not in path.rsplit("/", 1)[-1]


class PageLimiter:
    def __init__(self, app: ASGIApp, concurrency: int) -> None:
        self.app = app
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not _is_page(path) or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made in the serving loop, on first use
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            await self.app(scope, receive, send)
