"""Cost quantities carry their unit: every unit the spec names, read in base units, exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes import load_spec
from usage_tracker.domain.units import (
    CHARACTERS,
    GIB_HOURS,
    IMAGES,
    SECONDS,
    TOKENS,
    base_quantity,
    known_unit,
)

SPEC_UNITS = {
    "tokens": (TOKENS, 1),
    "1000_tokens": (TOKENS, 1000),
    "duration_seconds": (SECONDS, 1),
    "duration_minutes": (SECONDS, 60),
    "duration_hours": (SECONDS, 3600),
    "gibibyte_hours": (GIB_HOURS, 1),
    "images": (IMAGES, 1),
    "characters": (CHARACTERS, 1),
}


def test_every_unit_the_spec_lists_is_known() -> None:
    schema = load_spec().document["components"]["schemas"]["CostsResult"]
    enums = [
        value
        for option in schema["properties"]["quantity_unit"]["anyOf"]
        for value in option.get("enum", [])
    ]
    assert set(enums) == set(SPEC_UNITS)
    for unit in enums:
        assert known_unit(unit)


@given(unit=st.sampled_from(sorted(SPEC_UNITS)), quantity=st.decimals("0", "1e9", places=3))
def test_quantities_are_read_in_base_units_exactly(unit: str, quantity: Decimal) -> None:
    base, factor = SPEC_UNITS[unit]
    assert base_quantity(unit, str(quantity)) == (base, quantity * factor)


def test_a_million_tokens_and_spellings() -> None:
    assert base_quantity("1M tokens", 2) == (TOKENS, Decimal(2_000_000))
    assert base_quantity("1K-tokens", 1.5) == (TOKENS, Decimal(1500))
    assert base_quantity("tokens", 0.1) == (TOKENS, Decimal("0.1"))  # through repr, not binary


@pytest.mark.parametrize("unit", [None, "", "parsecs", "gpu_hours", "1000_images_maybe"])
def test_unknown_or_absent_units_are_none(unit: str | None) -> None:
    assert base_quantity(unit, 5) is None and not known_unit(unit)
