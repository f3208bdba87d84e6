"""Report answers kept per question and ledger version.

A page asks the same questions as its JSON twin, the page before it and the next person to open
it; between imports and syncs the answers cannot change. `remembered` keeps the answers of a
report function per (arguments, ledger version) in a small LRU bounded in bytes: each answer is
kept pickled, so every caller gets its own copy to change as it likes; an answer bigger than an
eighth of the budget is not kept. The version is read (one statement) on every call, so a write
earlier in the same transaction is seen too. Any bucket written, replaced or dropped, a price or
a name changed makes a new version (`db/queries/ledger_version.py`), so nothing stale is ever
served. Each process (each `serve`, each CLI call) keeps its own answers.
"""

from __future__ import annotations

import functools
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from usage_tracker.db.queries.ledger_version import ledger_version
from usage_tracker.services.ledger.answer_scope import answer_scope

P = ParamSpec("P")
R = TypeVar("R")

BUDGET_BYTES = 64 * 1024 * 1024
_ANSWERS: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_SIZE = [0]
_LOCK = threading.Lock()
# Questions being answered now: a second asker of the same question waits for the first answer
# (twenty people opening the same page after a sync compute it once), at most WAIT_SECONDS.
_COMPUTING: dict[tuple[Any, ...], threading.Lock] = {}
WAIT_SECONDS = 120.0


_OTHERS: list[Callable[[], None]] = []


def also_clear(forget: Callable[[], None]) -> None:
    """Have `clear` forget another cache of answers too (the kept allocations)."""
    _OTHERS.append(forget)


def clear() -> None:
    """Forget every kept answer (benchmarks time the computation with it)."""
    with _LOCK:
        _ANSWERS.clear()
        _SIZE[0] = 0
    for forget in _OTHERS:
        forget()


def _kept(key: tuple[Any, ...]) -> bytes | None:
    with _LOCK:
        kept = _ANSWERS.get(key)
        if kept is not None:
            _ANSWERS.move_to_end(key)
        return kept


def _keep(key: tuple[Any, ...], blob: bytes) -> None:
    if len(blob) > BUDGET_BYTES // 8:
        return
    with _LOCK:
        old = _ANSWERS.pop(key, None)
        _SIZE[0] -= len(old) if old is not None else 0
        _ANSWERS[key] = blob
        _SIZE[0] += len(blob)
        while _SIZE[0] > BUDGET_BYTES and _ANSWERS:
            _, dropped = _ANSWERS.popitem(last=False)
            _SIZE[0] -= len(dropped)


def remembered(fn: Callable[P, R]) -> Callable[P, R]:
    """Keep `fn(session, *args, **kwargs)`'s answers per arguments and ledger version."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0]
        assert isinstance(session, Session)
        try:
            key = (fn.__module__, fn.__qualname__, args[1:], tuple(sorted(kwargs.items())),
                   ledger_version(session))  # fmt: skip
            hash(key)
        except TypeError:  # an argument that cannot be a key: answer without keeping
            with answer_scope():
                return fn(*args, **kwargs)
        kept = _kept(key)
        if kept is not None:
            return pickle.loads(kept)  # type: ignore[no-any-return, unused-ignore]
        with _LOCK:
            turn = _COMPUTING.setdefault(key, threading.Lock())
        mine = turn.acquire(timeout=WAIT_SECONDS)
        try:
            kept = _kept(key)  # answered while this one waited
            if kept is not None:
                return pickle.loads(kept)  # type: ignore[no-any-return, unused-ignore]
            with answer_scope():  # the answer's repeated ledger reads made once
                answer = fn(*args, **kwargs)
            _keep(key, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
            return answer
        finally:
            if mine:
                with _LOCK:
                    if _COMPUTING.get(key) is turn:
                        del _COMPUTING[key]
                turn.release()

    return wrapper
