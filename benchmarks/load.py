"""Load: concurrent clients against a served demo on loopback, reporting p50/p95/p99 and errors.

    python -m benchmarks.load [--clients 20] [--seconds 120] [--data-dir DIR] [--json]
    make bench BENCH_ARGS='--load'                  # the same, through benchmarks.run

It starts `usage-tracker serve` on 127.0.0.1 (a free port, the scheduler off) over a copy of
the demo database (loaded with `usage-tracker demo --seed 7` into `--data-dir` when it has
none), signs each client in as a benchmark admin, and has every client request, in a loop and
for `--seconds`, the pages and `/api/v1/summary` over the demo's full year. Latency is wall time
per request as the client sees it; an error is any answer other than 200, or no answer. The
server is stopped (by its PID) when the time is up, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

PAGES = ("/", "/users", "/projects", "/models", "/keys", "/data")
API = ("/api/v1/summary",)
PASSWORD = "benchmark-password-1"
DB_FILE = "usage-tracker.sqlite3"
CLI = (sys.executable, "-c", "from usage_tracker.cli.main import app; app()")


@dataclass
class Samples:
    pages: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            (self.api if kind == "api" else self.pages).append(seconds)
            if error:
                self.errors.append(error)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*CLI, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"usage-tracker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def prepare(data_dir: Path, scratch: Path) -> dict[str, str]:
    """The environment of a scratch copy of the demo database, with a benchmark admin."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("USAGE_TRACKER_", "OPENAI_"))}
    source_env = base | {"USAGE_TRACKER_DATA_DIR": str(data_dir)}
    if not (data_dir / DB_FILE).exists():
        print(f"loading the demo into {data_dir} (once)…", flush=True)
        _cli(source_env, "demo", "--seed", "7")
    shutil.copy(data_dir / DB_FILE, scratch / DB_FILE)
    env = base | {
        "USAGE_TRACKER_DATA_DIR": str(scratch),
        "USAGE_TRACKER_SYNC_INTERVAL_MINUTES": "0",
        "USAGE_TRACKER_BUDGET_CHECK_INTERVAL_MINUTES": "0",
    }
    _cli(env, "users", "create", "benchmark", "--role", "admin", "--password-stdin",
         stdin=PASSWORD + "\n")  # fmt: skip
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx2.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the server exited at start")
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("the server did not answer /healthz within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


def signed_in(base: str) -> httpx2.Client:
    client = httpx2.Client(base_url=base, timeout=60)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no sign-in form")
    form = {"name": "benchmark", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    if client.post("/login", data=form).status_code != 303:
        raise SystemExit("the benchmark account could not sign in")
    return client


def _range(client: httpx2.Client) -> str:
    runs = client.get("/api/v1/imports").json()["imports"]
    days = [d for r in runs for d in (r["first_day"], r["last_day"]) if d]
    since, until = (min(days), max(days)) if days else ("2000-01-01", "2999-12-31")
    return f"range=custom&since={since}&until={until}"


def client_loop(
    client: httpx2.Client, query: str, stop_at: float, samples: Samples, i: int
) -> None:
    urls = [(p, "page") for p in PAGES] + [(a, "api") for a in API] * 3
    n = i  # each client starts at another URL
    while time.monotonic() < stop_at:
        path, kind = urls[n % len(urls)]
        n += 1
        t0 = time.perf_counter()
        error = None
        try:
            status = client.get(f"{path}?{query}").status_code
            if status != 200:
                error = f"{path}: HTTP {status}"
        except httpx2.HTTPError as exc:
            error = f"{path}: {type(exc).__name__}"
        samples.add(kind, time.perf_counter() - t0, error)


def run(clients: int, seconds: float, data_dir: Path) -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix="load-"))
    proc = None
    try:
        env = prepare(data_dir, scratch)
        port = _free_port()
        proc = start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        sessions = [signed_in(base) for _ in range(clients)]
        query = _range(sessions[0])
        samples = Samples()
        began = time.monotonic()
        stop_at = began + seconds
        threads = [
            threading.Thread(target=client_loop, args=(c, query, stop_at, samples, i))
            for i, c in enumerate(sessions)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 120)
        elapsed = time.monotonic() - began
        for c in sessions:
            c.close()
        return _report(clients, elapsed, samples, query)
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(scratch, ignore_errors=True)


def _report(clients: int, elapsed: float, samples: Samples, query: str) -> dict[str, object]:
    def figures(values: list[float]) -> dict[str, float | int]:
        return {
            "requests": len(values),
            "p50_ms": round(1000 * percentile(values, 0.50), 1),
            "p95_ms": round(1000 * percentile(values, 0.95), 1),
            "p99_ms": round(1000 * percentile(values, 0.99), 1),
            "mean_ms": round(1000 * statistics.fmean(values), 1) if values else 0.0,
        }

    total = len(samples.pages) + len(samples.api)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "range": query,
        "requests_per_second": round(total / elapsed, 1) if elapsed else 0.0,
        "errors": len(samples.errors),
        "first_errors": samples.errors[:5],
        "pages": figures(samples.pages),
        "api_summary": figures(samples.api),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    default_dir = Path(tempfile.gettempdir()) / "usage-tracker-load-demo"
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients and --seconds must be positive")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    result = run(args.clients, args.seconds, args.data_dir)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['clients']} clients for {result['seconds']} s ({result['range']})")
    print(f"{'':<14} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name in ("pages", "api_summary"):
        f = result[name]
        assert isinstance(f, dict)
        print(f"{name:<14} {f['requests']:>9} {f['p50_ms']:>8} {f['p95_ms']:>8} {f['p99_ms']:>8}")
    print(f"{result['requests_per_second']} requests/s, {result['errors']} errors")
    for error in result["first_errors"]:  # type: ignore[attr-defined]
        print(f"  {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
