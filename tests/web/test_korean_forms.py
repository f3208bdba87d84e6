"""The words the budget, channel and audit forms offer (scopes, periods, actions, channel
kinds, audit outcomes) read in Korean on a Korean page, while the values they send stay the
stored ones (`value=`), so the forms, the CLI and the API keep agreeing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.korean import english_left
from usage_tracker.db.engine import transaction
from usage_tracker.domain.budgets import ENFORCEMENTS, SCOPES
from usage_tracker.domain.periods import PERIODS
from usage_tracker.services.audit.log import RESULTS
from usage_tracker.services.spend.channels import KINDS, add_channel
from usage_tracker.settings import Settings

PAGES = ("/budgets", "/budgets/bulk", "/channels", "/governance/audit?org=acme")


def options(page: str, name: str) -> dict[str, str]:
    """A select's options: value → shown text."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    return {value: text for value, text in found}


def test_form_words_are_korean_and_send_the_stored_values(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(session_factory) as session:
        add_channel(session, settings, "email", ["ops@example.com"])
        add_channel(session, settings, "webhook", ["https://hooks.example.com/x"])
    admin.cookies.set("ut_lang", "ko")
    pages = {path: admin.get(path) for path in PAGES}
    for path, response in pages.items():
        assert response.status_code == 200, path
        assert english_left(response.text) == [], path
    budgets, bulk = pages["/budgets"].text, pages["/budgets/bulk"].text
    assert list(options(budgets, "scope")) == list(SCOPES)
    assert list(options(budgets, "period")) == list(PERIODS)
    assert list(options(budgets, "enforce")) == list(ENFORCEMENTS)
    assert set(options(bulk, "scope")) <= set(SCOPES) and list(options(bulk, "period")) == list(
        PERIODS
    )
    assert list(options(pages["/channels"].text, "kind")) == list(KINDS)
    audit = options(pages["/governance/audit?org=acme"].text, "result")
    assert [v for v in audit if v] == list(RESULTS)
    assert options(budgets, "period")["monthly"] == "월간"
    assert options(budgets, "enforce")["revoke-keys"] == "키 폐기"
    assert options(pages["/channels"].text, "kind")["webhook"] == "웹훅"
    assert audit["failed"] == "실패" and audit["skipped"] == "건너뜀"
    assert '<td data-kind="email">이메일</td>' in pages["/channels"].text


def test_english_pages_keep_the_words_as_they_were(admin: TestClient, loaded: str) -> None:
    budgets = admin.get("/budgets").text
    assert options(budgets, "scope") == {s: s for s in SCOPES}
    assert options(budgets, "enforce")["spend-limit"] == "spend-limit"
