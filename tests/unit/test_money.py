from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from usage_tracker.domain.money import (
    MoneyError,
    format_cents,
    format_unit_price,
    format_usd,
    from_nanos,
    parse_usd,
    to_nanos,
    usd_string,
)


def test_float_goes_through_its_repr_not_binary() -> None:
    assert to_nanos(0.1) == 100_000_000
    assert to_nanos(0.4185) == 418_500_000
    assert to_nanos(Decimal("1234.567891234")) == 1_234_567_891_234


def test_usd_string_keeps_every_digit_and_two_decimals() -> None:
    assert usd_string(to_nanos("769.4044591")) == "769.4044591"
    assert usd_string(to_nanos("0.2")) == "0.20"
    assert usd_string(0) == "0.00"
    assert usd_string(None) is None


def test_format_usd_rounds_half_even_to_the_cent() -> None:
    assert format_usd(to_nanos("1234.565")) == "$1,234.56"
    assert format_usd(to_nanos("-2.5")) == "-$2.50"
    assert format_usd(None) == "—"


@pytest.mark.parametrize("bad", ["abc", "NaN", "inf", True])
def test_non_numbers_are_rejected(bad: object) -> None:
    with pytest.raises(MoneyError):
        to_nanos(bad)  # type: ignore[arg-type]


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=9, allow_nan=False))
def test_nanos_round_trip_is_exact(value: Decimal) -> None:
    assert from_nanos(to_nanos(value)) == value
    assert Decimal(usd_string(to_nanos(value)) or "") == value


@pytest.mark.parametrize(
    ("text", "nanos"),
    [("250", 250 * 10**9), ("$1,234.50", 1_234_500_000_000), (" 99.5 ", 99_500_000_000)],
)
def test_parse_usd_reads_what_people_type(text: str, nanos: int) -> None:
    assert parse_usd(text) == nanos


@pytest.mark.parametrize("text", ["", "$", "twelve", "1.2.3"])
def test_parse_usd_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_usd(text)


def test_cents_and_unit_prices_format_through_one_home() -> None:
    assert format_cents(123456) == "$1,234.56"
    assert format_cents(-50) == "-$0.50"
    assert format_unit_price(7_600_000) == "$0.0076"
    assert format_unit_price(None) == "—"
