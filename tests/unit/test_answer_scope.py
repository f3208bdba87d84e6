"""Reads shared within one report answer's computation, and only there."""

from __future__ import annotations

from usage_tracker.services.ledger.answer_scope import answer_scope, shared


def test_a_read_is_made_once_per_key_inside_a_scope_and_every_time_outside() -> None:
    calls: list[str] = []

    def read(name: str) -> list[str]:
        calls.append(name)
        return [name]

    assert shared(("k",), lambda: read("a")) == ["a"]
    assert shared(("k",), lambda: read("a")) == ["a"]
    assert calls == ["a", "a"], "outside a scope nothing is kept"
    calls.clear()
    with answer_scope():
        assert shared(("k",), lambda: read("a")) == ["a"]
        with answer_scope():  # an inner scope joins the outer one
            assert shared(("k",), lambda: read("b")) == ["a"]
        assert shared(("other",), lambda: read("c")) == ["c"]
        assert shared(("k",), lambda: read("d")) == ["a"]
    assert calls == ["a", "c"]
    calls.clear()
    with answer_scope():  # a new scope reads again: nothing outlives the answer
        assert shared(("k",), lambda: read("e")) == ["e"]
    assert calls == ["e"]
