"""Chart specs (web/charts.py): units and titles in the page's language, stacks that add up, and
series colours that stand out from the panel in both themes; pages load the chart script only
when they draw a chart."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.test_contrast import luminance, themes
from usage_tracker.services.reports.types import BreakdownRow
from usage_tracker.services.spend.budget_status import BudgetState
from usage_tracker.web import charts
from usage_tracker.web.i18n import Formatter
from usage_tracker.web.render import gettext_for

NANOS = 1_000_000_000
CSS = Path(__file__).parents[2] / "src/usage_tracker/web/static/charts.css"


def english() -> tuple[Formatter, Any]:
    return Formatter("en"), gettext_for("en")


def korean() -> tuple[Formatter, Any]:
    return Formatter("ko"), gettext_for("ko")


def model_rows() -> list[BreakdownRow]:
    return [
        BreakdownRow(key="gpt-4o", input_tokens=1000, cached_input_tokens=400, output_tokens=250),
        BreakdownRow(key="o1", input_tokens=50, cached_input_tokens=0, output_tokens=900),
        # Inconsistent upstream data (cached above input) must not make a bar taller than it is.
        BreakdownRow(key="odd", input_tokens=10, cached_input_tokens=30, output_tokens=5),
    ]


def test_tokens_by_kind_stack_to_input_plus_output() -> None:
    fmt, _ = english()
    rows = model_rows()
    spec = charts.token_kinds(rows, fmt, _)
    names = [s["name"] for s in spec["series"]]
    assert names == ["Uncached input", "Cached input", "Output"]
    assert spec["stacked"] and spec["values"] == {"title": "Tokens", "unit": "tokens"}
    for i, row in enumerate(rows):
        height = sum(s["values"][i] for s in spec["series"])
        assert height == row.input_tokens + row.output_tokens
        assert all(s["values"][i] >= 0 for s in spec["series"])
    assert spec["series"][1]["values"] == [400, 0, 10]
    assert "input plus the output" in spec["note"] and "part of the input" in spec["note"]
    assert spec["summary"] == "2,215 tokens: 1,060 input, of which 410 cached, and 1,155 output."


def test_daily_cost_axes_carry_units_and_fill_missing_days() -> None:
    fmt, _ = english()
    rows = [
        BreakdownRow(key="2026-03-01", cost_nanos=3 * NANOS, split={"a": 2 * NANOS, "b": NANOS}),
        BreakdownRow(key="2026-03-03", cost_nanos=NANOS // 2, split={"a": NANOS // 2}),
    ]
    spec = charts.stacked_daily(rows, fmt, _, {"a": "Model A"})
    assert spec["bands"] == {
        "values": ["2026-03-01", "2026-03-02", "2026-03-03"],
        "title": "Day (UTC)",
        "dates": True,
    }
    assert spec["values"] == {"title": "Cost ($)", "unit": "money"}
    assert (spec["locale"], spec["currency"], spec["kind"]) == ("en-US", "USD", "bar")
    assert [s["name"] for s in spec["series"]] == ["Model A", "b"]
    totals = [sum(s["values"][i] for s in spec["series"]) for i in range(3)]
    assert totals == [3.0, 0.0, 0.5]
    assert spec["summary"] == (
        "3 days, Mar 1, 2026 to Mar 3, 2026: $3.50 in all; the highest day is Mar 1, 2026 with $3.00."
    )
    assert spec["text"]["total"] == "Total"


def test_daily_cost_keeps_eight_series_and_folds_the_rest_into_other() -> None:
    fmt, _ = english()
    split = {f"m{i}": (i + 1) * NANOS for i in range(11)}
    rows = [BreakdownRow(key="2026-03-01", cost_nanos=sum(split.values()), split=split)]
    spec = charts.stacked_daily(rows, fmt, _)
    assert len(spec["series"]) == charts.MAX_SERIES + 1
    assert spec["series"][0]["name"] == "m10" and spec["series"][-1]["name"] == "Other"
    assert spec["series"][-1]["values"] == [6.0]  # m0 + m1 + m2 = 1 + 2 + 3 dollars
    assert sum(s["values"][0] for s in spec["series"]) == 66.0


def test_korean_titles_units_and_locale() -> None:
    fmt, _ = korean()
    daily = charts.stacked_daily([BreakdownRow(key="2026-03-05", cost_nanos=NANOS)], fmt, _)
    assert daily["locale"] == "ko-KR"
    assert daily["values"]["title"] == "비용 (US$)"
    assert daily["bands"]["title"] == "날짜 (UTC)"
    assert daily["series"][0]["name"] == "비용"
    assert "2026. 3. 5." in daily["summary"] and "US$1.00" in daily["summary"]
    kinds = charts.token_kinds(model_rows(), fmt, _)
    assert [s["name"] for s in kinds["series"]] == ["캐시되지 않은 입력", "캐시된 입력", "출력"]
    assert kinds["values"]["title"] == "토큰" and kinds["text"]["total"] == "합계"
    for spec in (daily, kinds):
        # Names of things (UTC, PNG) stay as they are; words do not.
        words = [re.sub(r"\b(UTC|PNG)\b", "", text) for text in _texts(spec)]
        assert [w for w in words if re.search(r"[A-Za-z]{3,}", w)] == []


def _texts(spec: dict[str, Any]) -> list[str]:
    """Every piece of text a spec shows a reader (titles, names, note, summary, labels)."""
    found = [spec["bands"]["title"], spec["values"]["title"], spec["summary"]]
    found += [s["name"] for s in spec["series"]] + list(spec["text"].values())
    return found + ([spec["note"]] if spec["note"] else [])


def test_krw_amounts_are_converted_and_labelled() -> None:
    fmt, _ = Formatter("ko", "KRW", Decimal("1400")), gettext_for("ko")
    spec = charts.ranking(
        [BreakdownRow(key="u1", label="Ada", cost_nanos=2 * NANOS)], fmt, _, "user"
    )
    assert spec["currency"] == "KRW" and spec["values"]["title"] == "비용 (₩)"
    assert spec["series"][0]["values"] == [2800.0]
    assert spec["bands"] == {"values": ["Ada"], "title": "사용자", "dates": False}
    assert "₩2,800" in spec["summary"]


def test_ranking_keeps_full_names_largest_first() -> None:
    fmt, _ = english()
    long_name = "A very long project name that the browser will shorten"
    rows = [
        BreakdownRow(key="p1", label=long_name, cost_nanos=5 * NANOS),
        BreakdownRow(key="p2", cost_nanos=None),
    ]
    spec = charts.ranking(rows, fmt, _, "project")
    assert spec["horizontal"] and spec["bands"]["values"] == [long_name, "p2"]
    assert spec["bands"]["title"] == "Project"
    assert spec["series"][0]["values"] == [5.0, None]  # unknown cost stays unknown, not $0
    assert spec["summary"] == f"2 shown; the largest is {long_name} with $5.00."
    assert charts.ranking([], fmt, _, "user")["summary"] == "No data in this period."


def test_burn_is_actual_then_forecast_against_the_budget_line() -> None:
    fmt, _ = english()
    first = date(2026, 4, 1)
    daily = [(first + timedelta(days=i), NANOS, i >= 2) for i in range(4)]
    state = BudgetState(
        budget=None,  # type: ignore[arg-type]
        org="acme",
        period=None,  # type: ignore[arg-type]
        utc_since=first,
        utc_until=first + timedelta(days=3),
        base_nanos=10 * NANOS,
        rollover_nanos=0,
        spent_nanos=2 * NANOS,
        forecast_nanos=4 * NANOS,
        runs_out_on=None,
        spend_basis="billed",
        observed_until=first + timedelta(days=1),
        daily=daily,
    )
    spec = charts.burn(state, fmt, _)
    spent, forecast, budget = spec["series"]
    assert spec["kind"] == "line" and spec["bands"]["dates"]
    assert spec["values"]["title"] == "Cumulative spend ($)"
    assert spent["values"] == [1.0, 2.0, None, None]
    assert forecast["values"] == [None, 2.0, 3.0, 4.0]  # joins the last actual day
    assert budget["values"] == [10.0] * 4 and budget["line"] == "dot"
    assert spec["summary"] == "$2.00 spent of a $10.00 budget; at this pace $4.00 by Apr 4, 2026."


def _palette(block: str) -> dict[str, str]:
    return {m[1]: m[2] for m in re.finditer(r"--(c[a-z0-9-]*):\s*(#[0-9a-f]{6})", block)}


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark", "system-dark"])
def test_series_colours_stand_out_from_panels(theme: str) -> None:
    """WCAG 1.4.11: graphical objects at least 3:1 against what they are drawn on."""
    css = CSS.read_text(encoding="utf-8")
    blocks = re.findall(r"(:root(?:\[data-theme=\"(?:dark|system)\"\])?)\s*\{([^{}]*)\}", css)
    palettes = {sel: _palette(body) for sel, body in blocks}
    dark = {"dark": ':root[data-theme="dark"]', "system-dark": ':root[data-theme="system"]'}
    palette = palettes[":root"] | (palettes[dark[theme]] if theme in dark else {})
    assert len(palette) == 10
    colours = themes()[theme]
    for name, colour in palette.items():
        for background in ("surface", "bg"):
            ratio = _contrast(colour, colours[background])
            assert ratio >= 3.0, f"{theme}: --{name} {colour} on --{background} is {ratio:.2f}:1"


CHART_PAGES = ["/", "/users", "/projects", "/models", "/keys"]


def _spec(html: str, chart_id: str) -> dict[str, Any]:
    blob = html.split(f'<script type="application/json" id="{chart_id}">')[1]
    return dict(json.loads(blob.split("</script>")[0]))


@pytest.mark.parametrize("path", CHART_PAGES)
def test_chart_pages_load_the_chart_script(admin: TestClient, loaded: str, path: str) -> None:
    html = admin.get(path + "?range=custom&since=2020-01-01&until=2029-12-31").text
    assert "data-chart=" in html
    assert re.search(r'<script src="/static/[0-9a-f]{12}/charts\.js" defer>', html)
    assert re.search(r'<link rel="stylesheet" href="/static/[0-9a-f]{12}/charts\.css">', html)
    assert "plotly" not in html.lower()


@pytest.mark.parametrize("path", ["/data", "/budgets", "/alerts", "/teams"])
def test_pages_without_a_chart_load_no_chart_script(admin: TestClient, path: str) -> None:
    html = admin.get(path).text
    assert "data-chart=" not in html
    assert "charts.js" not in html and "charts.css" not in html and "plotly" not in html.lower()


def test_the_models_page_explains_its_token_stack(admin: TestClient, loaded: str) -> None:
    html = admin.get("/models?range=custom&since=2020-01-01&until=2029-12-31").text
    spec = _spec(html, "chart-kinds")
    assert [s["name"] for s in spec["series"]] == ["Uncached input", "Cached input", "Output"]
    assert 'aria-label="Tokens by kind. ' in html and spec["summary"] in html
