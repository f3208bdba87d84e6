"""Unit prices and the estimate of one usage row."""

from __future__ import annotations

from decimal import Decimal

import pytest

from usage_tracker.services.reports.estimates import estimate_nanos
from usage_tracker.services.reports.prices import (
    PriceBook,
    PriceError,
    UnitPrice,
    normalise_kind,
    shipped_prices,
)

ZERO = dict.fromkeys(
    ("input_tokens", "input_cached_tokens", "output_tokens", "images", "seconds", "characters"), 0
)


def test_completions_charge_uncached_cached_and_output_at_their_prices() -> None:
    book = PriceBook(shipped_prices())
    m = ZERO | {"input_tokens": 1_000_000, "input_cached_tokens": 400_000, "output_tokens": 100_000}
    # gpt-4o: 0.6M × $2.50 + 0.4M × $1.25 + 0.1M × $10 = 1.5 + 0.5 + 1.0
    assert estimate_nanos(book, "completions", "gpt-4o-2024-08-06", m) == 3_000_000_000


def test_per_unit_endpoints_and_free_moderations() -> None:
    book = PriceBook(shipped_prices())
    assert estimate_nanos(book, "images", "dall-e-3", ZERO | {"images": 3}) == 120_000_000
    assert (
        estimate_nanos(book, "audio_transcriptions", "whisper-1", ZERO | {"seconds": 10})
        == 1_000_000
    )
    assert (
        estimate_nanos(book, "moderations", "omni-moderation-latest", ZERO | {"input_tokens": 9})
        == 0
    )


def test_an_unpriced_model_is_unknown_never_zero() -> None:
    book = PriceBook(shipped_prices())
    assert estimate_nanos(book, "completions", "mystery", ZERO | {"input_tokens": 5}) is None
    assert estimate_nanos(book, "completions", None, ZERO | {"output_tokens": 5}) is None


def test_derived_beats_manual_beats_shipped() -> None:
    book = PriceBook(
        [
            UnitPrice("m", "input", Decimal("3"), "derived"),
            *shipped_prices(),
            UnitPrice("m", "input", Decimal("2"), "manual"),
            UnitPrice("gpt-4o-2024-08-06", "input", Decimal("9"), "manual"),
        ]
    )
    assert book.get("m", "input").usd == 3  # type: ignore[union-attr]
    assert book.get("gpt-4o-2024-08-06", "input").usd == 9  # type: ignore[union-attr]
    assert book.get("m", "input").per_quantity == Decimal("0.000003")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("Cached input", "cached_input"),
        ("cached-input", "cached_input"),
        ("image", "images"),
        ("output", "output"),
    ],
)
def test_kinds_are_normalised(given: str, kind: str) -> None:
    assert normalise_kind(given) == kind


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(PriceError, match="unknown price kind"):
        normalise_kind("tokens")
