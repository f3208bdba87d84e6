"""Server time of the dashboard pages over the demo organization's full year.

    USAGE_TRACKER_DATA_DIR=/tmp/webperf usage-tracker demo --seed 7
    USAGE_TRACKER_DATA_DIR=/tmp/webperf python -m benchmarks.web_pages [--runs 20] [--warmup 2]

The database in the data directory is copied to a scratch directory (SQLite) and brought to the
newest schema there, so neither the migration nor the benchmark account it signs in with lands
in the real one. Each page is requested in-process through
FastAPI's TestClient, signed in, with the range covering every day the organization has data;
p50/p95 are over `--runs` requests after `--warmup` discarded ones.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

PAGES = ("/", "/users", "/projects", "/models", "/keys", "/api/v1/summary", "/api/v1/overview")
PASSWORD = "benchmark-password-1"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="demo")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--page", action="append", help="page path (repeatable); default: all")
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from usage_tracker.db.engine import make_engine, make_session_factory, transaction
    from usage_tracker.db.migrate import upgrade
    from usage_tracker.services.accounts.accounts import create_account, get_account
    from usage_tracker.services.reports.coverage import data_bounds
    from usage_tracker.settings import Settings
    from usage_tracker.web import create_app

    settings = Settings()
    scratch = Path(tempfile.mkdtemp(prefix="web-pages-"))
    try:
        if not settings.database_url:
            source = settings.data_dir / "usage-tracker.sqlite3"
            if not source.exists():
                raise SystemExit(f"no database at {source}; run `usage-tracker demo --seed 7`")
            shutil.copy(source, scratch / source.name)
            settings = settings.model_copy(update={"data_dir": scratch})
        engine = make_engine(settings.effective_database_url)
        upgrade(engine)  # as `usage-tracker serve` does
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            if get_account(session, "benchmark") is None:
                create_account(session, "benchmark", PASSWORD, "admin")
            bounds = data_bounds(session, args.org)
        engine.dispose()
        if bounds is None:
            raise SystemExit(f"organization {args.org!r} has no data")
        since, until = bounds
        query = f"?range=custom&since={since}&until={until}&org={args.org}"
        app = create_app(settings)
        print(f"{args.org}: {since} to {until}; {args.runs} requests after {args.warmup} warm-ups")
        print(f"{'page':<20} {'p50':>8} {'p95':>8}")
        with TestClient(app) as client:
            _sign_in(client)
            for page in args.page or PAGES:
                url = page + (query if not page.startswith("/api/v1/summary") else _api(bounds))
                for _ in range(args.warmup):
                    _get(client, url)
                samples = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    _get(client, url)
                    samples.append((time.perf_counter() - t0) * 1000)
                p50, p95 = statistics.median(samples), percentile(samples, 0.95)
                print(f"{page:<20} {p50:>5.0f} ms {p95:>5.0f} ms")
        app.state.engine.dispose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _api(bounds: tuple[object, object]) -> str:
    return f"?since={bounds[0]}&until={bounds[1]}"


def _get(client: object, url: str) -> None:
    response = client.get(url)  # type: ignore[attr-defined]
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code}")


def _sign_in(client: object) -> None:
    import re

    page = client.get("/login").text  # type: ignore[attr-defined]
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise SystemExit("no CSRF token on /login")
    form = {"name": "benchmark", "password": PASSWORD, "csrf_token": match.group(1), "next": "/"}
    response = client.post("/login", data=form, follow_redirects=False)  # type: ignore[attr-defined]
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: {response.status_code}")


if __name__ == "__main__":
    raise SystemExit(main())
