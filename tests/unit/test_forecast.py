"""Budget math and the weekday-aware forecast."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from usage_tracker.domain.budgets import (
    BudgetError,
    budget_status,
    check_enforcement,
    crossed_thresholds,
    parse_thresholds,
    percent_used,
    rollover_nanos,
)
from usage_tracker.domain.forecast import forecast
from usage_tracker.domain.money import to_nanos

D = to_nanos(1)


@pytest.mark.parametrize(
    ("spent", "status"),
    [(0, "safe"), (69.99, "safe"), (70, "caution"), (89.99, "caution"), (90, "warning"),
     (100, "warning"), (100.01, "over"), (250, "over")],
)  # fmt: skip
def test_status_bands(spent: float, status: str) -> None:
    assert budget_status(to_nanos(spent), 100 * D) == status


def test_percent_thresholds_and_rollover() -> None:
    assert percent_used(to_nanos("33.333"), 100 * D) == Decimal("33.33")
    assert parse_thresholds("100, 50,80,50") == (50, 80, 100)
    assert parse_thresholds(None) == (50, 80, 100)
    for bad in ("abc", "0", "50,,x", "2000"):
        with pytest.raises(BudgetError):
            parse_thresholds(bad)
    assert crossed_thresholds(80 * D, 100 * D, (50, 80, 100)) == [50, 80]
    assert crossed_thresholds(to_nanos("79.99"), 100 * D, (50, 80, 100)) == [50]
    assert rollover_nanos(100 * D, 60 * D) == 40 * D
    assert rollover_nanos(100 * D, 160 * D) == 0
    with pytest.raises(BudgetError):
        check_enforcement("disable", "user")
    assert check_enforcement("revoke-keys", "key") == "revoke-keys"


def _weekday_series(first: date, last: date, weekday: int, weekend: int) -> dict[date, int]:
    out = {}
    day = first
    while day <= last:
        out[day] = weekend if day.weekday() >= 5 else weekday
        day += timedelta(days=1)
    return out


def test_forecast_expects_weekends_to_look_like_weekends() -> None:
    # $10 on weekdays, $0 at weekends; June 2024 starts on a Saturday.
    series = _weekday_series(date(2024, 5, 1), date(2024, 6, 14), 10 * D, 0)
    f = forecast(series, start=date(2024, 6, 1), end=date(2024, 6, 30),
                 observed_until=date(2024, 6, 14), budget_nanos=1000 * D)  # fmt: skip
    assert f.spent_nanos == 10 * 10 * D  # ten weekdays 3–14 June
    assert f.projected_nanos == 20 * 10 * D  # June 2024 has 20 weekdays
    assert f.runs_out_on is None


def test_forecast_gives_the_day_the_budget_runs_out() -> None:
    series = {date(2024, 6, 1) + timedelta(days=i): 10 * D for i in range(10)}
    series |= {date(2024, 5, 1) + timedelta(days=i): 10 * D for i in range(31)}
    f = forecast(series, start=date(2024, 6, 1), end=date(2024, 6, 30),
                 observed_until=date(2024, 6, 10), budget_nanos=230 * D)  # fmt: skip
    assert f.runs_out_on == date(2024, 6, 23)
    assert f.projected_nanos == 300 * D
    assert f.cumulative()[-1] == (date(2024, 6, 30), 300 * D)


def test_a_partial_today_counts_at_least_its_expected_spend() -> None:
    series = {date(2024, 5, 1) + timedelta(days=i): 10 * D for i in range(41)}
    series[date(2024, 6, 11)] = 2 * D  # today, so far
    f = forecast(series, start=date(2024, 6, 1), end=date(2024, 6, 30),
                 observed_until=date(2024, 6, 11), budget_nanos=10_000 * D)  # fmt: skip
    assert f.spent_nanos == 102 * D
    assert f.projected_nanos == 300 * D


def test_short_history_uses_the_plain_mean_and_no_history_forecasts_nothing() -> None:
    series = {date(2024, 6, 1) + timedelta(days=i): 6 * D for i in range(3)}
    f = forecast(series, start=date(2024, 6, 1), end=date(2024, 6, 30),
                 observed_until=date(2024, 6, 4), budget_nanos=100 * D)  # fmt: skip
    assert f.projected_nanos == 180 * D
    assert f.runs_out_on == date(2024, 6, 17)
    empty = forecast({}, start=date(2024, 6, 1), end=date(2024, 6, 30),
                     observed_until=date(2024, 5, 31), budget_nanos=100 * D)  # fmt: skip
    assert (empty.spent_nanos, empty.projected_nanos, empty.runs_out_on) == (0, 0, None)
