"""FOCUS rules without a database: units, credits, periods, exact decimal text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from usage_tracker.domain.focus import (
    focus_unit,
    instant,
    is_credit,
    month_bounds,
    quantity_decimal,
    tokens_per_unit,
)
from usage_tracker.domain.money import decimal_text
from usage_tracker.services.reports.focus.rows import chunks


@pytest.mark.parametrize(
    ("unit", "focus", "tokens"),
    [
        ("tokens", "Tokens", 1),
        ("1000_tokens", "1000 Tokens", 1000),
        ("1m_tokens", "1000000 Tokens", 1_000_000),
        ("duration_seconds", "Seconds", None),
        ("duration_hours", "Hours", None),
        ("gibibyte_hours", "GiB-Hours", None),
        ("images", "Images", None),
        ("characters", "Characters", None),
        ("web_search_calls", "Web Search Calls", None),  # unknown: capitalised, never dropped
        (None, None, None),
        ("  ", None, None),
    ],
)
def test_units(unit: str | None, focus: str | None, tokens: int | None) -> None:
    assert focus_unit(unit) == focus
    assert tokens_per_unit(unit) == tokens


@pytest.mark.parametrize(
    ("line_item", "nanos", "credit"),
    [
        ("gpt-4o, input", 5, False),
        ("gpt-4o, input", -5, True),  # a refund
        ("Credit", 0, True),
        ("Free trial credits", -1, True),
        ("Refund: gpt-4o", 3, True),
        ("accreditation-model, input", 1, False),  # a word, not a substring
        (None, 0, False),
    ],
)
def test_credits(line_item: str | None, nanos: int, credit: bool) -> None:
    assert is_credit(line_item, nanos) is credit


def test_periods() -> None:
    assert instant(date(2024, 2, 29)) == "2024-02-29T00:00:00Z"
    assert month_bounds(date(2024, 12, 31)) == (date(2024, 12, 1), date(2025, 1, 1))
    spans = list(chunks(date(2024, 1, 28), date(2024, 3, 2)))
    assert spans[0] == (date(2024, 1, 28), date(2024, 1, 31))  # never across a month
    assert all(lo.month == hi.month and (hi - lo).days < 8 for lo, hi in spans)
    assert sum((hi - lo).days + 1 for lo, hi in spans) == 35


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=12, min_value=-(10**9), max_value=10**9
    )
)
def test_decimal_text_is_exact_plain_notation(value: Decimal) -> None:
    text = decimal_text(value)
    assert Decimal(text) == value
    assert "E" not in text and "e" not in text and not text.startswith("+")
    assert text == "0" or not text.endswith(("0", ".")) or "." not in text


def test_quantities() -> None:
    assert quantity_decimal(1131598.0) == Decimal(1131598)
    assert quantity_decimal(12.5) == Decimal("12.5")
    assert quantity_decimal(0.1 + 0.2) == Decimal("0.300000000")  # at most 9 decimals
