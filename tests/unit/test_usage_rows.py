"""Usage results → ledger rows: the fast path (`RowMaker.extend`) gives exactly what the checked
parser (`usage_record`) gives, or stops where that parser would refuse, whatever the key order,
the odd values, or whether the dimensions were seen before."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from usage_tracker.domain.day_runs import DayRuns
from usage_tracker.domain.endpoints import USAGE_DIMENSIONS, USAGE_ENDPOINTS
from usage_tracker.domain.usage_dims import DimsIndex, dims_id, grouping_of_dims
from usage_tracker.ingest.results import ResultError, RowMaker, usage_record

OBJECT = USAGE_ENDPOINTS["completions"].object
COMPLETIONS = USAGE_ENDPOINTS["completions"].metrics

texts = st.sampled_from(["proj_a", "user-b", " padded ", "", "o3", "gpt-4o", "key_c"])
odd_dims = texts | st.none() | st.integers(0, 3)
odd_metrics = st.integers(0, 10**9) | st.none() | st.booleans() | st.sampled_from([2.0, "7", -1])


@st.composite
def result(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {"object": OBJECT}
    for name in ("project_id", "user_id", "api_key_id", "model", "service_tier"):
        if draw(st.booleans()):
            fields[name] = draw(odd_dims)
    if draw(st.booleans()):
        fields["batch"] = draw(st.booleans() | st.none() | st.integers(0, 1))
    for name in ("input_tokens", "output_tokens", "input_cached_tokens", "num_model_requests"):
        if draw(st.integers(0, 4)):
            fields[name] = draw(odd_metrics)
    keys = draw(st.permutations(list(fields)))
    return {k: fields[k] for k in keys}


def _reference(r: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        record = usage_record(r, "completions")
    except ResultError:
        return None
    dims = tuple(record.dims.get(d) for d in USAGE_DIMENSIONS)
    return (dims_id(dims), *(record.metrics.get(m, 0) for m in COMPLETIONS))


@settings(max_examples=300, deadline=None)
@given(st.lists(result(), min_size=1, max_size=12))
def test_fast_rows_equal_the_checked_parser(results: list[dict[str, Any]]) -> None:
    index = DimsIndex()
    maker = RowMaker(index)
    rows: list[tuple[Any, ...]] = []
    # Twice: the second pass meets every combination again (the cached path).
    for _ in range(2):
        rows.clear()
        taken = maker.extend(rows, results, "completions", OBJECT)
        expected = [_reference(r) for r in results]
        stop = next((i for i, e in enumerate(expected) if e is None), len(results))
        assert taken == stop
        assert rows == expected[:stop]
        for row in rows:
            assert dims_id(index.dims[row[0]]) == row[0]


def test_fresh_combinations_are_told_once() -> None:
    index = DimsIndex()
    maker = RowMaker(index)
    r = {"object": OBJECT, "project_id": "p", "model": "o3", "input_tokens": 3}
    rows: list[tuple[Any, ...]] = []
    assert maker.extend(rows, [r, dict(r), {**r, "model": "gpt-4o"}], "completions", OBJECT) == 3
    fresh = index.take_fresh()
    assert len(fresh) == 2 and rows[0][0] == rows[1][0] != rows[2][0]
    assert grouping_of_dims(fresh.values()) == ("model", "project_id")
    maker.extend(rows, [r], "completions", OBJECT)
    assert index.take_fresh() == {}


def test_trim_keeps_what_is_in_use() -> None:
    index = DimsIndex(limit=2)
    ids = [index.add((f"p{i}", *[None] * (len(USAGE_DIMENSIONS) - 1))) for i in range(4)]
    index.take_fresh()
    index.trim(keep=[ids[3]])
    assert set(index.dims) == {ids[3]}
    assert index.add(index.dims[ids[3]]) == ids[3] and index.take_fresh() == {}
    assert index.add(("p0", *[None] * (len(USAGE_DIMENSIONS) - 1))) == ids[0]
    assert index.take_fresh() == {ids[0]: ("p0", *[None] * (len(USAGE_DIMENSIONS) - 1))}


@settings(deadline=None)
@given(
    st.sampled_from(sorted(USAGE_ENDPOINTS)),
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["p1", "p2"]), st.integers(0, 9)),
        max_size=40,
    ),
)
def test_day_runs_sum_each_day_like_sql_would(
    endpoint: str, rows: list[tuple[int, str, int]]
) -> None:
    """Rows of every endpoint (one metric or many), over runs of days: each clean day's rollup is
    the per-key sum of its rows, in the endpoint's metrics (the others are always 0)."""
    index = DimsIndex()
    runs = DayRuns(index)
    runs.record_set(1, endpoint, set())
    metrics = USAGE_ENDPOINTS[endpoint].metrics
    out: dict[date, list[tuple[Any, ...]]] = {}
    expected: dict[date, dict[tuple[Any, ...], list[int]]] = {}
    for day_no, project, value in sorted(rows):
        day = date(2026, 1, 1 + day_no)
        dims = (project, *[None] * (len(USAGE_DIMENSIONS) - 1))
        row = (index.add(dims), *(value for _ in metrics))
        done = runs.add(1, day, [row])
        if done is not None:
            out[done[1]] = done[2]
        totals = expected.setdefault(day, {}).setdefault(dims[:4], [0] * (len(metrics) + 1))
        for i, v in enumerate(row[1:]):
            totals[i] += v
        totals[-1] += 1
    done = runs.close()
    if done is not None:
        out[done[1]] = done[2]
    assert runs.metrics(1) == metrics
    assert {d: sorted(r) for d, r in out.items()} == {
        d: sorted((*k, *v) for k, v in keys.items()) for d, keys in expected.items()
    }
