"""Chart specs (plain JSON) for the views; static/charts.js only draws them, as SVG.

A spec says what to draw and how to read it: its bands (UTC days or names) and series, axis
titles with their units, the locale and currency the browser formats numbers and dates in, and a
one-sentence summary for screen readers. Values are floats for drawing only; every amount in a
summary is summed from integer nanos and formatted by the page's Formatter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from usage_tracker.services.reports.types import BreakdownRow
from usage_tracker.services.spend.budget_status import BudgetState
from usage_tracker.web.i18n import Formatter

MAX_SERIES = 8
Spec = dict[str, Any]
Gettext = Callable[[str], str]


def _frame(
    fmt: Formatter,
    _: Gettext,
    *,
    kind: str,
    bands: list[str],
    band_title: str,
    value_title: str,
    unit: str,
    series: list[dict[str, Any]],
    summary: str,
    dates: bool = False,
    horizontal: bool = False,
    stacked: bool = False,
    note: str | None = None,
) -> Spec:
    return {
        "kind": kind,
        "horizontal": horizontal,
        "stacked": stacked,
        "locale": fmt.locale_tag,
        "currency": fmt.currency,
        "bands": {"values": bands, "title": band_title, "dates": dates},
        "values": {"title": value_title, "unit": unit},
        "series": series,
        "summary": summary,
        "note": note,
        "text": {
            "total": _("Total"),
            "data": _("Chart data"),
            "png": _("Download PNG"),
            "empty": _("No data in this period."),
        },
    }


def _amount(fmt: Formatter, nanos: int | None) -> float | None:
    return None if nanos is None else round(fmt.chart_amount(nanos), 6)


def _money_title(fmt: Formatter, _: Gettext) -> str:
    return _("Cost (%(currency)s)") % {"currency": fmt.currency_symbol()}


def _days(rows: list[BreakdownRow]) -> list[BreakdownRow]:
    """Daily rows with the days between them that have no data filled in (as empty rows)."""
    by_day = {row.key: row for row in rows if row.key}
    if not by_day:
        return []
    first, last = date.fromisoformat(min(by_day)), date.fromisoformat(max(by_day))
    span = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [by_day.get(d.isoformat()) or BreakdownRow(key=d.isoformat()) for d in span]


def _series_order(rows: Iterable[BreakdownRow]) -> list[str]:
    totals: dict[str, int] = {}
    for row in rows:
        for key, nanos in row.split.items():
            totals[key] = totals.get(key, 0) + nanos
    return sorted(totals, key=lambda k: -totals[k])


def stacked_daily(
    rows: list[BreakdownRow], fmt: Formatter, _: Gettext, names: dict[str, str] | None = None
) -> Spec:
    """Daily cost as stacked bars, one series per split key (top 8, the rest as "Other")."""
    names = names or {}
    rows = _days(rows)
    order = _series_order(rows)
    head, tail = order[:MAX_SERIES], set(order[MAX_SERIES:])
    series: list[dict[str, Any]] = []
    if not order:
        values = [_amount(fmt, r.cost_nanos) for r in rows]
        series.append({"name": _("Cost"), "values": values, "color": "0"})
    for i, key in enumerate(head):
        values = [_amount(fmt, row.split.get(key, 0)) for row in rows]
        series.append({"name": names.get(key, key), "values": values, "color": str(i)})
    if tail:
        values = [_amount(fmt, sum(v for k, v in r.split.items() if k in tail)) for r in rows]
        series.append({"name": _("Other"), "values": values, "color": "other"})
    return _frame(
        fmt, _, kind="bar", stacked=True, dates=True, bands=[r.key or "" for r in rows],
        band_title=_("Day (UTC)"), value_title=_money_title(fmt, _), unit="money",
        series=series, summary=_daily_summary(rows, fmt, _),
    )  # fmt: skip


def _daily_summary(rows: list[BreakdownRow], fmt: Formatter, _: Gettext) -> str:
    if not rows:
        return _("No data in this period.")
    peak = max(rows, key=lambda r: r.cost_nanos or 0)
    text = _(
        "%(days)s days, %(first)s to %(last)s: %(total)s in all; "
        "the highest day is %(day)s with %(amount)s."
    )
    return text % {
        "days": fmt.number(len(rows)),
        "first": fmt.day(date.fromisoformat(rows[0].key or "")),
        "last": fmt.day(date.fromisoformat(rows[-1].key or "")),
        "total": fmt.money(sum(r.cost_nanos or 0 for r in rows)),
        "day": fmt.day(date.fromisoformat(peak.key or "")),
        "amount": fmt.money(peak.cost_nanos or 0),
    }


def band_title(by: str, _: Gettext) -> str:
    """The name of what a ranking ranks, as its table's first column says."""
    titles = {
        "user": _("User"),
        "project": _("Project"),
        "model": _("Model"),
        "api_key": _("API key"),
    }
    return titles.get(by, "")


def row_name(row: BreakdownRow, _: Gettext) -> str:
    """A row's name as shown: the not-attributed row's words (reports.attribution) translated."""
    if row.key is None and row.label:
        return _(row.label)
    return row.label or row.key or _("(none)")


def ranking(rows: list[BreakdownRow], fmt: Formatter, _: Gettext, by: str) -> Spec:
    """Horizontal cost bars, largest on top, full names (the browser shortens what does not fit)."""
    labels = [row_name(row, _) for row in rows]
    values = [_amount(fmt, row.cost_nanos) for row in rows]
    if rows:
        top = max(rows, key=lambda r: r.cost_nanos or 0)
        summary = _("%(count)s shown; the largest is %(name)s with %(amount)s.") % {
            "count": fmt.number(len(rows)),
            "name": row_name(top, _),
            "amount": fmt.money(top.cost_nanos),
        }
    else:
        summary = _("No data in this period.")
    return _frame(
        fmt, _, kind="bar", horizontal=True, bands=labels, band_title=band_title(by, _),
        value_title=_money_title(fmt, _), unit="money", summary=summary,
        series=[{"name": _("Cost"), "values": values, "color": "0"}],
    )  # fmt: skip


def tokenless(rows: list[BreakdownRow]) -> list[BreakdownRow]:
    """Rows with requests but no tokens: models measured in images, audio seconds or
    characters, whose token bars would read as zero use."""
    return [r for r in rows if r.requests and not r.total_tokens]


def token_kinds(rows: list[BreakdownRow], fmt: Formatter, _: Gettext) -> Spec:
    """Tokens per model as uncached input + cached input + output: each bar is input + output.

    Cached input is part of input, so it is never stacked on top of the whole input. Models
    not measured in tokens (images, audio) are left out and named in the note."""
    others = tokenless(rows)
    rows = [r for r in rows if r.total_tokens]
    cached = [min(r.cached_input_tokens, r.input_tokens) for r in rows]
    uncached = [r.input_tokens - c for r, c in zip(rows, cached, strict=True)]
    series = [
        {"name": _("Uncached input"), "values": uncached, "color": "0"},
        {"name": _("Cached input"), "values": cached, "color": "1"},
        {"name": _("Output"), "values": [r.output_tokens for r in rows], "color": "2"},
    ]
    if rows:
        summary = _(
            "%(total)s tokens: %(input)s input, of which %(cached)s cached, and %(output)s output."
        ) % {
            "total": fmt.number(sum(r.input_tokens + r.output_tokens for r in rows)),
            "input": fmt.number(sum(r.input_tokens for r in rows)),
            "cached": fmt.number(sum(cached)),
            "output": fmt.number(sum(r.output_tokens for r in rows)),
        }
    else:
        summary = _("No data in this period.")
    note = _(
        "Each bar is the input plus the output tokens; "
        "cached input is the part of the input read from the cache."
    )
    if others:
        names = ", ".join(r.key or _("(none)") for r in others)
        note += " " + _("Not measured in tokens (images, audio): %(models)s.") % {"models": names}
    return _frame(
        fmt, _, kind="bar", horizontal=True, stacked=True,
        bands=[row.key or _("(none)") for row in rows], band_title=_("Model"),
        value_title=_("Tokens"), unit="tokens", series=series, summary=summary, note=note,
    )  # fmt: skip


def burn(state: BudgetState, fmt: Formatter, _: Gettext) -> Spec:
    """Cumulative spend (actual, then the forecast dashed) against the budget line."""
    days: list[str] = []
    spent: list[float | None] = []
    ahead: list[float | None] = []
    total, last_actual = 0, None
    for day, nanos, projected in state.daily:
        total += nanos
        days.append(day.isoformat())
        spent.append(None if projected else _amount(fmt, total))
        ahead.append(_amount(fmt, total) if projected else None)
        if not projected:
            last_actual = len(days) - 1
    if last_actual is not None and last_actual + 1 < len(days):
        ahead[last_actual] = spent[last_actual]
    line = _amount(fmt, state.budget_nanos)
    summary = _(
        "%(spent)s spent of a %(budget)s budget; at this pace %(forecast)s by %(last)s."
    ) % {
        "spent": fmt.money(state.spent_nanos),
        "budget": fmt.money(state.budget_nanos),
        "forecast": fmt.money(state.forecast_nanos),
        "last": fmt.day(state.utc_until),
    }
    series: list[dict[str, Any]] = [
        {"name": _("Spent"), "values": spent, "color": "0", "area": True},
        {"name": _("Forecast"), "values": ahead, "color": "0", "line": "dash"},
        {"name": _("Budget"), "values": [line] * len(days), "color": "danger", "line": "dot"},
    ]
    title = _("Cumulative spend (%(currency)s)") % {"currency": fmt.currency_symbol()}
    return _frame(
        fmt, _, kind="line", dates=True, bands=days, band_title=_("Day (UTC)"),
        value_title=title, unit="money", series=series, summary=summary,
    )  # fmt: skip
