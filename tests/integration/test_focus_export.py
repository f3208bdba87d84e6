"""The FOCUS export: every file valid against the FOCUS 1.2 column table, each dollar once.

Data is generated (tests/integration/focus_data.py): a project × line item export and a
user-grouped export of the same days both imported, plus days only the user-grouped one has,
credits and refunds, quantities in several units. Each generated case goes into an
organization of its own, so hypothesis examples share one database per backend.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.integration import focus_data as data
from tests.integration.focus_checks import check_csv, check_parquet, same_values
from usage_tracker.db.engine import transaction
from usage_tracker.db.models import ApiKey
from usage_tracker.domain.money import to_nanos, usd_cents
from usage_tracker.services.kit.exports import csv_fields, csv_lines
from usage_tracker.services.ledger.names import upsert_members, upsert_project_names
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.reports.focus import NAMES, FocusQuery, export_focus, focus_rows
from usage_tracker.services.reports.reconcile import ALLOCATION_METHOD, reconcile
from usage_tracker.services.reports.totals import ReportQuery, summary
from usage_tracker.services.spend.teams import create_team, set_members

Factory = sessionmaker[Session]
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _export(factory: Factory, q: FocusQuery, fmt: str = "csv") -> bytes:
    with factory() as session:
        return b"".join(export_focus(session, q, fmt))


def _day(row: dict[str, str]) -> date:
    return date.fromisoformat(row["ChargePeriodStart"][:10])


@EXAMPLES
@given(
    rows=data.entries(),
    window=st.tuples(st.integers(-3, data.DAYS + 2), st.integers(-3, data.DAYS + 2)),
)
def test_every_file_is_valid_focus_and_bills_each_dollar_once(
    session_factory: Factory, tmp_path: Path, rows: list[data.Entry], window: tuple[int, int]
) -> None:
    org = data.load(session_factory, tmp_path, rows)
    lo, hi = sorted(window)
    since, until = (data.FIRST_DAY + timedelta(days=d) for d in (lo, hi))
    q = FocusQuery(since, until, org)
    csv_bytes = _export(session_factory, q, "csv")
    csv_rows = check_csv(csv_bytes)
    with session_factory() as session:  # the rendered segments are what csv.writer would write
        cells = focus_rows(session, q)
        assert b"".join(csv_lines(NAMES, (csv_fields(r) for r in cells))) == csv_bytes
    parquet_rows = check_parquet(_export(session_factory, q, "parquet"))
    assert same_values(csv_rows, parquet_rows)
    with session_factory() as session:
        billed = summary(session, ReportQuery(since, until, org=org)).cost_nanos or 0
    exported = sum(to_nanos(r["BilledCost"]) for r in csv_rows)
    assert usd_cents(exported) == usd_cents(billed)  # to the cent, and in fact exactly:
    assert exported == billed == data.truth_nanos(rows, since, until)
    seen = set()
    for r in csv_rows:
        key = (
            r["ChargePeriodStart"],
            r["SubAccountId"],
            r["SkuId"],
            r["ResourceId"],
            r["x_UserId"],
            r["ChargeCategory"],
        )
        assert key not in seen, f"two rows for {key}"
        seen.add(key)
        assert since <= _day(r) <= until
        shared = _day(r) < data.FIRST_DAY + timedelta(days=data.SHARED_DAYS)
        # Days both exports hold come from the invoice-shaped view; the others from the users'.
        assert r["x_CostGrouping"] == (
            "line_item,project_id" if shared else "api_key_id,line_item,project_id,user_id"
        )
        assert bool(r["x_UserId"]) == bool(r["ResourceId"]) == (not shared)
        credit = Decimal(r["BilledCost"]) < 0 or r["SkuId"] == data.CREDIT_ITEM
        assert (r["ChargeCategory"] == "Credit") == credit
        assert r["BillingAccountId"] == org and r["BillingCurrency"] == "USD"
        assert r["BillingPeriodStart"][:7] == r["ChargePeriodStart"][:7]


def test_columns_quantities_and_list_prices(session_factory: Factory, tmp_path: Path) -> None:
    rows = [
        # 1,000,000 tokens of gpt-4o input at the list $2.50 / 1M: billed at list
        data.Entry(14, "proj_a", "key_a1", "user-ada", 0, 2_500_000, 1_000_000),
        # billed below list: a discount the data shows
        data.Entry(14, "proj_a", "key_a1", "user-ada", 1, 9_000_000, 1_000_000),
        # 12.5 seconds of whisper-1 at $0.0001 per second
        data.Entry(14, "proj_b", "key_b1", "user-bob", 5, 1_250, 125),
        # 2,000 × 1000 tokens of gpt-4o-mini input at $0.15 / 1M
        data.Entry(14, "proj_b", "key_b1", "user-bob", 3, 300_000, 2_000),
        # billed above the list price: the table is stale, so no list price is quoted
        data.Entry(14, "proj_c", "key_c1", "user-cy", 2, 999_000, 1_000),
        # batch input: not in the price table's kinds, never priced at the full rate
        data.Entry(14, "proj_c", "key_c1", "user-cy", 7, 75_000, 1_000_000),
        data.Entry(14, "proj_c", "key_c1", "user-cy", 8, -5_000_000, 0),  # a credit
    ]
    org = data.load(session_factory, tmp_path, rows)
    out = check_csv(_export(session_factory, FocusQuery(date(2024, 8, 8), date(2024, 8, 8), org)))
    by_item = {r["SkuId"]: r for r in out}
    assert len(out) == len(rows)
    at_list = by_item["gpt-4o-2024-08-06, input"]
    assert (at_list["BilledCost"], at_list["ListCost"], at_list["ListUnitPrice"]) == (
        "2.50",
        "2.50",
        "0.0000025",
    )
    assert (at_list["PricingQuantity"], at_list["PricingUnit"]) == ("1000000", "Tokens")
    assert (at_list["ConsumedQuantity"], at_list["x_Tokens"]) == ("1000000", "1000000")
    assert (at_list["x_Model"], at_list["x_TokenKind"]) == ("gpt-4o-2024-08-06", "input")
    discounted = by_item["gpt-4o-2024-08-06, output"]
    assert (discounted["BilledCost"], discounted["ListCost"]) == ("9.00", "10")
    assert discounted["EffectiveCost"] == discounted["ContractedCost"] == "9.00"
    seconds = by_item["whisper-1"]
    assert (seconds["PricingQuantity"], seconds["PricingUnit"], seconds["x_Tokens"]) == (
        "12.5",
        "Seconds",
        "",
    )
    thousands = by_item["gpt-4o-mini-2024-07-18, input"]
    assert (thousands["PricingUnit"], thousands["ListUnitPrice"], thousands["x_Tokens"]) == (
        "1000 Tokens",
        "0.00015",
        "2000000",
    )
    for stale in ("gpt-4.1-mini-2025-04-14, cached input", "gpt-4o-mini-2024-07-18, batch input"):
        assert by_item[stale]["ListUnitPrice"] == ""
        assert by_item[stale]["ListCost"] == by_item[stale]["BilledCost"]
    credit = by_item["Credit"]
    assert (credit["ChargeCategory"], credit["BilledCost"], credit["ChargeFrequency"]) == (
        "Credit",
        "-5.00",
        "One-Time",
    )
    first = out[0]
    assert (first["BillingPeriodStart"], first["BillingPeriodEnd"]) == (
        "2024-08-01T00:00:00Z",
        "2024-09-01T00:00:00Z",
    )
    assert (first["ChargePeriodStart"], first["ChargePeriodEnd"]) == (
        "2024-08-08T00:00:00Z",
        "2024-08-09T00:00:00Z",
    )
    assert {r["ProviderName"] for r in out} == {"OpenAI"}
    assert {r["ServiceCategory"] for r in out} == {"AI and Machine Learning"}
    assert {r["ServiceSubcategory"] for r in out} == {"Generative AI"}


def test_names_and_team_tags(session_factory: Factory, tmp_path: Path) -> None:
    rows = [
        data.Entry(15, "proj_a", "key_a1", "user-ada", 0, 1_000_000, 10),
        data.Entry(15, "proj_b", "key_b1", "user-bob", 0, 2_000_000, 10),
        data.Entry(15, "proj_c", "key_c1", "user-cy", 0, 3_000_000, 10),
        data.Entry(15, "proj_c", "key_c1", "user-ada", 1, 4_000_000, 10),
    ]
    org = data.load(session_factory, tmp_path, rows)
    with transaction(session_factory) as session:
        o = ensure_organization(session, org)
        o.name, o.openai_org_id = "Acme Inc", "org-acme"
        upsert_project_names(session, o.id, {"proj_a": "Search", "proj_c": "=HYPERLINK()"})
        session.add(ApiKey(organization_id=o.id, key_id="key_b1", name="ci key"))
        create_team(session, o, "Search team", "CC-100", actor="test")
        set_members(session, o, "Search team", projects=["proj_a"], actor="test")
        create_team(session, o, "Platform", actor="test")
        set_members(session, o, "Platform", keys=["key_b1"], users=["user-ada"], actor="test")
        create_team(session, o, "Another", actor="test")
        set_members(session, o, "Another", users=["user-ada"], actor="test")
    out = check_csv(_export(session_factory, FocusQuery(date(2024, 8, 9), date(2024, 8, 9), org)))
    rows_by = {(r["SubAccountId"], r["x_UserId"]): r for r in out}
    a = rows_by[("proj_a", "user-ada")]
    assert (a["BillingAccountId"], a["BillingAccountName"], a["SubAccountName"]) == (
        "org-acme",
        "Acme Inc",
        "Search",
    )
    assert a["Tags"] == '{"cost_centre": "CC-100", "team": "Search team"}'  # project first
    b = rows_by[("proj_b", "user-bob")]
    assert (b["ResourceName"], b["Tags"]) == ("ci key", '{"team": "Platform"}')  # by key
    c_ada = rows_by[("proj_c", "user-ada")]
    assert c_ada["Tags"] == '{"team": "Another"}'  # by user: the first such team by name
    assert c_ada["x_UserName"] == "ada@example.com"
    assert c_ada["SubAccountName"] == "'=HYPERLINK()"  # the CSV formula guard
    assert rows_by[("proj_c", "user-cy")]["Tags"] == ""


def test_user_allocation_splits_exactly_and_says_so(
    session_factory: Factory, tmp_path: Path
) -> None:
    rows = [
        data.Entry(d, p, data.KEYS[p][0], u, i, 1_000_000 + 7919 * d + 13 * i, 100 + d)
        for d in (3, 4, 13)
        for p in ("proj_a", "proj_b")
        for u in data.USERS[: 1 + d % 3]
        for i in (0, 1, 4)
    ]
    org = data.load(session_factory, tmp_path, rows, usage=True)
    since, until = date(2024, 7, 28), date(2024, 8, 7)
    plain = check_csv(_export(session_factory, FocusQuery(since, until, org)))
    split = check_csv(_export(session_factory, FocusQuery(since, until, org, True)))
    assert (
        sum(map(_nanos, split)) == sum(map(_nanos, plain)) == data.truth_nanos(rows, since, until)
    )
    whole: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in split:
        shared = _day(r) < data.FIRST_DAY + timedelta(days=data.SHARED_DAYS)
        if shared:  # billed without users: allocated, and labelled as such
            assert r["x_UserId"] and r["x_AllocationMethod"] == ALLOCATION_METHOD, r
        else:  # billed with users: billed data, not an allocation
            assert r["x_UserId"] and r["x_AllocationMethod"] == "", r
        whole[(r["ChargePeriodStart"], r["SubAccountId"], r["SkuId"])] += _nanos(r)
    for r in plain:
        if not r["x_UserId"]:
            assert whole[(r["ChargePeriodStart"], r["SubAccountId"], r["SkuId"])] == _nanos(r)
    # The users' totals are reconcile's allocation (a few nano-dollars of rounding apart).
    with session_factory() as session:
        shared_until = data.FIRST_DAY + timedelta(days=data.SHARED_DAYS - 1)
        recon = reconcile(session, ReportQuery(since, shared_until, org=org))
    per_user: dict[str, int] = defaultdict(int)
    for r in split:
        if r["x_AllocationMethod"]:
            per_user[r["x_UserId"]] += _nanos(r)
    expected = {a.key: a.allocated_nanos for a in recon.users}
    assert set(per_user) == set(expected)
    for user, nanos in per_user.items():
        assert abs(nanos - expected[user]) <= len(split)


def _nanos(row: dict[str, str]) -> int:
    return to_nanos(row["BilledCost"])


def test_streams_rows_in_chunks_of_days(session_factory: Factory, tmp_path: Path) -> None:
    rows = [data.Entry(d, "proj_a", "key_a1", "user-ada", 0, 10_000 + d, 10) for d in range(20)]
    org = data.load(session_factory, tmp_path, rows)
    with session_factory() as session:
        stream = focus_rows(session, FocusQuery(date(2024, 7, 1), date(2024, 8, 31), org))
        first = next(stream)
        assert first[5] == "2024-07-25T00:00:00Z"
        rest = list(stream)
    assert len(rest) == 19
    days = [r[5] for r in (first, *rest)]
    assert days == sorted(days)


def test_empty_range_has_the_header_only(session_factory: Factory) -> None:
    out = _export(session_factory, FocusQuery(date(2024, 1, 1), date(2024, 1, 31), "nobody"))
    assert check_csv(out) == []
    assert out.startswith(b"BillingAccountId,")
    assert (
        check_parquet(
            _export(session_factory, FocusQuery(date(2024, 1, 1), date(2024, 1, 2)), "parquet")
        )
        == []
    )


def test_until_before_since_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        FocusQuery(date(2024, 2, 1), date(2024, 1, 1))


def test_docs_map_every_column() -> None:
    from usage_tracker.services.reports.focus import NAMES

    text = (Path(__file__).resolve().parents[2] / "docs" / "focus.md").read_text()
    documented = {
        line.split("|")[1].strip().strip("`")
        for line in text.splitlines()
        if line.startswith("| `")
    }
    assert documented == set(NAMES)


def test_members_names_reach_user_rows(session_factory: Factory, tmp_path: Path) -> None:
    from usage_tracker.domain.records import Member

    rows = [data.Entry(16, "proj_a", "key_a1", "user-bob", 0, 1_000, 1)]
    org = data.load(session_factory, tmp_path, rows)
    with transaction(session_factory) as session:
        o = ensure_organization(session, org)
        upsert_members(
            session, o.id, [Member("user-bob", name="Bob Li", email="bob@example.com")], "test"
        )
    (row,) = check_csv(
        _export(session_factory, FocusQuery(date(2024, 8, 10), date(2024, 8, 10), org))
    )
    assert row["x_UserName"] == "Bob Li <bob@example.com>"


def test_the_benchmark_runs_at_a_tiny_scale(
    tmp_path: Path, db_url: str, session_factory: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    """benchmarks/focus_export.py at a tiny scale, so its code cannot rot: the exported CSV's
    BilledCost must be the generator's total to the nano-dollar (and the limits are met)."""
    from benchmarks import focus_export
    from benchmarks.generate import Params

    from usage_tracker.services.ledger.imports import import_file

    params = Params(days=3, projects=4, users=12, per_hour=6, seed=3)
    path, totals = focus_export.ensure_costs(tmp_path, params)
    assert import_file(session_factory, "bench", path).rows == totals.cost_rows
    assert focus_export.bench_export(db_url, params.days, totals.cost_nanos) is True
    assert "(= the bill)" in capsys.readouterr().out
    assert focus_export.bench_export(db_url, params.days, totals.cost_nanos + 1) is False
