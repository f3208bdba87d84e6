"""File import on every backend: kinds, idempotency, late data, all-or-nothing, no double count."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import (
    DAY,
    bucket,
    completion,
    cost,
    page,
    sample_sum,
    sample_total_nanos,
    table_counts,
    write_json,
)
from usage_tracker.domain.money import usd_string
from usage_tracker.services.ledger.imports import ImportFailed, import_file, import_history
from usage_tracker.services.reports.totals import ReportQuery, breakdown, summary

Factory = sessionmaker[Session]
JULY = ReportQuery(date(2024, 7, 1), date(2024, 7, 31))


def _summary(factory: Factory, q: ReportQuery = JULY) -> dict[str, object]:
    with factory() as session:
        return summary(session, q).to_json()


def test_samples_import_with_detected_kinds(session_factory: Factory, samples_dir: Path) -> None:
    expected = {
        "costs_by_project_line_item_key.json": ("costs", "api_key_id,line_item,project_id"),
        "costs_grouped_by_user.json": ("costs", "api_key_id,line_item,project_id,user_id"),
        "costs_grouped_by_user_legacy_shape.json": (
            "costs",
            "api_key_id,line_item,project_id,user_id",
        ),
        "usage_completions_1d.json": (
            "usage:completions",
            "api_key_id,batch,model,project_id,service_tier,user_id",
        ),
    }
    for name, (kind, grouping) in expected.items():
        result = import_file(session_factory, "acme", samples_dir / name)
        assert (result.outcome, result.kind, result.grouping, result.width) == (
            "imported",
            kind,
            grouping,
            "1d",
        )
        assert result.first_day == date(2024, 7, 1)
    with session_factory() as session:
        assert import_history(session, "acme")[0].file_name == "usage_completions_1d.json"


def test_user_and_project_exports_of_the_same_days_are_counted_once(
    session_factory: Factory, samples_dir: Path
) -> None:
    by_project = samples_dir / "costs_by_project_line_item_key.json"
    by_user = samples_dir / "costs_grouped_by_user.json"
    import_file(session_factory, "acme", by_project)
    alone = _summary(session_factory)["cost_usd"]
    import_file(session_factory, "acme", by_user)
    both = _summary(session_factory)["cost_usd"]
    assert alone == both == usd_string(sample_total_nanos(by_project))
    assert sample_total_nanos(by_user) == sample_total_nanos(by_project)
    with session_factory() as session:
        users = breakdown(session, JULY, "user")
        projects = breakdown(session, JULY, "project")
    assert sum(r.cost_nanos or 0 for r in users) == sample_total_nanos(by_user)
    assert sum(r.cost_nanos or 0 for r in projects) == sample_total_nanos(by_project)


def test_legacy_shape_reads_the_same_money(session_factory: Factory, samples_dir: Path) -> None:
    import_file(session_factory, "new", samples_dir / "costs_grouped_by_user.json")
    import_file(session_factory, "old", samples_dir / "costs_grouped_by_user_legacy_shape.json")
    new = _summary(session_factory, ReportQuery(JULY.since, JULY.until, org="new"))
    old = _summary(session_factory, ReportQuery(JULY.since, JULY.until, org="old"))
    assert new["cost_usd"] == old["cost_usd"]


def test_requests_are_num_model_requests_not_rows(
    session_factory: Factory, samples_dir: Path
) -> None:
    path = samples_dir / "usage_completions_1d.json"
    import_file(session_factory, "acme", path)
    result = _summary(session_factory)
    assert result["requests"] == sample_sum(path, "num_model_requests")
    assert result["input_tokens"] == sample_sum(path, "input_tokens")
    assert result["output_tokens"] == sample_sum(path, "output_tokens")


def test_reimport_is_a_no_op_and_says_so(session_factory: Factory, samples_dir: Path) -> None:
    path = samples_dir / "costs_by_project_line_item_key.json"
    first = import_file(session_factory, "acme", path)
    before = table_counts(session_factory)
    again = import_file(session_factory, "acme", path)
    assert again.outcome == "duplicate"
    assert f"import #{first.import_id}" in again.message and "nothing changed" in again.message
    assert table_counts(session_factory) == before


def test_newer_copy_of_a_bucket_replaces_the_older(
    session_factory: Factory, tmp_path: Path
) -> None:
    old = write_json(
        tmp_path / "old.json",
        page([bucket(0, [cost("1.00"), cost("2.00", "proj_b")]), bucket(1, [cost("5.00")])]),
    )
    late = write_json(
        tmp_path / "late.json", page([bucket(1, [cost("7.25"), cost("0.75", "proj_b")])])
    )
    import_file(session_factory, "acme", old)
    assert _summary(session_factory)["cost_usd"] == "8.00"
    result = import_file(session_factory, "acme", late)
    assert "1 replaced older copies" in result.message
    assert _summary(session_factory)["cost_usd"] == "11.00"
    with session_factory() as session:
        days = {r.key: r.cost_nanos for r in breakdown(session, JULY, "day")}
    assert days == {"2024-07-01": 3_000_000_000, "2024-07-02": 8_000_000_000}


def test_an_empty_late_bucket_clears_the_day(session_factory: Factory, tmp_path: Path) -> None:
    import_file(
        session_factory,
        "acme",
        write_json(tmp_path / "a.json", page([bucket(0, [cost("1")]), bucket(1, [cost("2")])])),
    )
    import_file(
        session_factory,
        "acme",
        write_json(tmp_path / "b.json", page([bucket(0, [cost("1")]), bucket(1, [])])),
    )
    assert _summary(session_factory)["cost_usd"] == "1.00"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (
            '{"object": "page", "data": [{"start_time": 1719792000, "end_time": 1719878400, "results": [',
            "byte",
        ),
        ('{"object": "page", "data": [{"start_time": "July", "results": []}]}', "bucket 0"),
        ("not json, not csv\n", "line 1"),
        ("", "start of file"),
    ],
)
def test_malformed_file_changes_nothing(
    session_factory: Factory, samples_dir: Path, tmp_path: Path, content: str, where: str
) -> None:
    import_file(session_factory, "acme", samples_dir / "costs_by_project_line_item_key.json")
    before = table_counts(session_factory)
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(ImportFailed) as info:
        import_file(session_factory, "acme", bad)
    assert str(info.value).startswith("bad.json: ")
    assert where in str(info.value)
    assert table_counts(session_factory) == before


def test_a_bad_result_deep_in_a_file_leaves_no_partial_data(
    session_factory: Factory, tmp_path: Path
) -> None:
    good = [bucket(d, [cost("1.50")]) for d in range(20)]
    good.append(
        bucket(
            20, [cost("1.00"), {"object": "organization.costs.result", "amount": {"value": "oops"}}]
        )
    )
    before = table_counts(session_factory)
    with pytest.raises(ImportFailed, match=r"bucket 20 \(start_time \d+\), result 1"):
        import_file(session_factory, "acme", write_json(tmp_path / "deep.json", page(good)))
    assert table_counts(session_factory) == before


def test_hourly_and_daily_usage_of_the_same_day_do_not_add(
    session_factory: Factory, tmp_path: Path
) -> None:
    hourly = page(
        [bucket(0, [completion(10)], width=3600)]
        + [
            {
                "object": "bucket",
                "start_time": 1_719_792_000 + h * 3600,
                "end_time": 1_719_792_000 + (h + 1) * 3600,
                "results": [completion(10)],
            }
            for h in range(1, 24)
        ]
    )
    daily = page([bucket(0, [completion(240)])])
    import_file(session_factory, "acme", write_json(tmp_path / "hourly.json", hourly))
    assert _summary(session_factory)["requests"] == 240
    import_file(session_factory, "acme", write_json(tmp_path / "daily.json", daily))
    assert _summary(session_factory)["requests"] == 240


def test_mixed_bucket_widths_in_one_file_are_rejected(
    session_factory: Factory, tmp_path: Path
) -> None:
    doc = page([bucket(0, [completion(1)]), bucket(1, [completion(1)], width=3600)])
    with pytest.raises(ImportFailed, match="1d buckets like the rest of the file"):
        import_file(session_factory, "acme", write_json(tmp_path / "mixed.json", doc))


def test_dashboard_csv_costs_and_project_names(session_factory: Factory, tmp_path: Path) -> None:
    csv_file = tmp_path / "costs.csv"
    csv_file.write_text(
        "start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,project_id,project_name\n"
        '1719792000,1719878400,2024-07-01T00:00:00+00:00,2024-07-02T00:00:00+00:00,1.25,usd,"gpt-4o, input",proj_a,Support Bot\n'
        '1719792000,1719878400,2024-07-01T00:00:00+00:00,2024-07-02T00:00:00+00:00,0.75,usd,"gpt-4o, output",proj_a,Support Bot\n'
        "1719878400,1719964800,2024-07-02T00:00:00+00:00,2024-07-03T00:00:00+00:00,3.10,usd,dall-e-3,proj_b,Images\n"
    )
    result = import_file(session_factory, "acme", csv_file)
    assert (result.kind, result.grouping, result.rows) == ("costs", "line_item,project_id", 3)
    with session_factory() as session:
        rows = breakdown(session, JULY, "project")
        models = {r.key: r.cost_nanos for r in breakdown(session, JULY, "model")}
    assert [(r.key, r.label, usd_string(r.cost_nanos)) for r in rows] == [
        ("proj_b", "Images", "3.10"),
        ("proj_a", "Support Bot", "2.00"),
    ]
    assert models == {"dall-e-3": 3_100_000_000, "gpt-4o": 2_000_000_000}


def test_csv_with_a_bad_line_names_it(session_factory: Factory, tmp_path: Path) -> None:
    csv_file = tmp_path / "costs.csv"
    csv_file.write_text("date,amount,line_item\n2024-07-01,1.00,x\n2024-07-02,lots,x\n")
    with pytest.raises(ImportFailed, match=r"costs\.csv: line 3"):
        import_file(session_factory, "acme", csv_file)


def test_user_info_file_gives_names_to_ids(
    session_factory: Factory, samples_dir: Path, tmp_path: Path
) -> None:
    import_file(session_factory, "acme", samples_dir / "usage_completions_1d.json")
    with session_factory() as session:
        top = breakdown(session, JULY, "user", top=1)[0]
    users = write_json(
        tmp_path / "users.json", {top.key: {"name": "Ada Lovelace", "email": "ada@example.com"}}
    )
    result = import_file(session_factory, "acme", users)
    assert result.kind == "users" and result.rows == 1
    with session_factory() as session:
        assert breakdown(session, JULY, "user", top=1)[0].label == "Ada Lovelace <ada@example.com>"


def test_bare_results_with_row_start_times(session_factory: Factory, tmp_path: Path) -> None:
    rows = [
        {**cost("1.00"), "start_time": 1_719_792_000 + DAY},
        {**cost("2.00"), "start_time": 1_719_792_000},
        {**cost("3.00", "proj_b"), "start_time": 1_719_792_000 + DAY},
    ]
    result = import_file(session_factory, "acme", write_json(tmp_path / "rows.json", rows))
    assert (result.buckets, result.rows) == (2, 3)
    assert _summary(session_factory)["cost_usd"] == "6.00"


def test_bare_usage_results_with_row_start_times(session_factory: Factory, tmp_path: Path) -> None:
    usage = {"object": "organization.usage.completions.result", "num_model_requests": 1}
    rows = [
        {**usage, "input_tokens": 5, "model": "gpt-4o", "start_time": 1_719_792_000 + DAY},
        {**usage, "input_tokens": 7, "model": "gpt-4o", "start_time": 1_719_792_000},
    ]  # a traceback once: the reader's rows had no bucket of rows to go to
    result = import_file(session_factory, "acme", write_json(tmp_path / "rows.json", rows))
    assert (result.buckets, result.rows) == (2, 2)
    assert _summary(session_factory)["input_tokens"] == 12


def test_array_of_pages(session_factory: Factory, tmp_path: Path) -> None:
    pages = [page([bucket(0, [cost("1.00")])]), page([bucket(1, [cost("2.00")])])]
    result = import_file(session_factory, "acme", write_json(tmp_path / "pages.json", pages))
    assert (result.buckets, result.rows) == (2, 2)
