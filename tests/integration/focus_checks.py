"""Checks a FOCUS file against the vendored FOCUS 1.2 column table (tests/data/focus/).

`check_csv` and `check_parquet` return the file's rows as dicts of text (decimals in plain
notation, instants as `…Z`), after asserting: every Mandatory column is present; every other
column is a FOCUS column or an `x_` custom column; no empty value where the table allows no
nulls; allowed values; Date/Time, Decimal, currency and JSON formats; and the row rules of the
specification this export follows (unit with quantity, list unit price × pricing quantity =
list cost, charge period inside the billing period, credits without consumed quantity).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TABLE = json.loads((REPO / "tests" / "data" / "focus" / "focus-1.2-columns.json").read_text())
SPEC: dict[str, dict[str, Any]] = {c["column_id"]: c for c in TABLE["columns"]}
MANDATORY = {name for name, c in SPEC.items() if c["feature_level"] == "Mandatory"}
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
CURRENCY = re.compile(r"[A-Z]{3}")
Row = dict[str, str]


def _check_value(name: str, value: str) -> None:
    spec = SPEC[name]
    if value == "":
        assert spec["allows_nulls"] == "True", f"{name} is empty but allows no nulls"
        return
    allowed = spec.get("allowed_values")
    if allowed:
        assert value in allowed, f"{name}={value!r} is not one of {allowed}"
    kind = spec["data_type"]
    if kind == "Date/Time":
        assert DATETIME.fullmatch(value), f"{name}={value!r} is not YYYY-MM-DDTHH:mm:ssZ"
    elif kind == "Decimal":
        assert DECIMAL.fullmatch(value), f"{name}={value!r} is not in Numeric Format"
        if "non-negative" in spec.get("number_range", ""):
            assert Decimal(value) >= 0, f"{name}={value!r} is negative"
    elif kind == "JSON":
        obj = json.loads(value)
        assert isinstance(obj, dict), f"{name} is not a JSON object"
        for v in obj.values():
            assert v is None or isinstance(v, str | int | float | bool), f"{name}: {v!r}"
    if spec["value_format"] == "Currency Format":
        assert CURRENCY.fullmatch(value), f"{name}={value!r} is not an ISO 4217 code"


def check_rows(header: list[str], rows: list[Row]) -> list[Row]:
    missing = MANDATORY - set(header)
    assert not missing, f"mandatory columns missing: {sorted(missing)}"
    for name in header:
        assert name in SPEC or name.startswith("x_"), f"{name} is neither FOCUS nor x_"
    for row in rows:
        for name in header:
            if name in SPEC:
                _check_value(name, row[name])
            elif row[name] and name in ("x_Tokens",):
                assert DECIMAL.fullmatch(row[name]), f"{name}={row[name]!r}"
        _check_row_rules(row)
    return rows


def _check_row_rules(row: Row) -> None:
    for quantity, unit in (
        ("PricingQuantity", "PricingUnit"),
        ("ConsumedQuantity", "ConsumedUnit"),
    ):
        assert bool(row[quantity]) == bool(row[unit]), f"{quantity} and {unit}: {row}"
    for cost in ("ListCost", "ContractedCost", "EffectiveCost", "BilledCost"):
        assert row[cost] != "", f"{cost} is empty"
    if row["ListUnitPrice"]:
        assert row["PricingQuantity"], "a list unit price needs a pricing quantity"
        product = Decimal(row["ListUnitPrice"]) * Decimal(row["PricingQuantity"])
        assert product == Decimal(row["ListCost"]), f"ListUnitPrice × PricingQuantity: {row}"
    else:
        assert Decimal(row["ListCost"]) == Decimal(row["BilledCost"]), row
    assert Decimal(row["ListCost"]) >= Decimal(row["BilledCost"]), row
    assert Decimal(row["ContractedCost"]) == Decimal(row["BilledCost"])
    assert Decimal(row["EffectiveCost"]) == Decimal(row["BilledCost"])
    assert (
        row["BillingPeriodStart"]
        <= row["ChargePeriodStart"]
        < row["ChargePeriodEnd"]
        <= row["BillingPeriodEnd"]
    ), row
    if row["ChargeCategory"] == "Credit":
        assert row["ConsumedQuantity"] == "" and row["PricingCategory"] == "", row
    else:
        assert row["ChargeCategory"] == "Usage" and Decimal(row["BilledCost"]) >= 0, row
        if row["ConsumedQuantity"]:
            assert Decimal(row["ConsumedQuantity"]) > 0, row
    if row["ResourceId"]:
        assert row["ResourceType"] == "API Key"


def check_csv(data: bytes) -> list[Row]:
    assert not data.startswith(b"\xef\xbb\xbf"), "no byte-order mark in a FOCUS file"
    text = data.decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    return check_rows(header, list(reader))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, datetime):
        assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 0
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def check_parquet(data: bytes) -> list[Row]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    for field in table.schema:
        spec = SPEC.get(field.name)
        kind = spec["data_type"] if spec else None
        if kind == "Decimal" or field.name == "x_Tokens":
            assert pa.types.is_decimal(field.type), f"{field.name}: {field.type}"
            assert field.type.scale >= 9, f"{field.name}: scale {field.type.scale} < nano-dollars"
        elif kind == "Date/Time":
            assert pa.types.is_timestamp(field.type) and field.type.tz == "UTC", field
        else:
            assert pa.types.is_string(field.type), f"{field.name}: {field.type}"
        if spec and spec["allows_nulls"] == "False":
            assert table.column(field.name).null_count == 0, f"{field.name} has nulls"
    header = table.schema.names
    rows = [{k: _text(v) for k, v in r.items()} for r in table.to_pylist()]
    return check_rows(header, rows)


def same_values(a: list[Row], b: list[Row]) -> bool:
    """Two files' rows are equal value for value (decimals compared as numbers)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for k in x:
            if DECIMAL.fullmatch(x[k] or "x") and DECIMAL.fullmatch(y[k] or "x"):
                if Decimal(x[k]) != Decimal(y[k]):
                    return False
            elif x[k] != y[k]:
                return False
    return True
