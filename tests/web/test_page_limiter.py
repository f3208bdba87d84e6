"""Pages take turns, `page_concurrency` at a time; the JSON API, downloads and probes never
wait behind them."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from usage_tracker.web.page_limiter import PageLimiter

PAGES = ("/", "/users", "/models", "/keys")


def test_pages_wait_their_turn_and_the_api_goes_straight_through() -> None:
    running: list[str] = []
    peak = [0]
    finished: list[str] = []
    pages_may_end = asyncio.Event()

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        running.append(scope["path"])
        peak[0] = max(peak[0], sum(1 for p in running if p in PAGES))
        if scope["path"] in PAGES:
            await pages_may_end.wait()
        running.remove(scope["path"])
        finished.append(scope["path"])

    limiter = PageLimiter(inner, concurrency=2)

    async def get(path: str, method: str = "GET") -> None:
        await limiter({"type": "http", "path": path, "method": method}, None, None)

    async def scenario() -> None:
        pages = [asyncio.create_task(get(p)) for p in PAGES]
        await asyncio.sleep(0.01)
        assert sorted(running) == ["/", "/users"]  # two render, two wait
        quick = ["/api/v1/summary", "/export/users.csv", "/teams/showback.xlsx", "/healthz"]
        await asyncio.wait_for(asyncio.gather(*(get(p) for p in quick)), 1)
        assert set(quick) <= set(finished)  # while the pages still wait
        await asyncio.wait_for(get("/login", "POST"), 1)  # a form post is not a page render
        pages_may_end.set()
        await asyncio.wait_for(asyncio.gather(*pages), 1)

    # A loop of its own in a thread of its own: the worker's thread may already run one (the
    # browser tests' Playwright does).
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # re-raised below, in the test's thread
            failures.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    if failures:
        raise failures[0]
    assert peak[0] == 2
    assert finished[-4:] == list(PAGES)  # the pages last, in the order they came
