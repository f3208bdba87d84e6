"""Accounts, API tokens, exports and catalogs: the pieces the web app stands on."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.engine import transaction
from usage_tracker.db.models import Account, ApiToken
from usage_tracker.services.accounts.accounts import AccountError, authenticate, create_account
from usage_tracker.services.accounts.api_tokens import create_token, verify_token
from usage_tracker.services.kit.exports import safe_cell, to_csv, to_xlsx
from usage_tracker.web.i18n import LOCALE_DIR, translations

WEB_DIR = Path(__file__).resolve().parents[2] / "src" / "usage_tracker" / "web"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2+3", "-A1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_quoted(value: str) -> None:
    assert safe_cell(value) == "'" + value
    rows = [{"name": value, "n": -3}]
    parsed = list(csv.reader(io.StringIO(to_csv(rows).decode("utf-8-sig"))))
    assert parsed == [["name", "n"], ["'" + value, "-3"]]
    sheet = load_workbook(io.BytesIO(to_xlsx(rows))).active
    assert sheet is not None and str(sheet["A2"].value).startswith("'")


@pytest.mark.parametrize("value", [-3, Decimal("-12.50"), "-12.50", "0.25", "1200"])
def test_numbers_stay_numbers_negative_ones_included(value: object) -> None:
    """A credit (a negative amount) must add up in a spreadsheet: never quoted, a number in XLSX."""
    rows = [{"cost_usd": value}]
    parsed = list(csv.reader(io.StringIO(to_csv(rows).decode("utf-8-sig"))))
    assert parsed[1] == [str(value)]
    sheet = load_workbook(io.BytesIO(to_xlsx(rows, money_columns=["cost_usd"]))).active
    assert sheet is not None
    cell = sheet["A2"]
    assert isinstance(cell.value, int | float) and Decimal(str(cell.value)) == Decimal(str(value))
    assert cell.number_format == "$#,##0.00"


def test_text_that_only_looks_numeric_stays_text() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx([{"id": "007", "month": "2024-07"}]))).active
    assert sheet is not None and sheet["A2"].value == "007" and sheet["B2"].value == "2024-07"


def test_csv_quotes_commas_quotes_and_newlines() -> None:
    rows = [{"a": 'x, "y"\nz'}]
    assert list(csv.reader(io.StringIO(to_csv(rows).decode("utf-8-sig"))))[1] == ['x, "y"\nz']


def test_passwords_are_argon2_and_checked(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        create_account(session, "ada", "long-enough-pw", "admin")
        with pytest.raises(AccountError):
            create_account(session, "ada", "long-enough-pw")
        with pytest.raises(AccountError):
            create_account(session, "bob", "short")
        with pytest.raises(AccountError):
            create_account(session, "bob", "long-enough-pw", role="owner")
    with transaction(session_factory) as session:
        stored = session.scalar(select(Account.password_hash))
        assert stored is not None and stored.startswith("$argon2id$")
        assert authenticate(session, "ada", "long-enough-pw", "127.0.0.1") is not None
        assert authenticate(session, "ada", "wrong-password", "127.0.0.1") is None
        assert authenticate(session, "nobody", "wrong-password", "127.0.0.1") is None


def test_tokens_are_stored_hashed(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        info, plain = create_token(session, "ci")
    with transaction(session_factory) as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert plain not in stored and len(stored[0]) == 64
        found = verify_token(session, plain)
        assert found is not None and found.name == "ci" and found.last_used_at is not None
        assert verify_token(session, plain + "x") is None
    assert info.prefix == plain[:12]


def test_every_string_has_a_korean_translation() -> None:
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ids = {m[2] for m in extract_from_dir(WEB_DIR, method_map, options) if isinstance(m[2], str)}
    assert len(ids) > 100
    ko = translations("ko")
    missing = sorted(i for i in ids if ko.gettext(i) == i and i != "API")
    assert missing == []
    assert (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").is_file()
