"""The plain-SQLite reference rate the cost import is held to (issue 13: ≥ 0.8 × it).

    python -m benchmarks.reference FILE     # prints {"rows": N, "seconds": S} as JSON

The user-cost file's results, decoded into tuples first (parsing is not timed), are upserted
with one `executemany` into a table with a UNIQUE index over the row's identity and a covering
index for the per-day reads, in one transaction, on a new SQLite file with the pragmas the
tracker's engine sets (WAL, synchronous=NORMAL, foreign keys). Commit and checkpoint included.
It runs in a process of its own, as the import does, so neither warms the other's caches.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCHEMA = (
    "CREATE TABLE costs (id INTEGER PRIMARY KEY, day INTEGER NOT NULL, project_id TEXT,"
    " api_key_id TEXT, user_id TEXT, user_email TEXT, line_item TEXT, quantity TEXT,"
    " quantity_unit TEXT, amount_nanos INTEGER NOT NULL)",
    "CREATE UNIQUE INDEX uq_costs ON costs (day, project_id, api_key_id, user_id, line_item)",
    "CREATE INDEX ix_costs_day ON costs (day, project_id, user_id, line_item, amount_nanos)",
)
UPSERT = (
    "INSERT INTO costs (day, project_id, api_key_id, user_id, user_email, line_item, quantity,"
    " quantity_unit, amount_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (day, project_id, api_key_id, user_id, line_item) DO UPDATE SET"
    " amount_nanos = excluded.amount_nanos, quantity = excluded.quantity,"
    " user_email = excluded.user_email"
)
_NANO = Decimal(1_000_000_000)


def rows_of(path: Path) -> list[tuple[Any, ...]]:
    """The page file's results as the rows the reference writes (amounts in nano-dollars)."""
    with path.open("rb") as fh:
        page = json.load(fh, parse_float=Decimal)
    return [
        (
            bucket["start_time"],
            r.get("project_id"),
            r.get("api_key_id"),
            r.get("user_id"),
            r.get("user_email"),
            r.get("line_item"),
            str(r.get("quantity")),
            r.get("quantity_unit"),
            int(r["amount"]["value"] * _NANO),
        )
        for bucket in page["data"]
        for r in bucket["results"]
    ]


def upsert(rows: list[tuple[Any, ...]], db: Path) -> float:
    """Seconds to upsert `rows` into a new database at `db` (commit included)."""
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    for statement in SCHEMA:
        conn.execute(statement)
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(UPSERT, rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - t0
    conn.close()
    return seconds


def measure(path: Path) -> tuple[int, float]:
    """(rows, seconds) of the reference upsert of the file at `path`, in a child process."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.reference", str(path)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"reference upsert failed:\n{proc.stderr}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["rows"], data["seconds"]


def main(argv: list[str]) -> int:
    rows = rows_of(Path(argv[0]))
    gc.collect()
    gc.freeze()  # the decoded rows are long-lived: no collection walks them while it writes
    with tempfile.TemporaryDirectory(prefix="reference-") as tmp:
        seconds = upsert(rows, Path(tmp) / "reference.sqlite3")
    print(json.dumps({"rows": len(rows), "seconds": seconds}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
