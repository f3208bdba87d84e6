"""`make bench`: generate (once) two large synthetic organizations, import them, time it all.

    python -m benchmarks.run [--days N] [--projects N] [--users N] [--runs N] [--postgres URL]
    python -m benchmarks.run --load [--clients N] [--seconds S]    # benchmarks.load instead

The datasets (cached in --data-dir): the bench year (hourly usage + daily project × line item
costs) and the user-cost year (a year of the dashboard's cost export grouped by user, as a JSON
page, a JSON array of buckets and CSV; `user_costs.py`). Imports run through `import_file` (the
real service path) in a child process, so the peak RSS printed is the import's own; the user-cost
imports are held to a plain-SQLite upsert of the same rows measured in the same run
(`reference.py`). Then: the report queries in the service layer, the dashboard pages and their
JSON twins over both databases (`web_pages.py`), whole `usage-tracker` processes
(`cli_times.py`) and the FOCUS export (`focus_export.py`). Each target is printed met or MISSED,
and listed again at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks import cli_times, focus_export, user_cost_bench, user_costs, web_pages
from benchmarks.generate import START, BenchFiles, Params, Totals, ensure_files

REPO = Path(__file__).resolve().parents[1]
QUERIES: tuple[tuple[str, str | None, int | None], ...] = (
    ("summary", None, None),
    ("breakdown(by='day')", "day", None),
    ("breakdown(by='user', top=20)", "user", 20),
    ("breakdown(by='project')", "project", None),
    ("breakdown(by='model')", "model", None),
)


@dataclass
class ImportFigures:
    rows: int
    seconds: float
    peak_rss: int
    tree_peak_rss: int
    files: list[dict[str, Any]]
    allocation_days: int = 0  # days × dimensions the refresh after the import stored
    allocation_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def run_import(url: str, paths: list[Path]) -> ImportFigures:
    """Import `paths` in a child process; wall time is measured there, around `import_file`."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_child", url, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"import failed:\n{proc.stderr}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    files = data["files"]
    return ImportFigures(
        rows=sum(f["rows"] for f in files),
        seconds=sum(f["seconds"] for f in files),
        peak_rss=data["peak_rss"],
        tree_peak_rss=data.get("tree_peak_rss", 0),
        files=files,
        allocation_days=data.get("allocation_days", 0),
        allocation_seconds=data.get("allocation_seconds", 0.0),
    )


def time_queries(url: str, days: int, runs: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 in milliseconds of each report query over the whole range, computed: the
    answers a process keeps per ledger version (`services/reports/memo.py`) are forgotten
    before every run, so this times the queries, not a look-up."""
    from usage_tracker.db.engine import make_engine, make_session_factory
    from usage_tracker.domain.records import utc_day
    from usage_tracker.services.reports import memo
    from usage_tracker.services.reports.totals import ReportQuery, breakdown, summary

    engine = make_engine(url)
    factory = make_session_factory(engine)
    first = utc_day(START)
    q = ReportQuery(first, first + timedelta(days=days - 1))

    def query(by: str | None, top: int | None) -> Callable[[Any], object]:
        if by is None:
            return lambda s: summary(s, q)
        return lambda s: breakdown(s, q, by, top=top)

    calls = {name: query(by, top) for name, by, top in QUERIES}
    out: dict[str, tuple[float, float]] = {}
    for name, call in calls.items():
        with factory() as session:
            call(session)  # warm the caches once, as a running server would be
        samples = []
        for _ in range(runs):
            memo.clear()
            with factory() as session:
                t0 = time.perf_counter()
                call(session)
                samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
        out[name] = (statistics.median(samples), p95)
    engine.dispose()
    return out


def verify(url: str, files: BenchFiles, days: int) -> list[str]:
    """Check the ledger reproduces the generator's totals exactly; returns problems."""
    from usage_tracker.db.engine import make_engine, make_session_factory
    from usage_tracker.domain.records import utc_day
    from usage_tracker.services.reports.totals import ReportQuery, summary

    engine = make_engine(url)
    first = utc_day(START)
    with make_session_factory(engine)() as session:
        s = summary(session, ReportQuery(first, first + timedelta(days=days - 1)))
    engine.dispose()
    t = files.totals
    problems = []
    for label, got, want in (
        ("cost nanos", s.cost_nanos, t.cost_nanos),
        ("requests", s.requests, t.requests),
        ("input tokens", s.input_tokens, t.input_tokens),
        ("output tokens", s.output_tokens, t.output_tokens),
    ):
        if got != want:
            problems.append(f"{label}: ledger {got} != generated {want}")
    return problems


def fresh_database(kind: str, base: str, work: Path) -> tuple[str, Callable[[], None]]:
    """A new, migrated database and a function that removes it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from usage_tracker.db.engine import make_engine
    from usage_tracker.db.migrate import upgrade

    if kind == "sqlite":
        path = work / f"bench-{os.getpid()}-{uuid.uuid4().hex[:6]}.sqlite3"
        for p in work.glob(path.name + "*"):
            p.unlink()
        url = f"sqlite:///{path}"

        def drop() -> None:
            for p in work.glob(path.name + "*"):
                p.unlink()

    else:
        name = f"usage_tracker_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, drop


@dataclass
class Datasets:
    files: BenchFiles
    user_costs: dict[str, Path]
    user_totals: Totals
    reference: float = 0.0  # plain-SQLite rows/s, measured once per run


def bench_backend(kind: str, base: str, data: Datasets, args: argparse.Namespace) -> list[str]:
    """Everything on one backend; returns the targets missed."""
    files = data.files
    url, drop = fresh_database(kind, base, args.data_dir)
    missed: list[str] = []
    try:
        print(f"\n== {kind}: the bench year ==", flush=True)
        fig = run_import(url, [files.usage, files.costs])
        for f in fig.files:
            rate = f["rows"] / f["seconds"] if f["seconds"] else 0
            cpu = f"; CPU {f.get('cpu', 0):.1f} s importing, {f.get('reader_cpu', 0):.1f} s reader"
            print(
                f"  {f['file']}: {f['rows']:,} rows in {f['seconds']:.1f} s "
                f"({rate:,.0f} rows/s{cpu})"
            )
        print(
            f"  import: {fig.rows:,} rows in {fig.seconds:.1f} s = "
            f"{fig.rows_per_second:,.0f} rows/s, peak RSS {fig.peak_rss / 2**20:,.0f} MB "
            f"(with its reader process: {fig.tree_peak_rss / 2**20:,.0f} MB)",
            flush=True,
        )
        print(
            f"  then the user and key allocation stored: {fig.allocation_days:,} days × "
            f"dimensions in {fig.allocation_seconds:.1f} s",
            flush=True,
        )
        again = run_import(url, [files.usage])
        outcome = again.files[0]["outcome"]
        print(f"  re-import of the usage file: {outcome} in {again.seconds:.1f} s")
        problems = verify(url, files, args.days)
        for p in problems:
            print(f"  WRONG: {p}")
        if problems or outcome != "duplicate":
            missed.append(f"{kind}: bench year totals / re-import")
        print(f"  totals match the generator: {'yes' if not problems else 'NO'}")
        print(f"  report queries over {args.days} days, {args.runs} runs each (ms):")
        print(f"    {'query':<32} {'p50':>8} {'p95':>8}")
        for name, (p50, p95) in time_queries(url, args.days, args.runs).items():
            print(f"    {name:<32} {p50:8.1f} {p95:8.1f}", flush=True)
        if not args.no_pages:
            print(f"  pages over the bench year, {args.page_runs} requests each:")
            pages = web_pages.time_pages(url, "bench", args.page_runs)
            if not web_pages.print_pages(pages, "    "):
                missed.append(f"{kind}: pages over the bench year")
        if not focus_export.bench_export(url, args.days, files.totals.cost_nanos):
            missed.append(f"{kind}: FOCUS export")
    finally:
        if not args.keep:
            drop()
    missed += bench_user_cost_year(kind, base, data, args)
    return missed


def bench_user_cost_year(
    kind: str, base: str, data: Datasets, args: argparse.Namespace
) -> list[str]:
    print(f"\n== {kind}: the user-cost year ==", flush=True)
    missed: list[str] = []
    ok, url, drop = user_cost_bench.bench_shapes(
        lambda: fresh_database(kind, base, args.data_dir),
        data.user_costs,
        data.user_totals,
        args.days,
        data.reference,
    )
    if not ok:
        missed.append(f"{kind}: user-cost imports (≥ {user_cost_bench.RATIO} × reference)")
    try:
        if not cli_times.bench_reports(url, args.cli_runs, "the user-cost year"):
            missed.append(f"{kind}: the five reports ≤ {cli_times.REPORT_LIMIT_MS:.0f} ms")
        if not args.no_pages:
            print(f"  pages over the user-cost year, {args.page_runs} requests each:")
            pages = web_pages.time_pages(url, "bench", args.page_runs)
            if not web_pages.print_pages(pages, "    "):
                missed.append(f"{kind}: pages over the user-cost year")
    finally:
        if not args.keep:
            drop()
    return missed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    d = Params()
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=d.days)
    parser.add_argument("--projects", type=int, default=d.projects)
    parser.add_argument("--users", type=int, default=d.users)
    parser.add_argument("--per-hour", type=int, default=d.per_hour, help="results per hour")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query (≥ 20)")
    parser.add_argument("--page-runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--cli-runs", type=int, default=5, help="timed processes per command")
    parser.add_argument("--no-pages", action="store_true", help="skip the page timings")
    parser.add_argument("--postgres", metavar="URL", help="also run against this PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--data-dir", type=Path, default=REPO / "bench-data")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--load" in argv:  # `make bench BENCH_ARGS='--load [--clients N] [--seconds S]'`
        from benchmarks import load

        return load.main([a for a in argv if a != "--load"])
    args = parse_args(argv)
    params = Params(args.days, args.projects, args.users, args.seed, args.per_hour)
    t0 = time.perf_counter()
    files = ensure_files(args.data_dir, params)
    paths, user_totals = user_costs.ensure(args.data_dir, params)
    size = (files.usage.stat().st_size + files.costs.stat().st_size) / 2**30
    print(
        f"data: {files.totals.usage_rows:,} hourly completions results in "
        f"{files.totals.usage_buckets:,} buckets + {files.totals.cost_rows:,} daily cost results "
        f"({size:.2f} GiB of JSON); the user-cost year: {user_totals.cost_rows:,} results "
        f"({paths['page'].stat().st_size / 2**20:,.0f} MiB as a JSON page); "
        f"ready in {time.perf_counter() - t0:.1f} s; load average {_load()}"
    )
    data = Datasets(files, paths, user_totals)
    print("\n== plain-SQLite reference ==")
    data.reference = user_cost_bench.reference_rate(paths["page"])
    print("\n== whole-process CLI ==")
    missed = [] if cli_times.bench_empty(args.cli_runs) else ["report summary on an empty database"]
    backends = [] if args.no_sqlite else [("sqlite", "")]
    if args.postgres:
        backends.append(("postgresql", args.postgres))
    for kind, base in backends:
        missed += bench_backend(kind, base, data, args)
    print(f"\n== targets (load average now {_load()}) ==")
    for line in missed:
        print(f"  MISSED: {line}")
    print("  every target met" if not missed else f"  {len(missed)} target(s) missed")
    return 0 if not missed else 1


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
