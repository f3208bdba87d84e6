"""Parsing a large file in a helper process while the importing process writes.

Parsing JSON, building rows and summing days is about half an import's CPU time; on a machine
with a spare core a helper process does it while the importing process writes to the database.
Buckets cross a pipe pickled, in batches; errors come back as what the ParseError said.
"""

from __future__ import annotations

import contextlib
import pickle
from dataclasses import replace

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]
import queue
import threading
from collections.abc import Iterator
from typing import Any

from usage_tracker.domain.records import Bucket
from usage_tracker.ingest.bom import open_export
from usage_tracker.ingest.detect import Shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.json_stream import iter_buckets

_BATCH_ROWS = 20_000
_QUEUED_BATCHES = 6  # received, not yet written (a few MB each)
_PIPE_BYTES = 1 << 20


def _produce(path: str, shape: Shape, file_name: str, conn: Any) -> None:
    """Helper process: send `("b", buckets, bytes_read)` batches, then `("end",)`, or
    `("error", file_name, position, expected)`."""
    read = [0]

    def progress(n: int) -> None:
        read[0] += n

    try:
        batch: list[Bucket] = []
        rows = 0
        with open_export(path) as fh:
            # This process sums the days too: the importing one is the busier.
            for bucket in iter_buckets(fh, shape, file_name, progress, rows=True):
                if bucket.rows > _BATCH_ROWS:  # one big bucket: in parts, never one message
                    conn.send(("b", batch, read[0]))
                    batch, rows, read[0] = [], 0, 0
                    parts = _parts(bucket)
                    for i, part in enumerate(parts):
                        conn.send(("p", part, i == len(parts) - 1))
                    continue
                batch.append(bucket)
                rows += bucket.rows
                if rows >= _BATCH_ROWS:
                    conn.send(("b", batch, read[0]))
                    batch, rows, read[0] = [], 0, 0
        conn.send(("b", batch, read[0]))
        conn.send(("end",))
    except ParseError as exc:
        conn.send(("error", exc.file_name, exc.position, exc.expected))
    except BaseException as exc:  # anything else: say what, in the importing process
        conn.send(("error", file_name, "reading", f"a readable file ({exc!r})"))
    finally:
        conn.close()


def _parts(bucket: Bucket) -> list[Bucket]:
    """`bucket` as buckets of the same start of up to _BATCH_ROWS rows each (its combinations
    and declared dimensions with the first)."""
    rows = getattr(bucket, "usage_rows", None) or []
    cost_rows = getattr(bucket, "cost_rows", None) or []
    longest = max(len(bucket.costs), len(bucket.usage), len(rows), len(cost_rows))
    out = []
    for lo in range(0, longest, _BATCH_ROWS):
        hi = lo + _BATCH_ROWS
        part = replace(bucket, costs=bucket.costs[lo:hi], usage=bucket.usage[lo:hi])
        if rows:
            part.usage_rows = rows[lo:hi]  # type: ignore[attr-defined]
        if cost_rows:
            part.cost_rows = cost_rows[lo:hi]  # type: ignore[attr-defined]
        if lo:
            part.declared_dims = set()
            if hasattr(part, "new_dims"):
                part.new_dims = {}
            if hasattr(part, "emails"):
                part.emails = {}
        out.append(part)
    return out


def _join(whole: Bucket | None, part: Bucket) -> Bucket:
    if whole is None:
        return part
    whole.costs += part.costs
    whole.usage += part.usage
    if hasattr(whole, "usage_rows"):
        whole.usage_rows += part.usage_rows  # type: ignore[attr-defined]
    if hasattr(whole, "cost_rows"):
        whole.cost_rows += part.cost_rows  # type: ignore[attr-defined]
    return whole


def iter_buckets_in_helper(
    path: str, shape: Shape, file_name: str, progress: Any = None
) -> Iterator[Bucket]:
    """`iter_buckets(..., rows=True)` of the file at `path`, parsed in a helper process."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    _widen(receive)
    helper = ctx.Process(
        target=_produce, args=(path, shape, file_name, send), name="usage-tracker-reader"
    )
    helper.daemon = True
    helper.start()
    send.close()
    inbox = _Inbox(receive)
    whole: Bucket | None = None  # the parts of a big bucket received so far
    try:
        while True:
            data = inbox.get()
            if data is None:
                raise ParseError(file_name, "reading", "the reader process to finish")
            message = pickle.loads(data)
            if message[0] == "b":
                _, batch, nbytes = message
                if progress is not None and nbytes:
                    progress(nbytes)
                yield from batch
            elif message[0] == "p":
                _, part, last = message
                whole = _join(whole, part)
                if last:
                    yield whole
                    whole = None
            elif message[0] == "end":
                return
            else:
                raise ParseError(message[1], message[2], message[3])
    finally:
        inbox.stop()
        if helper.is_alive():
            helper.terminate()
        helper.join()
        receive.close()
        inbox.thread.join()


def _widen(conn: Any) -> None:
    """Make the pipe hold a whole megabyte: the receiving thread then needs the GIL once per
    megabyte of a batch instead of once per 64 KiB, and the busy writing thread holds the GIL
    for up to a switch interval (5 ms) each time (Linux; elsewhere the pipe stays as it is)."""
    size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if size is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(conn.fileno(), size, _PIPE_BYTES)


class _Inbox:
    """Receives the helper's messages in a thread while this process writes, so the helper
    never waits for the writer to come back for the next batch (a bounded queue of them)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUED_BATCHES)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._pump, name="reader-inbox", daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        data: bytes | None
        while not self.stopped.is_set():
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                data = None
            while not self.stopped.is_set():
                try:
                    self.queue.put(data, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if data is None:
                return

    def get(self) -> bytes | None:
        return self.queue.get()

    def stop(self) -> None:
        self.stopped.set()
