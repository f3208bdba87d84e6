"""Import bench files in a process of its own, so its peak memory is the import's alone.

    python -m benchmarks.import_child DATABASE_URL FILE...

Prints one JSON object: per file its outcome, rows and wall seconds, the process's peak RSS, and
the peak of its RSS plus that of the reader process the import starts for large files (sampled).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any


def peak_rss_bytes() -> int:
    """VmHWM from /proc (Linux), else ru_maxrss (KiB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _tree_rss() -> int:
    """RSS of this process plus its child processes (the import's reader), in bytes."""
    me = os.getpid()
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if int(entry.name) == me or ppid == me:
                total += int(Path(entry.path, "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE")


class TreePeak(threading.Thread):
    """Samples `_tree_rss` every 50 ms; `peak` is the largest seen (0 where /proc is absent)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        if not Path("/proc/self/statm").exists():
            return
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, _tree_rss())


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main(argv: list[str]) -> int:
    from usage_tracker.db.engine import make_engine, make_session_factory
    from usage_tracker.services.ledger.imports import import_file

    url, *paths = argv
    engine = make_engine(url)
    factory = make_session_factory(engine)
    out: dict[str, Any] = {"files": []}
    sampler = TreePeak()
    sampler.start()
    for path in paths:
        t0 = time.perf_counter()
        cpu0 = _cpu()
        result = import_file(factory, "bench", Path(path))
        seconds = time.perf_counter() - t0
        cpu1 = _cpu()
        out["files"].append(
            {
                "file": Path(path).name,
                "outcome": result.outcome,
                "rows": result.rows,
                "buckets": result.buckets,
                "seconds": seconds,
                "cpu": cpu1[0] - cpu0[0],  # this process, user + system seconds
                "reader_cpu": cpu1[1] - cpu0[1],  # its finished reader processes
                "message": result.message,
            }
        )
    if any(f["outcome"] == "imported" for f in out["files"]):
        # What `usage-tracker import` does next: store the user and key allocation.
        from usage_tracker.services.reports.allocation_store import refresh_allocations

        t0 = time.perf_counter()
        out["allocation_days"] = refresh_allocations(factory, "bench")
        out["allocation_seconds"] = time.perf_counter() - t0
    engine.dispose()
    sampler.stop.set()
    sampler.join()
    out["peak_rss"] = peak_rss_bytes()
    out["tree_peak_rss"] = sampler.peak  # with the reader process, sampled
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
