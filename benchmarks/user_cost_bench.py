"""The user-cost year in `make bench`: its import in every shape against the plain-SQLite
reference, then (on the page shape's database) the five reports as whole processes.

Target (issue 13): each shape imports at ≥ 0.8 × the reference's rows/s, measured in the same
run, with peak RSS ≤ 300 MB (the importing process and its reader), and the ledger's total cost
equal to the generator's to the nano-dollar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchmarks.generate import Totals

RATIO = 0.8
RSS_LIMIT = 300 * 2**20


def reference_rate(page_file: Path) -> float:
    from benchmarks.reference import measure

    rows, seconds = measure(page_file)
    rate = rows / seconds
    print(
        f"  plain SQLite executemany upsert (UNIQUE + covering index): {rows:,} rows in "
        f"{seconds:.2f} s = {rate:,.0f} rows/s; target for imports ≥ {RATIO * rate:,.0f} rows/s",
        flush=True,
    )
    return rate


def total_cost(url: str, days: int) -> int | None:
    from datetime import timedelta

    from benchmarks.generate import START
    from usage_tracker.db.engine import make_engine, make_session_factory
    from usage_tracker.domain.records import utc_day
    from usage_tracker.services.reports.totals import ReportQuery, summary

    engine = make_engine(url)
    first = utc_day(START)
    with make_session_factory(engine)() as session:
        s = summary(session, ReportQuery(first, first + timedelta(days=days - 1)))
    engine.dispose()
    return s.cost_nanos


def bench_shapes(
    fresh: Callable[[], tuple[str, Callable[[], None]]],
    paths: dict[str, Path],
    totals: Totals,
    days: int,
    reference: float,
) -> tuple[bool, str, Callable[[], None]]:
    """Import each shape into a new database; returns (all targets met, the page shape's
    database URL, and the function that drops it)."""
    from benchmarks.run import run_import

    ok = True
    kept: tuple[str, Callable[[], None]] | None = None
    for shape, path in paths.items():
        url, drop = fresh()
        fig = run_import(url, [path])
        got = total_cost(url, days)
        rate = fig.rows_per_second
        peak = max(fig.peak_rss, fig.tree_peak_rss)
        met = rate >= RATIO * reference and peak <= RSS_LIMIT and got == totals.cost_nanos
        ok &= met
        exact = "exact" if got == totals.cost_nanos else f"WRONG ({got} != {totals.cost_nanos})"
        print(
            f"  import user-cost year, {shape:<7}: {fig.rows:,} rows in {fig.seconds:.1f} s = "
            f"{rate:,.0f} rows/s ({rate / reference:.2f} × reference), peak RSS "
            f"{fig.peak_rss / 2**20:,.0f} MB (with reader {fig.tree_peak_rss / 2**20:,.0f} MB), "
            f"total {exact}"
            f" — {'met' if met else 'MISSED'}",
            flush=True,
        )
        if shape == "page":
            kept = (url, drop)
        else:
            drop()
    assert kept is not None
    return ok, kept[0], kept[1]
