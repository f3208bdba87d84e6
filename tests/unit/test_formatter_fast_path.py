"""The Formatter's fast path (Python's `format`) writes exactly what Babel writes."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal, format_percent

from usage_tracker.domain.money import from_nanos
from usage_tracker.web.i18n import BABEL_LOCALES, Formatter, _fast_symbol


def _values() -> list[int]:
    rng = random.Random(13)
    edge = [0, 1, -1, 5_000_000, 4_999_999, 15_000_000, 25_000_000, -25_000_000, 10**15 + 1]
    return (
        edge
        + [rng.randrange(-(10**14), 10**14) for _ in range(400)]
        + [rng.randrange(0, 10**8) for _ in range(400)]
    )


@pytest.mark.parametrize("lang", sorted(BABEL_LOCALES))
def test_the_fast_path_is_used_and_matches_babel(lang: str) -> None:
    f = Formatter(lang)
    locale = f.locale
    assert _fast_symbol(locale) is not None  # both shipped locales take the fast path
    for nanos in _values():
        usd = from_nanos(nanos)
        assert f.money(nanos) == format_currency(usd, "USD", locale=locale)
        assert f.usd(nanos) == format_currency(usd, "USD", locale=locale)
        assert f.unit_price(nanos) == format_currency(
            usd, "USD", format="¤#,##0.0000", currency_digits=False, locale=locale
        )
        assert f.number(nanos) == format_decimal(nanos, locale=locale)
        share = nanos / 9_999_999_999_991
        for digits, pattern in ((0, "#,##0%"), (1, "#,##0.0%"), (2, "#,##0.00%")):
            assert f.percent(share, digits) == format_percent(share, format=pattern, locale=locale)
    for share in (0.0, 0.5, 0.00125, 0.0005, 0.9995, 1.0, 1e-9, 0.1 + 0.2):
        want = format_percent(share, format="#,##0.0%", locale=locale)
        assert f.percent(share) == want


def test_other_values_still_go_through_babel() -> None:
    f = Formatter("en", "KRW", Decimal("1350"))
    assert f.money(1_000_000_000) == format_currency(Decimal(1350), "KRW", locale="en_US")
    assert Formatter("en").number(Decimal("1234.5")) == "1,234.5"
