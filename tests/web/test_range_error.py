"""A From day after the To day: a report page keeps its frame (sidebar, filter form holding the
days as given, the other filters) and says what to do, in English and Korean; the JSON API
keeps its JSON error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.korean import english_left

REVERSED = "range=custom&since=2024-01-30&until=2024-01-01"


@pytest.mark.parametrize("path", ["/", "/users", "/projects", "/models", "/keys"])
def test_a_reversed_range_shows_the_page_with_its_filter_form(
    admin: TestClient, loaded: str, path: str
) -> None:
    response = admin.get(f"{path}?{REVERSED}&org={loaded}&model=gpt-4o")
    page = response.text
    assert response.status_code == 422
    assert "The start date is after the end date: pick a start on or before the end." in page
    assert "since must not be after until" not in page and "Error 422" not in page
    assert 'aria-label="Date range and filters"' in page  # the filter form …
    assert 'name="since" value="2024-01-30" aria-invalid="true"' in page  # … with the days given
    assert 'name="until" value="2024-01-01"' in page
    assert 'name="model" value="gpt-4o"' in page  # the other filters kept
    assert 'id="sidebar"' in page  # the navigation
    assert 'aria-current="page"' in page and "data-range-error" in page


def test_a_reversed_range_in_korean(admin: TestClient, loaded: str) -> None:
    admin.cookies.set("ut_lang", "ko")
    response = admin.get(f"/users?{REVERSED}")
    assert response.status_code == 422
    assert "시작일이 종료일보다 늦습니다" in response.text
    assert english_left(response.text) == []


def test_other_pages_and_the_api_keep_their_errors(admin: TestClient, loaded: str) -> None:
    api = admin.get(f"/api/v1/summary?{REVERSED}")
    assert api.status_code == 422 and api.json() == {"detail": "since must not be after until"}
    # A page with no filter form (an export) says what to do on the error page.
    export = admin.get(f"/export/users.csv?{REVERSED}", headers={"accept": "text/html"})
    assert export.status_code == 422
    assert "pick a start on or before the end" in export.text
    assert "since must not be after until" not in export.text
