"""`ViewFilters.qs` (encoded once per request) is `urlencode(params(...))`, order included."""

from __future__ import annotations

import itertools
from datetime import date
from urllib.parse import urlencode

from usage_tracker.web.filters import ViewFilters


def test_qs_is_urlencode_of_params_for_every_override() -> None:
    bases = [
        ViewFilters("custom", date(2024, 1, 1), date(2024, 12, 31), org="acme & co", user="u 1"),
        ViewFilters("30d", date(2024, 1, 1), date(2024, 1, 30)),
        ViewFilters("7d", date(2024, 1, 1), date(2024, 1, 7), project="proj_1", model="gpt/4"),
    ]
    overrides = [{}, {"user": "user-é"}, {"user": None}, {"key": "k=1&x"}, {"range": ""}]
    overrides += [{"model": "m", "key": "z"}, {"org": None, "page": "2"}]
    for base, extra in itertools.product(bases, overrides):
        want = urlencode(base.params(**extra))
        assert base.qs(**extra) == ("?" + want if want else "")
        assert base.qs(**extra) == base.qs(**extra)  # the cache changes nothing
