"""Small helpers for ledger tests: write export documents, count rows, sum a sample file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.base import Base
from usage_tracker.domain.money import to_nanos

DAY = 86400
T0 = 1_719_792_000  # 2024-07-01T00:00:00Z


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc))
    return path


def page(buckets: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "page", "data": buckets, "has_more": False, "next_page": None}


def bucket(day: int, results: list[dict[str, Any]], width: int = DAY) -> dict[str, Any]:
    start = T0 + day * DAY
    return {"object": "bucket", "start_time": start, "end_time": start + width, "results": results}


def cost(
    value: str, project: str = "proj_a", line_item: str = "gpt-4o, input", **extra: Any
) -> dict[str, Any]:
    return {
        "object": "organization.costs.result",
        "amount": {"value": float(value), "currency": "usd"},
        "line_item": line_item,
        "project_id": project,
        **extra,
    }


def completion(
    requests: int, tokens_in: int = 100, tokens_out: int = 10, **dims: Any
) -> dict[str, Any]:
    return {
        "object": "organization.usage.completions.result",
        "num_model_requests": requests,
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "input_cached_tokens": 0,
        **dims,
    }


def table_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    """Row count of every table: the database's observable state for all-or-nothing checks.

    One statement of a scalar subquery per table (a test calls this hundreds of times; a
    statement per table was most of the import fuzz test's time)."""
    with factory() as session:
        quote = session.get_bind().dialect.identifier_preparer.quote
        names = list(Base.metadata.tables)
        counts = ", ".join(f"(SELECT count(*) FROM {quote(name)})" for name in names)
        row = session.execute(text(f"SELECT {counts}")).one()
        return {name: int(count) for name, count in zip(names, row, strict=True)}


def sample_total_nanos(path: Path) -> int:
    doc = json.loads(path.read_text(), parse_float=Decimal)
    total = 0
    for b in doc["data"]:
        for r in b.get("results", b.get("result", [])):
            value = r["amount"]["value"] if "amount" in r else r["cost"]
            total += to_nanos(value)
    return total


def sample_sum(path: Path, field: str) -> int:
    doc = json.loads(path.read_text())
    return sum(r.get(field, 0) for b in doc["data"] for r in b["results"])
