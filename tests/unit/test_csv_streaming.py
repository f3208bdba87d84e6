"""A CSV export in time order is read bucket by bucket (never all in memory); any other order
gives the same buckets, collected first."""

from __future__ import annotations

import io

from usage_tracker.ingest.csv_export import CsvReader, _time_ordered

HEADER = "start_time,project_id,user_id,line_item,amount_value\n"
DAY = 86_400


def _csv(days: list[int]) -> bytes:
    rows = [
        f'{1_704_067_200 + d * DAY},proj_{i},user-{i},"gpt-4o, input",0.{d + 1:02d}{i}\n'
        for d in days
        for i in range(3)
    ]
    return (HEADER + "".join(rows)).encode()


def _buckets(data: bytes) -> list[tuple[int, list[tuple[str | None, int]]]]:
    reader = CsvReader("c.csv")
    return [
        (b.start, sorted((c.user_id, c.amount_nanos) for c in b.costs))
        for b in reader.iter_buckets(io.BytesIO(data))
    ]


def test_a_file_in_time_order_streams_and_any_order_gives_the_same_buckets() -> None:
    ordered, shuffled = _csv([0, 1, 2, 3]), _csv([2, 0, 3, 1])
    assert _time_ordered(io.BytesIO(ordered)) and not _time_ordered(io.BytesIO(shuffled))
    assert _buckets(ordered) == _buckets(shuffled)
    assert [start for start, _ in _buckets(ordered)] == [1_704_067_200 + d * DAY for d in range(4)]

    long = _csv(list(range(2000)))  # ≈ 200 KB: more than the reader's buffer
    fh = io.BytesIO(long)
    buckets = CsvReader("c.csv").iter_buckets(fh)
    first = next(buckets)
    assert first.start == 1_704_067_200 and len(first.costs) == 3
    assert fh.tell() < len(long) // 2  # given before the rest of the file was read
    assert sum(1 for _ in buckets) == 1999


def test_the_first_pass_rewinds_and_survives_what_the_reading_pass_reports() -> None:
    fh = io.BytesIO(b"\xef\xbb\xbf" + _csv([0, 1]))
    assert _time_ordered(fh) and fh.tell() == 0
    broken = io.BytesIO((HEADER + "yesterday,p,u,x,1\n").encode())
    assert not _time_ordered(broken) and broken.tell() == 0
