"""The parsers on random valid and invalid documents (hypothesis)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usage_tracker.domain.money import to_nanos
from usage_tracker.ingest.detect import detect_shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.json_stream import iter_buckets
from usage_tracker.ingest.users import iter_members

DAY = 86400
T0 = 1_719_792_000  # 2024-07-01T00:00:00Z

ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=12)
amounts = st.decimals(min_value=0, max_value=10_000, places=6, allow_nan=False)


@st.composite
def cost_result(draw: st.DrawFn, legacy: bool) -> dict[str, Any]:
    value = draw(amounts)
    result: dict[str, Any] = {
        "object": "organization.costs.result",
        "line_item": draw(st.sampled_from(["gpt-4o, input", "gpt-4o, output", "dall-e-3"])),
        "project_id": "proj_" + draw(ids),
    }
    if legacy:
        result["cost"] = float(value)
    else:
        result["amount"] = {"value": float(value), "currency": "usd"}
    return result


@st.composite
def usage_result(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": draw(st.integers(0, 10**9)),
        "output_tokens": draw(st.integers(0, 10**9)),
        "input_cached_tokens": draw(st.integers(0, 10**6)),
        "num_model_requests": draw(st.integers(0, 10**6)),
        "project_id": draw(st.none() | ids),
        "user_id": draw(st.none() | ids),
        "model": draw(st.sampled_from(["gpt-4o", "o3", "gpt-4.1-mini"])),
        "batch": draw(st.booleans()),
    }


@st.composite
def page(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["costs", "legacy", "usage"]))
    days = draw(st.integers(1, 5))
    data = []
    for i in range(days):
        if kind == "usage":
            results = draw(st.lists(usage_result(), max_size=5))
        else:
            results = draw(st.lists(cost_result(kind == "legacy"), max_size=5))
        key = "result" if kind == "legacy" else "results"
        data.append(
            {
                "object": "bucket",
                "start_time": T0 + i * DAY,
                "end_time": T0 + (i + 1) * DAY,
                key: results,
            }
        )
    return {"object": "page", "data": data, "has_more": False, "next_page": None}


def _parse(doc: Any) -> list[Any]:
    fh = io.BytesIO(json.dumps(doc).encode())
    detected = detect_shape(fh, "doc.json")
    return list(iter_buckets(fh, detected.shape, "doc.json"))


def _expected_nanos(doc: dict[str, Any]) -> int:
    total = 0
    for bucket in doc["data"]:
        for r in bucket.get("results", bucket.get("result", [])):
            if "amount" in r:
                total += to_nanos(Decimal(repr(r["amount"]["value"])))
            elif "cost" in r:
                total += to_nanos(Decimal(repr(r["cost"])))
    return total


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_valid_pages_parse_to_exact_totals(doc: dict[str, Any]) -> None:
    buckets = _parse(doc)
    assert [b.start for b in buckets] == [b["start_time"] for b in doc["data"]]
    assert sum(r.amount_nanos for b in buckets for r in b.costs) == _expected_nanos(doc)
    requests = sum(
        r["num_model_requests"]
        for b in doc["data"]
        for r in b.get("results", [])
        if "num_model_requests" in r
    )
    assert sum(r.metrics.get("num_model_requests", 0) for b in buckets for r in b.usage) == requests


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page(), st.data())
def test_the_same_results_in_every_accepted_wrapping_agree(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    as_page = _parse(doc)
    as_pages = _parse([doc])
    as_buckets = _parse(doc["data"])
    assert [b.rows for b in as_page] == [b.rows for b in as_pages] == [b.rows for b in as_buckets]
    flat = []
    for bucket in doc["data"]:
        for r in bucket.get("results", bucket.get("result", [])):
            flat.append({**r, "start_time": bucket["start_time"], "end_time": bucket["end_time"]})
    if flat:
        bare = _parse(flat)
        assert sum(b.rows for b in bare) == sum(b.rows for b in as_page)


def _breakers() -> st.SearchStrategy[Any]:
    return st.sampled_from(
        [
            ("start_time", "yesterday"),
            ("start_time", None),
            ("results", "nope"),
            ("results", [42]),
            ("results", [{"object": "organization.costs.result", "amount": {"value": "x"}}]),
            ("results", [{"object": "organization.usage.nothing.result"}]),
            (
                "results",
                [{"object": "organization.usage.completions.result", "num_model_requests": "many"}],
            ),
            ("results", [{"object": "organization.usage.completions.result", "batch": "yes"}]),
            ("end_time", 0),
        ]
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page(), _breakers(), st.data())
def test_invalid_documents_fail_with_a_position(
    doc: dict[str, Any], breaker: tuple[str, Any], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(doc["data"]) - 1))
    field, value = breaker
    bucket = doc["data"][index]
    if field == "results":
        bucket.pop("result", None)
    bucket[field] = value
    with pytest.raises(ParseError) as info:
        _parse(doc)
    assert "doc.json" in str(info.value)
    assert "bucket" in info.value.position


def _read_any(fh: io.BytesIO, name: str) -> int:
    detected = detect_shape(fh, name)
    if detected.shape in ("users", "user_map"):
        return len(list(iter_members(fh, detected.shape, name)))
    if detected.shape == "csv":
        return 0
    return sum(b.rows for b in iter_buckets(fh, detected.shape, name))


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200), st.sampled_from([b"{", b"[", b'{"data": [', b'[{"object": "bucket", '])
)
def test_random_bytes_never_escape_as_anything_but_parse_error(blob: bytes, head: bytes) -> None:
    try:
        _read_any(io.BytesIO(head + blob), "junk.json")
    except ParseError as exc:
        assert str(exc).startswith("junk.json: ")


def test_truncated_json_names_the_byte_offset() -> None:
    text = json.dumps(
        {"object": "page", "data": [{"start_time": T0, "end_time": T0 + DAY, "results": []}] * 3}
    )
    fh = io.BytesIO(text[: len(text) // 2].encode())
    detected = detect_shape(fh, "cut.json")
    with pytest.raises(ParseError, match=r"cut\.json: byte \d+"):
        list(iter_buckets(fh, detected.shape, "cut.json"))


def test_mixed_costs_and_usage_in_one_file_is_rejected() -> None:
    doc = {
        "object": "page",
        "data": [
            {
                "start_time": T0,
                "end_time": T0 + DAY,
                "results": [{"object": "organization.costs.result", "amount": {"value": 1}}],
            },
            {
                "start_time": T0 + DAY,
                "end_time": T0 + 2 * DAY,
                "results": [{"object": "organization.usage.embeddings.result", "input_tokens": 5}],
            },
        ],
    }
    with pytest.raises(ParseError, match="bucket 1"):
        _parse(doc)


@pytest.mark.parametrize(
    "doc",
    [
        [
            {
                "object": "organization.user",
                "id": "user-1",
                "name": "Ann",
                "email": "ann@example.com",
                "role": "owner",
                "added_at": T0,
            }
        ],
        {
            "object": "list",
            "data": [
                {
                    "object": "organization.user",
                    "id": "user-1",
                    "name": "Ann",
                    "email": "ann@example.com",
                }
            ],
        },
        {"user-1": {"name": "Ann", "email": "ann@example.com"}},
    ],
)
def test_user_info_files_in_every_shape(doc: Any) -> None:
    fh = io.BytesIO(json.dumps(doc).encode())
    detected = detect_shape(fh, "users.json")
    assert detected.shape in ("users", "user_map")
    members = list(iter_members(fh, detected.shape, "users.json"))
    assert [(m.user_id, m.name, m.email) for m in members] == [("user-1", "Ann", "ann@example.com")]
