"""Reads shared within the computation of one report answer.

Computing one answer (a summary, a breakdown) asks the same ledger questions several times:
which record sets can answer with these dimensions, which days each set has in the range (a
summary asked the first 13 times and the second 9 times). Inside `answer_scope()` such a read is
made once and its rows reused; outside one, every read goes to the database as before. A scope
lasts one answer's computation, which writes nothing, so a kept read cannot go stale; the
report memo (`services/reports/memo.py`) opens one around every answer it computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_SCOPE: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("answer_scope", default=None)


@contextmanager
def answer_scope() -> Iterator[None]:
    """Share reads until the block ends (an inner scope joins the outer one)."""
    if _SCOPE.get() is not None:
        yield
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def shared(key: tuple[Any, ...], read: Callable[[], T]) -> T:
    """`read()`, made once per key within a scope (every time outside one). The rows it returns
    are shared: callers must not change them."""
    scope = _SCOPE.get()
    if scope is None:
        return read()
    if key not in scope:
        scope[key] = read()
    return scope[key]  # type: ignore[no-any-return, unused-ignore]
