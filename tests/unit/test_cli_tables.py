"""CLI tables fit the terminal: money is never cut, other columns give way first; `--format`
means the same on every command that offers it."""

from __future__ import annotations

import io
from typing import Any

import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from usage_tracker.cli.main import app
from usage_tracker.cli.report_tables import breakdown_table
from usage_tracker.cli.tables import FitTable
from usage_tracker.domain.money import format_usd
from usage_tracker.services.reports.types import BreakdownRow, Metrics

_HEADERS = ("User", "Name", "Cost", "Share", "Requests", "Input tok", "Cached tok", "Output tok")


def _render(table: Any, width: int) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, legacy_windows=False).print(table)
    return out.getvalue().splitlines()


def _row(key: str, label: str, nanos: int, requests: int, tokens: int) -> BreakdownRow:
    return BreakdownRow(
        cost_nanos=nanos, requests=requests, input_tokens=tokens, cached_input_tokens=tokens // 3,
        output_tokens=tokens // 2, key=key, label=label,
    )  # fmt: skip


rows_strategy = st.lists(
    st.tuples(
        st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=40),
        st.text("abcdefghij <>@.", max_size=50),
        st.integers(0, 10**17),  # up to $100 million
        st.integers(0, 10**9),
        st.integers(0, 10**12),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy, width=st.integers(60, 200))
def test_money_is_never_cut_and_the_table_fits(rows: list[Any], width: int) -> None:
    shown = [_row(*r) for r in rows]
    total = Metrics(cost_nanos=sum(r.cost_nanos or 0 for r in shown))
    lines = _render(breakdown_table("Users", "user", shown, total, None), width)
    assert all(len(line) <= width for line in lines), width
    text = "\n".join(lines)
    for row in shown:
        assert format_usd(row.cost_nanos) in text  # whole, on one line
    assert format_usd(total.cost_nanos) in text
    assert "…" not in text


def test_at_80_columns_token_counts_go_first_and_ids_wrap() -> None:
    shown = [_row(f"user-{i:024d}", f"Person {i} <p{i}@example.com>", 123_456_789_012_345, 98_765,
                  1_234_567_890) for i in range(3)]  # fmt: skip
    total = Metrics(cost_nanos=10**18, requests=10**7, input_tokens=10**12)
    wide = "\n".join(_render(breakdown_table("Users", "user", shown, total, None), 200))
    narrow = "\n".join(_render(breakdown_table("Users", "user", shown, total, None), 80))
    assert all(h in wide for h in (*_HEADERS, "$/request"))
    for header in ("Cached tok", "Input tok", "Output tok"):
        assert header not in narrow
    assert "Cost" in narrow and "$/request" in narrow and "Share" in narrow
    assert format_usd(123_456_789_012_345) in narrow and format_usd(10**18) in narrow


def test_the_footer_totals_the_whole_and_shares_what_is_shown() -> None:
    every = [_row(f"u{i}", "", n, 1, 1) for i, n in enumerate((50, 30, 20))]
    for r in every:
        r.cost_nanos = (r.cost_nanos or 0) * 10**9
        r.share = r.cost_nanos / 100e9
    whole = Metrics(cost_nanos=100 * 10**9, requests=3)
    lines = _render(breakdown_table("Users", "user", every[:2], whole, None, of=3), 200)
    footer = next(line for line in lines if "Total" in line)
    assert "Total (3)" in footer and "$100.00" in footer and "80.0%" in footer
    assert any("2 of 3 rows shown" in line for line in lines)
    lines = _render(breakdown_table("Users", "user", every, whole, None), 200)
    footer = next(line for line in lines if "Total" in line)
    assert "Total (3)" not in footer and "100.0%" in footer


def test_a_fit_table_drops_in_its_order_and_keeps_the_rest() -> None:
    table = FitTable("t")
    table.add_column("Key")
    table.add_money_column("Amount")
    table.add_column("First to go", drop=1)
    table.add_column("Second", drop=2)
    table.add_row("k", "$1,234,567.89", "x" * 30, "y" * 30)
    lines = _render(table, 60)
    text = "\n".join(lines)
    assert "Second" in text and "First to go" not in text and "$1,234,567.89" in text


def _options_named(group: Any, name: str, path: str = "usage-tracker") -> list[tuple[str, Any]]:
    found = []
    for sub, command in group.commands.items():
        where = f"{path} {sub}"
        if hasattr(command, "commands"):
            found += _options_named(command, name, where)
        else:
            found += [(where, p) for p in command.params if name in p.opts and not p.hidden]
    return found


def test_format_means_table_json_csv_everywhere() -> None:
    """Every visible --format offers table, json and csv (with table the default); `report
    teams` adds xlsx; the template file style has its own name (--style). The `export` group
    writes files: its --format is the file's format (`export focus`: csv or parquet)."""
    root = typer.main.get_command(app)
    offered = _options_named(root, "--format")
    assert len(offered) > 30
    files = {"usage-tracker export focus": ["csv", "parquet"]}
    for where, option in offered:
        choices = [str(getattr(c, "value", c)) for c in option.type_descriptor.choices or ()]
        if where.startswith("usage-tracker export "):
            assert choices == files[where], where
            continue
        extra = ["xlsx"] if where == "usage-tracker report teams" else []
        assert choices == ["table", "json", "csv", *extra], where
        assert str(getattr(option.default, "value", option.default)) == "table", where
        assert "-f" in option.opts, where
