"""Prices derived from billed cost honour each line's quantity unit; an unknown unit leaves the
line unpriced and listed (reconcile), never mis-priced."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, cost, page, write_json
from usage_tracker.db.engine import transaction
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.services.reports.prices import derive_prices, price_book
from usage_tracker.services.reports.reconcile import reconcile
from usage_tracker.services.reports.types import ReportQuery


def test_derived_prices_read_quantities_in_their_units(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        # $2.50 for 1,000 × 1,000 tokens = $2.50 per 1M tokens (not $2,500)
        cost("2.5", line_item="gpt-x, input", quantity=1000, quantity_unit="1000_tokens"),
        cost("10", line_item="gpt-x, output", quantity=1_000_000, quantity_unit="tokens"),
        # $0.36 for 6 minutes of audio = $0.001 per second
        cost("0.36", line_item="whisper-x", quantity=6, quantity_unit="duration_minutes"),
        cost("7", line_item="gpt-x, batch output", quantity=10**6, quantity_unit="tokens"),
        cost("1", line_item="mystery-x, input", quantity=3, quantity_unit="parsecs"),
        cost("4", line_item="A brand new kind of charge", quantity=1, quantity_unit="tokens"),
    ]
    import_file(session_factory, "acme", write_json(tmp_path / "c.json", page([bucket(0, rows)])))
    with transaction(session_factory) as session:
        org = get_organization(session, "acme")
        derive_prices(session, org.id)
        book = price_book(session, org.id)
        assert book.get("gpt-x", "input").usd == Decimal("2.5")  # type: ignore[union-attr]
        assert book.get("gpt-x", "output").usd == Decimal("10")  # type: ignore[union-attr]
        assert book.get("whisper-x", "seconds").usd == Decimal("0.001")  # type: ignore[union-attr]
        assert book.get("mystery-x", "input") is None  # unknown unit: not derived
        assert book.get("gpt-x", "batch_output") is None  # a batch price is not the model's
        result = reconcile(session, ReportQuery(date(2024, 7, 1), date(2024, 7, 1), org="acme"))
    listed = {(u.line_item, u.reason) for u in result.unpriced_lines}
    assert listed == {
        ("mystery-x, input", "unknown unit"),
        ("A brand new kind of charge", "unrecognised line item"),
    }
    assert result.to_json()["unpriced_line_items"]
    assert result.billed_nanos == 24_860_000_000  # nothing dropped from billed cost
