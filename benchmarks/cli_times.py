"""Whole-process times of the `usage-tracker` command: start-up included, as a user waits.

    python -m benchmarks.cli_times [--runs N] [--database-url URL]

Each command runs `--runs` times as its own process (the installed script beside this Python);
the figure is the median wall time, with the median CPU time (user + system) of the process,
which moves less with the load of other work on the machine. Targets (issue 13): `report
summary` on an empty, migrated database ≤ 150 ms; each of the five standard reports over the
user-cost year ≤ 250 ms.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EMPTY_LIMIT_MS = 150.0
REPORT_LIMIT_MS = 250.0
REPORTS = ("summary", "users", "projects", "models", "daily")


def script() -> str:
    return str(Path(sys.executable).with_name("usage-tracker"))


def time_command(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `usage-tracker ARGS` as a process of its own."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([script(), *args], env=env, capture_output=True, check=False)
        walls.append((time.perf_counter() - t0) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
        if proc.returncode != 0:
            raise SystemExit(f"usage-tracker {' '.join(args)}: {proc.stderr.decode()[-400:]}")
    return statistics.median(walls), statistics.median(cpus)


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_TRACKER_")}
    env["USAGE_TRACKER_DATABASE_URL"] = url
    return env


def bench_empty(runs: int) -> bool:
    """`report summary` (and `--help`, for comparison) on a new, migrated SQLite database."""
    with tempfile.TemporaryDirectory(prefix="cli-bench-") as tmp:
        env = _env(f"sqlite:///{Path(tmp) / 'empty.sqlite3'}")
        subprocess.run([script(), "db", "upgrade"], env=env, capture_output=True, check=True)
        help_wall, help_cpu = time_command(["--help"], env, runs)
        wall, cpu = time_command(["report", "summary"], env, runs)
    met = wall <= EMPTY_LIMIT_MS
    print(f"  usage-tracker --help: {help_wall:.0f} ms ({help_cpu:.0f} ms CPU)")
    print(
        f"  report summary, empty database: {wall:.0f} ms ({cpu:.0f} ms CPU) — target "
        f"≤ {EMPTY_LIMIT_MS:.0f} ms: {'met' if met else 'MISSED'}",
        flush=True,
    )
    return met


def bench_reports(url: str, runs: int, label: str) -> bool:
    """The five standard reports over the database at `url`, each a process of its own."""
    env = _env(url)
    ok = True
    print(f"  the five reports over {label}, whole process (target ≤ {REPORT_LIMIT_MS:.0f} ms):")
    for name in REPORTS:
        wall, cpu = time_command(["report", name, "--format", "json"], env, runs)
        met = wall <= REPORT_LIMIT_MS
        ok &= met
        verdict = "met" if met else "MISSED"
        print(f"    report {name:<9} {wall:6.0f} ms ({cpu:.0f} ms CPU) {verdict}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="also time the five reports over this database")
    args = parser.parse_args(argv)
    ok = bench_empty(args.runs)
    if args.database_url:
        ok &= bench_reports(args.database_url, args.runs, "the given database")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
