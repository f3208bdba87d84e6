"""The chunked `raw_decode` bucket reader: same buckets as a whole-document parse, at any chunk
size; exact Decimal amounts; malformed input named by file and byte offset."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from usage_tracker.ingest import fast_json
from usage_tracker.ingest.detect import detect_shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.fast_json import iter_raw_buckets
from usage_tracker.ingest.json_stream import iter_buckets

SAMPLES = (
    "costs_by_project_line_item_key.json",
    "costs_grouped_by_user.json",
    "costs_grouped_by_user_legacy_shape.json",
    "usage_completions_1d.json",
)


def _usage(n: int) -> dict[str, Any]:
    return {
        "object": "bucket",
        "start_time": 1704067200 + 3600 * n,
        "end_time": 1704070800 + 3600 * n,
        "results": [
            {
                "object": "organization.usage.completions.result",
                "input_tokens": 10 + i,
                "output_tokens": 2,
                "num_model_requests": 1,
                "project_id": "proj_ü",  # non-ASCII: byte offsets differ from characters
                "model": "gpt-4o",
                "batch": False,
            }
            for i in range(3)
        ],
    }


def _raw(doc: bytes, shape: str, chunk: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(fast_json, "CHUNK", chunk)
    return list(iter_raw_buckets(io.BytesIO(doc), shape, "f.json"))


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_every_chunk_size_gives_the_documents_buckets(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    buckets = [_usage(n) for n in range(4)]
    page = {"object": "page", "has_more": False, "data": buckets, "next_page": None}
    assert _raw(json.dumps(page, indent=1).encode(), "page", chunk, monkeypatch) == buckets
    assert _raw(json.dumps(buckets).encode(), "buckets", chunk, monkeypatch) == buckets
    pages = [page, {"object": "page", "data": buckets[:1]}]
    got = _raw(json.dumps(pages, separators=(",", ":")).encode(), "pages", chunk, monkeypatch)
    assert got == buckets + buckets[:1]
    assert _raw(b'{"data": []}', "page", chunk, monkeypatch) == []


def test_amounts_are_exact_decimals(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        b'{"data":[{"start_time":1,"results":[{"amount":{"value":0.1}},'
        b'{"amount":{"value":1234.567891234}},{"amount":{"value":12345678901234567.891}},'
        b'{"amount":{"value":1e-9}}]}]}'
    )
    (bucket,) = _raw(text, "page", 5, monkeypatch)
    values = [r["amount"]["value"] for r in bucket["results"]]
    assert values == [
        Decimal("0.1"),
        Decimal("1234.567891234"),
        Decimal("12345678901234567.891"),
        Decimal("1e-9"),
    ]
    assert all(type(v) is Decimal for v in values)


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_read_the_same_as_a_whole_parse(
    name: str, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = samples_dir / name
    with path.open("rb") as fh:
        shape = detect_shape(fh, name).shape
    assert shape == "page"  # every shared sample is an API page
    expected = json.loads(path.read_bytes(), parse_float=Decimal)["data"]
    assert _raw(path.read_bytes(), shape, 97, monkeypatch) == expected
    # ... and the amounts the ledger stores are the source text's, to the nano-dollar
    with path.open("rb") as fh:
        got = [c.amount_nanos for b in iter_buckets(fh, shape, name) for c in b.costs]
    want = [
        int(Decimal(str(_amount(r))) * 10**9)
        for b in expected
        for r in b.get("results", b.get("result", []))
        if "amount" in r or "cost" in r
    ]
    assert got == want


def _amount(result: dict[str, Any]) -> Any:
    amount = result.get("amount", result.get("cost"))
    return amount["value"] if isinstance(amount, dict) else amount


@pytest.mark.parametrize(
    ("doc", "offset"),
    [
        (b'{"data":[{"start_time":1,"results":[]},{"start_time":2,"results":[}]}', 66),
        (b'{"data":[{"start_time":1,"results":[]} {"start_time":2}]}', 39),
        (b'{"data":[{"start_time":1,"results":[NaN]}]}', 9),  # the bucket's offset
        (b'{"data":[{"start_time":1,"results":[]}]} trailing', 41),
        (b'{"data":[{"start_time":1,"results":[]}', 38),
        (b'{"data":[{"start_time":1,"results":["\xff"]}]}', 37),
        (b'{"data":[{"start_time":1,"results":[tru', 36),
        (b'{"data":[{"start_time":1,"results":["abc', 36),
    ],
)
@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_malformed_json_names_the_file_and_byte(
    doc: bytes, offset: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ParseError, match=rf"^f\.json: byte {offset}: ") as info:
        _raw(doc, "page", chunk, monkeypatch)
    assert "well-formed JSON" in str(info.value) or "UTF-8" in str(info.value)


def test_byte_offsets_count_bytes_not_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    head = b'{"data":[{"project":"\xc3\xbc\xc3\xbc","results":'
    with pytest.raises(ParseError, match=rf"byte {len(head)}: "):
        _raw(head + b"?}]}", "page", 4, monkeypatch)


def test_a_bad_result_names_its_bucket_and_result(monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = _usage(0)
    bucket["results"][2]["input_tokens"] = "many"
    doc = json.dumps({"data": [_usage(1), bucket]}).encode()
    with pytest.raises(ParseError, match=r"f\.json: bucket 1 \(start_time \d+\), result 2"):
        list(iter_buckets(io.BytesIO(doc), "page", "f.json", rows=True))
