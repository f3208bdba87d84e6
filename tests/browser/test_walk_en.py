"""Walk the dashboard in Chromium in English (see tests/browser/walking.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.walking import (
    screens_and_no_horizontal_overflow_on_a_phone,
    walk_every_sidebar_link_from_every_kind_of_page,
)

pytestmark = pytest.mark.browser
LANG = "en"


def test_every_sidebar_link_from_every_kind_of_page(browser: Browser, demo: str) -> None:
    walk_every_sidebar_link_from_every_kind_of_page(browser, demo, LANG)


@pytest.mark.parametrize("width", [1440, 390])
def test_screens_and_no_horizontal_overflow_on_a_phone(
    browser: Browser, demo: str, width: int
) -> None:
    screens_and_no_horizontal_overflow_on_a_phone(browser, demo, LANG, width)
