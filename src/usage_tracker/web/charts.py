"""Plotly figure specs (plain JSON) for the views; the page's script only draws them."""

from __future__ import annotations

from typing import Any

from usage_tracker.services.reports.types import BreakdownRow
from usage_tracker.web.i18n import Formatter

MAX_SERIES = 8


def _series_order(rows: list[BreakdownRow]) -> list[str]:
    totals: dict[str, int] = {}
    for row in rows:
        for key, nanos in row.split.items():
            totals[key] = totals.get(key, 0) + nanos
    return sorted(totals, key=lambda k: -totals[k])


def stacked_daily(
    rows: list[BreakdownRow],
    fmt: Formatter,
    names: dict[str, str] | None = None,
    other: str = "Other",
    total: str = "Cost",
) -> dict[str, Any]:
    """Daily cost as stacked bars, one series per split key (top 8, the rest as `other`)."""
    names = names or {}
    days = [row.key for row in rows]
    order = _series_order(rows)
    head, tail = order[:MAX_SERIES], set(order[MAX_SERIES:])
    traces: list[dict[str, Any]] = []
    if not order:
        traces.append(
            {
                "type": "bar",
                "name": total,
                "x": days,
                "y": [fmt.chart_amount(r.cost_nanos) for r in rows],
            }
        )
    for key in head:
        y = [fmt.chart_amount(row.split.get(key, 0)) for row in rows]
        traces.append({"type": "bar", "name": names.get(key, key), "x": days, "y": y})
    if tail:
        y = [fmt.chart_amount(sum(v for k, v in row.split.items() if k in tail)) for row in rows]
        traces.append({"type": "bar", "name": other, "x": days, "y": y})
    return {"data": traces, "layout": {"barmode": "stack", "xaxis": {"type": "date"}}}


def ranking(rows: list[BreakdownRow], fmt: Formatter, unknown: str = "(none)") -> dict[str, Any]:
    """Horizontal bars, largest on top."""
    ordered = list(reversed(rows))
    names = [_short(row.label or row.key or unknown) for row in ordered]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [fmt.chart_amount(row.cost_nanos) for row in ordered],
                "y": names,
                "hovertext": [row.label or row.key or unknown for row in ordered],
            }
        ],
        "layout": {
            "height": max(200, 32 * len(ordered) + 64),
            "yaxis": {"automargin": True, "type": "category"},
            "showlegend": False,
        },
    }


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def token_kinds(rows: list[BreakdownRow], names: dict[str, str]) -> dict[str, Any]:
    """Tokens per model split into uncached input, cached input and output."""
    keys = [row.key or "?" for row in rows]
    series = [
        (names["input"], [max(r.input_tokens - r.cached_input_tokens, 0) for r in rows]),
        (names["cached"], [r.cached_input_tokens for r in rows]),
        (names["output"], [r.output_tokens for r in rows]),
    ]
    return {
        "data": [{"type": "bar", "name": name, "x": keys, "y": y} for name, y in series],
        "layout": {"barmode": "stack"},
    }
