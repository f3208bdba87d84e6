"""Server time of the dashboard pages and their JSON twins over an organization's whole range.

    USAGE_TRACKER_DATA_DIR=/tmp/webperf usage-tracker demo --seed 7
    USAGE_TRACKER_DATA_DIR=/tmp/webperf python -m benchmarks.web_pages [--runs 20] [--warmup 2]
    python -m benchmarks.web_pages --database-url URL --org bench

Without `--database-url` the data directory's SQLite database is copied to a scratch directory
and brought to the newest schema there, so neither the migration nor the benchmark account it
signs in with lands in the real one (a given URL is used as it is: `make bench` passes its own
bench databases). Each page is requested in-process through FastAPI's TestClient, signed in,
with the range covering every day the organization has data. *first* is the page's first request
with the answers the process keeps (per ledger version) forgotten, as after an import or a sync;
p50/p95 are over `--runs` requests after `--warmup` discarded ones (the first among them), which
read the kept answers (a page whose first request took over ten times the target is given that
one time).
Target (issue 13): p95 ≤ 250 ms for every page and twin.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

PAGES = (
    "/",
    "/users",
    "/projects",
    "/models",
    "/keys",
    "/api/v1/summary",
    "/api/v1/overview",
    "/api/v1/users",
    "/api/v1/projects",
    "/api/v1/models",
    "/api/v1/keys",
)
PASSWORD = "benchmark-password-1"
LIMIT_MS = 250.0


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def time_pages(
    url: str, org: str, runs: int, warmup: int = 2, pages: tuple[str, ...] = PAGES
) -> dict[str, tuple[float, float, float]]:
    """p50 and p95 (ms) of each page over the organization's whole range, on database `url`."""
    from fastapi.testclient import TestClient

    from usage_tracker.db.engine import make_engine, make_session_factory, transaction
    from usage_tracker.db.migrate import upgrade
    from usage_tracker.services.accounts.accounts import create_account, get_account
    from usage_tracker.services.reports.coverage import data_bounds
    from usage_tracker.settings import Settings
    from usage_tracker.web import create_app

    engine = make_engine(url)
    upgrade(engine)  # as `usage-tracker serve` does
    with transaction(make_session_factory(engine)) as session:
        if get_account(session, "benchmark") is None:
            create_account(session, "benchmark", PASSWORD, "admin")
        bounds = data_bounds(session, org)
    engine.dispose()
    if bounds is None:
        raise SystemExit(f"organization {org!r} has no data")
    since, until = bounds
    query = f"?range=custom&since={since}&until={until}&org={org}"
    app = create_app(Settings(database_url=url))
    from usage_tracker.services.reports import memo

    out: dict[str, tuple[float, float, float]] = {}
    with TestClient(app) as client:
        _sign_in(client)
        for page in pages:
            address = page + query
            memo.clear()  # the first request computes everything, as after an import or a sync
            t0 = time.perf_counter()
            _get(client, address)
            first = slowest = (time.perf_counter() - t0) * 1000
            for _ in range(warmup - 1):
                t0 = time.perf_counter()
                _get(client, address)
                slowest = max(slowest, (time.perf_counter() - t0) * 1000)
                if slowest > 10 * LIMIT_MS:
                    break
            # A page ten times over the limit is clearly over it: its one request says by how much
            # (at the full year such a page takes tens of seconds a request).
            samples = [slowest] if slowest > 10 * LIMIT_MS else []
            for _ in range(runs if not samples else 0):
                t0 = time.perf_counter()
                _get(client, address)
                samples.append((time.perf_counter() - t0) * 1000)
            out[page] = (statistics.median(samples), percentile(samples, 0.95), first)
    app.state.engine.dispose()
    return out


def print_pages(figures: dict[str, tuple[float, float, float]], indent: str = "  ") -> bool:
    """Print the table; True when every p95 is within the limit. `first` is the request that
    computed the answers (after an import or a sync); p50 and p95 are of the requests after it,
    which read the answers the process keeps until the ledger changes."""
    print(
        f"{indent}{'page':<20} {'first':>8} {'p50':>8} {'p95':>8}  (target p95 ≤ {LIMIT_MS:.0f} ms)"
    )
    ok = True
    for page, (p50, p95, first) in figures.items():
        met = p95 <= LIMIT_MS
        ok &= met
        verdict = "met" if met else "MISSED"
        print(
            f"{indent}{page:<20} {first:5.0f} ms {p50:5.0f} ms {p95:5.0f} ms  {verdict}", flush=True
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="demo")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--database-url", help="time this database (used as it is)")
    parser.add_argument("--page", action="append", help="page path (repeatable); default: all")
    args = parser.parse_args(argv)
    pages = tuple(args.page or PAGES)
    if args.database_url:
        figures = time_pages(args.database_url, args.org, args.runs, args.warmup, pages)
        return 0 if print_pages(figures) else 1
    from usage_tracker.settings import Settings

    source = Settings().data_dir / "usage-tracker.sqlite3"
    if not source.exists():
        raise SystemExit(f"no database at {source}; run `usage-tracker demo --seed 7`")
    scratch = Path(tempfile.mkdtemp(prefix="web-pages-"))
    try:
        shutil.copy(source, scratch / source.name)
        url = f"sqlite:///{scratch / source.name}"
        figures = time_pages(url, args.org, args.runs, args.warmup, pages)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if print_pages(figures) else 1


def _get(client: Any, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code}")


def _sign_in(client: Any) -> None:
    import re

    page = client.get("/login").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise SystemExit("no CSRF token on /login")
    form = {"name": "benchmark", "password": PASSWORD, "csrf_token": match.group(1), "next": "/"}
    response = client.post("/login", data=form, follow_redirects=False)
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: {response.status_code}")


if __name__ == "__main__":
    raise SystemExit(main())
