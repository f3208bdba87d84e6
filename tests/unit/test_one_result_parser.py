"""File import and sync read a result through one mapping: the same record, or the same refusal.

(A token count of 1.5 used to be truncated to 1 by the import and refused by the sync.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from usage_tracker.domain.endpoints import USAGE_ENDPOINTS
from usage_tracker.domain.results import CostReader
from usage_tracker.domain.usage_dims import DimsIndex
from usage_tracker.ingest.results import ResultError, RowMaker, cost_record, usage_record
from usage_tracker.openai_admin import AdminApiError, mapping

odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.integers(2**63 - 2, 2**64),
    st.sampled_from([1.5, 2.0, -0.0, float("nan"), float("inf"), 1e30]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.text(max_size=3),
    st.just("x" * 300),
    st.just({"value": 1}),
)


def _both(read_file: Any, read_sync: Any) -> tuple[Any, Any]:
    try:
        a: Any = read_file()
    except ResultError as exc:
        a = ("refused", str(exc))
    try:
        b: Any = read_sync()
    except AdminApiError as exc:
        b = ("refused", str(exc))
    return a, b


@given(tokens=odd, requests=odd, project=odd, model=odd)
def test_usage_results_read_the_same_on_both_paths(
    tokens: Any, requests: Any, project: Any, model: Any
) -> None:
    result = {
        "object": "organization.usage.completions.result",
        "input_tokens": tokens,
        "num_model_requests": requests,
        "project_id": project,
        "model": model,
    }
    spec = USAGE_ENDPOINTS["completions"]
    a, b = _both(
        lambda: usage_record(result, "completions"),
        lambda: mapping.usage_record(result, spec, "GET /organization/usage/completions"),
    )
    if isinstance(a, tuple):
        assert isinstance(b, tuple), f"the import refused ({a[1]}) but the sync took {b}"
        assert a[1] in b[1]  # the same reason, in the sync's words
    else:
        assert a == b
        assert all(isinstance(v, int) and 0 <= v < 2**63 for v in a.metrics.values())
    # The import's fast path takes or refuses exactly what the record reader does.
    rows: list[Any] = []
    taken = RowMaker(DimsIndex()).extend(rows, [result], "completions", result["object"])
    assert taken == (0 if isinstance(a, tuple) else 1)


@given(value=odd, quantity=odd, line=odd)
def test_cost_results_read_the_same_on_both_paths(value: Any, quantity: Any, line: Any) -> None:
    result = {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": "usd"},
        "quantity": quantity,
        "line_item": line,
    }
    a, b = _both(lambda: cost_record(result), lambda: mapping.cost_record(result, "GET /c"))
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and a[1] in b[1]
    else:
        assert a == b


@pytest.mark.parametrize(
    ("field", "value"),
    [("input_tokens", 1.5), ("input_tokens", -3), ("input_tokens", 2**63), ("model", "m" * 121)],
)
def test_values_the_ledger_cannot_hold_are_refused(field: str, value: Any) -> None:
    result = {"object": "organization.usage.completions.result", "input_tokens": 1, field: value}
    with pytest.raises(ResultError):
        usage_record(result, "completions")


def test_whole_numbers_written_as_decimals_are_read() -> None:
    result = {"input_tokens": Decimal("12.0"), "num_model_requests": 2.0}
    assert usage_record(result, "completions").metrics["input_tokens"] == 12


_READER = CostReader()  # one for every example: what it remembers from one must not leak


@given(
    value=odd | st.sampled_from(["1.25", " 3 ", "x", "1e400"]),
    quantity=odd | st.just(10**400),
    project=odd | st.sampled_from(["proj_a", " proj_a ", "1", 1, 1.0, True, ["a"]]),
    user=odd | st.sampled_from(["user-a", "", "  "]),
    line=odd | st.sampled_from(["gpt-4o, input", "1"]),
    currency=odd | st.sampled_from(["USD", "usd"]),
)
def test_the_cost_fast_path_reads_what_the_one_mapping_reads(
    value: Any, quantity: Any, project: Any, user: Any, line: Any, currency: Any
) -> None:
    result = {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": currency},
        "quantity": quantity,
        "line_item": line,
        "project_id": project,
        "user_id": user,
        "user_email": "person@example.com",
    }

    def read(fn: Any) -> Any:
        try:
            return fn(result)
        except ResultError as exc:
            return ("refused", str(exc))

    want = read(cost_record)
    assert read(_READER.record) == want
    assert read(_READER.record) == want  # the second time from what it remembered


def test_values_equal_to_a_dict_are_not_mistaken_for_one_another() -> None:
    reader = CostReader()  # 1 == 1.0 == True == Decimal(1): one key to a dict, four texts
    for project in (1, 1.0, True, Decimal("1.00"), "1", " 1 ", 1, "1.0", 1.0, ["1"], "1"):
        result = {"amount": {"value": Decimal("0.5")}, "project_id": project}
        try:
            want: Any = cost_record(result)
        except ResultError as exc:
            want = str(exc)
        try:
            got: Any = reader.record(result)
        except ResultError as exc:
            got = str(exc)
        assert got == want, project
