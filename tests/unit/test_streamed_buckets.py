"""A bucket too large to decode whole is read a result at a time, with the same rows and the
same refusals as when it is decoded whole."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usage_tracker.ingest import fast_json
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.json_stream import iter_buckets

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _read(raw: bytes, shape: str = "page") -> list[Any]:
    out = []
    for b in iter_buckets(io.BytesIO(raw), shape, "f.json", rows=True):  # type: ignore[arg-type]
        out.append((b.kind, b.start, b.end, b.costs, b.usage, b.usage_rows, b.cost_rows, b.emails))
    return out


@pytest.mark.parametrize(
    "sample",
    [
        "costs_grouped_by_user.json",
        "usage_completions_1d.json",
        "costs_by_project_line_item_key.json",
    ],
)
def test_streamed_buckets_give_the_same_rows(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (SAMPLES / sample).read_bytes()
    whole = _read(raw)
    monkeypatch.setattr(fast_json, "STREAM_ABOVE", 64)
    monkeypatch.setattr(fast_json, "_RESULTS_BATCH", 3)
    monkeypatch.setattr(fast_json, "CHUNK", 97)
    assert _read(raw) == whole


@settings(max_examples=40, deadline=None)
@given(
    order=st.permutations(["object", "start_time", "end_time", "results"]),
    n=st.integers(0, 12),
    indent=st.sampled_from([None, 2]),
)
def test_any_member_order_streams_alike(order: list[str], n: int, indent: int | None) -> None:
    results = [
        {"object": "organization.costs.result", "amount": {"value": i + 0.25, "currency": "usd"},
         "project_id": f"p{i % 3}", "line_item": "m, input"}
        for i in range(n)
    ]  # fmt: skip
    members = {"object": "bucket", "start_time": 86400, "end_time": 2 * 86400, "results": results}
    doc = {"object": "page", "data": [{k: members[k] for k in order}], "has_more": False}
    raw = json.dumps(doc, indent=indent).encode()
    whole = _read(raw)
    fast_json.STREAM_ABOVE, before = 16, fast_json.STREAM_ABOVE
    try:
        assert _read(raw) == whole
    finally:
        fast_json.STREAM_ABOVE = before


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ('{"start_time": 86400, "end_time": 172800, "results": [1]}', "a result object"),
        ('{"end_time": 172800, "results": []}', "integer `start_time`"),
        ('{"start_time": 86400, "results": [], "start_time": 5}', "appears twice"),
        ('{"start_time": 86400 "results": []}', "expected ',' or '}'"),
        ('{"start_time": 86400, "results": "x"}', "`results` to be an array"),
    ],
)
def test_streamed_buckets_refuse_what_whole_ones_do(
    bucket: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = f'{{"object": "page", "data": [{bucket}], "has_more": false}}'.encode()
    monkeypatch.setattr(fast_json, "STREAM_ABOVE", 4)
    with pytest.raises(ParseError) as exc:
        _read(raw)
    assert expected in str(exc.value)


def test_a_big_bucket_crosses_from_the_helper_process_in_parts(tmp_path: Path) -> None:
    from usage_tracker.ingest.helper import _BATCH_ROWS, iter_buckets_in_helper

    n = _BATCH_ROWS * 2 + 7
    results = [
        {"object": "organization.costs.result", "amount": {"value": i / 1000, "currency": "usd"},
         "project_id": f"p{i % 5}", "line_item": "m, input", "user_id": None}
        for i in range(n)
    ]  # fmt: skip
    doc = {
        "object": "page",
        "data": [
            {"object": "bucket", "start_time": 0, "end_time": 86400, "results": results[:10]},
            {"object": "bucket", "start_time": 86400, "end_time": 172800, "results": results},
        ],
        "has_more": False,
    }
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    inline = _read(path.read_bytes())
    helper = list(iter_buckets_in_helper(str(path), "page", "big.json"))
    assert len(helper) == 2 and len(helper[1].cost_rows) == n
    assert helper[1].declared_dims == {"user_id"}
    assert [
        (b.kind, b.start, b.end, b.costs, b.usage, b.usage_rows, b.cost_rows, b.emails)
        for b in helper
    ] == inline
