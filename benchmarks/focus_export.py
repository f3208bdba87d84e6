"""The FOCUS export at scale: a year of the bench organization's billed cost, exported.

    python -m benchmarks.focus_export [--days N] [--projects N] [--seed N] [--postgres URL]
                                      [--no-sqlite] [--keep] [--data-dir DIR]

The organization's costs file comes from benchmarks/generate.py (daily buckets, project × line
item: ~365,000 cost results a year; written once, cached). It is imported into a fresh database
(`import_child`), then exported as CSV and as Parquet by `export_focus`, each in a child process
of its own so the peak RSS printed is the export's alone. The CSV is then read back: its
BilledCost must equal the generator's total to the nano-dollar. Limits: ≤ 15 s, ≤ 300 MB.

From `make bench` (`benchmarks/run.py`): `focus_export.bench_export(url, args.days,
files.totals.cost_nanos)` on the bench year's database, after its import.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.generate import START, Params, Totals, write_costs

REPO = Path(__file__).resolve().parents[1]
LIMIT_SECONDS = 15.0
LIMIT_RSS = 300 * 2**20


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=path)


def ensure_costs(directory: Path, p: Params) -> tuple[Path, Totals]:
    """The bench organization's costs file (the one `make bench` imports when it exists)."""
    directory.mkdir(parents=True, exist_ok=True)
    shared, shared_meta = directory / f"costs-{p.tag}.json", directory / f"meta-{p.tag}.json"
    if shared.is_file() and shared_meta.is_file():
        return shared, Totals(**json.loads(shared_meta.read_text()))
    path, meta = directory / f"focus-costs-{p.tag}.json", directory / f"focus-costs-{p.tag}.meta"
    if not (path.is_file() and meta.is_file()):
        print(f"generating {path.name} (cached for the next run)…", flush=True)
        totals = Totals()
        write_costs(path, p, totals)
        meta.write_text(json.dumps(asdict(totals)))
    return path, Totals(**json.loads(meta.read_text()))


def fresh_database(kind: str, base: str, work: Path) -> tuple[str, Callable[[], None]]:
    """A new, migrated database and a function that removes it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from usage_tracker.db.engine import make_engine
    from usage_tracker.db.migrate import upgrade

    if kind == "sqlite":
        path = work / f"focus-bench-{os.getpid()}.sqlite3"
        url = f"sqlite:///{path}"

        def drop() -> None:
            for p in work.glob(path.name + "*"):
                p.unlink()

        drop()
    else:
        name = f"usage_tracker_focus_{uuid.uuid4().hex[:8]}"
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


def _import(url: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_child", url, str(path)],
        capture_output=True, text=True, env=_env(), check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"import failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def child(url: str, since: str, until: str, fmt: str, out: str) -> int:
    """In the child process: export to `out`, print seconds, bytes and peak RSS as JSON."""
    from benchmarks.import_child import peak_rss_bytes
    from usage_tracker.db.engine import make_engine, make_session_factory
    from usage_tracker.services.reports.focus import FocusQuery, export_focus

    engine = make_engine(url)
    factory = make_session_factory(engine)
    q = FocusQuery(date.fromisoformat(since), date.fromisoformat(until))
    t0, cpu0 = time.perf_counter(), time.process_time()
    size = 0
    with factory() as session, open(out, "wb") as fh:
        for chunk in export_focus(session, q, fmt):
            fh.write(chunk)
            size += len(chunk)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    engine.dispose()
    figures = {"seconds": seconds, "cpu": cpu, "bytes": size, "peak_rss": peak_rss_bytes()}
    print(json.dumps(figures))
    return 0


def _export(url: str, since: date, until: date, fmt: str, out: Path) -> dict[str, Any]:
    args = ["--child", url, since.isoformat(), until.isoformat(), fmt, str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.focus_export", *args],
        capture_output=True, text=True, env=_env(), check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"export failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _csv_total(path: Path) -> tuple[int, int]:
    """(rows, BilledCost in nano-dollars) of a FOCUS CSV, read as exact decimals."""
    from usage_tracker.domain.money import to_nanos

    rows, total = 0, Decimal(0)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows += 1
            total += Decimal(row["BilledCost"])
    return rows, to_nanos(total)


def bench_export(url: str, days: int, expected_nanos: int | None = None) -> bool:
    """Export `days` from the bench start as CSV and Parquet; print the figures; True when
    within the limits (and, given `expected_nanos`, the CSV's BilledCost adds up to it)."""
    from usage_tracker.domain.records import utc_day

    since = utc_day(START)
    until = since + timedelta(days=days - 1)
    ok = True
    with tempfile.TemporaryDirectory(prefix="focus-bench-") as tmp:
        print(f"  FOCUS export of {since} – {until}:")
        for fmt in ("csv", "parquet"):
            out = Path(tmp) / f"focus.{fmt}"
            fig = _export(url, since, until, fmt, out)
            within = fig["seconds"] <= LIMIT_SECONDS and fig["peak_rss"] <= LIMIT_RSS
            ok &= within
            rss, size = fig["peak_rss"] / 2**20, fig["bytes"] / 2**20
            print(
                f"    {fmt:<8} {fig['seconds']:6.1f} s ({fig['cpu']:.1f} s CPU), "
                f"peak RSS {rss:5.0f} MB, {size:6.1f} MiB{'' if within else '  OVER THE LIMIT'}",
                flush=True,
            )
            if fmt == "csv":
                rows, total = _csv_total(out)
                match = expected_nanos is None or total == expected_nanos
                ok &= match
                print(
                    f"    {rows:,} rows; BilledCost {Decimal(total).scaleb(-9)} USD"
                    + ("" if expected_nanos is None else f" ({'=' if match else '!='} the bill)")
                )
    limits = f"≤ {LIMIT_SECONDS:.0f} s and ≤ {LIMIT_RSS // 2**20} MB"
    print(f"  limits {limits}: {'met' if ok else 'NOT MET'}")
    return ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    d = Params()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.focus_export", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--days", type=int, default=d.days)
    parser.add_argument("--projects", type=int, default=d.projects)
    parser.add_argument("--users", type=int, default=d.users)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--postgres", metavar="URL", help="also run against this PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--data-dir", type=Path, default=REPO / "bench-data")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(*argv[1:6])
    args = parse_args(argv)
    params = Params(args.days, args.projects, args.users, args.seed)
    path, totals = ensure_costs(args.data_dir, params)
    print(f"data: {totals.cost_rows:,} daily cost results over {args.days} days ({path.name})")
    backends = [] if args.no_sqlite else [("sqlite", "")]
    if args.postgres:
        backends.append(("postgresql", args.postgres))
    ok = True
    for kind, base in backends:
        url, drop = fresh_database(kind, base, args.data_dir)
        try:
            print(f"\n== {kind} ==", flush=True)
            fig = _import(url, path)["files"][0]
            print(f"  import: {fig['rows']:,} rows in {fig['seconds']:.1f} s")
            ok &= bench_export(url, args.days, totals.cost_nanos)
        finally:
            if not args.keep:
                drop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
