"""Calendar periods: month ends, leap days, quarters, years, time zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from usage_tracker.domain.periods import (
    PeriodError,
    period_containing,
    period_starting,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "start", "end"),
    [
        ("2024-02-29T23:59:59", date(2024, 2, 1), date(2024, 2, 29)),  # leap day
        ("2023-02-28T12:00:00", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-03-01T00:00:00", date(2024, 3, 1), date(2024, 3, 31)),
        ("2024-04-30T23:59:59", date(2024, 4, 1), date(2024, 4, 30)),
        ("2024-12-31T23:59:59", date(2024, 12, 1), date(2024, 12, 31)),
    ],
)
def test_monthly_periods_end_on_the_last_day_of_the_month(
    instant: str, start: date, end: date
) -> None:
    p = period_containing("monthly", at(instant))
    assert (p.start, p.end) == (start, end)
    assert p.utc_days() == (start, end)


def test_quarters_and_years() -> None:
    q = period_containing("quarterly", at("2024-05-15T00:00:00"))
    assert (q.start, q.end, q.label()) == (date(2024, 4, 1), date(2024, 6, 30), "2024-Q2")
    y = period_containing("yearly", at("2024-02-29T00:00:00"))
    assert (y.start, y.end, y.days) == (date(2024, 1, 1), date(2024, 12, 31), 366)
    assert q.next().start == date(2024, 7, 1)
    assert q.previous().start == date(2024, 1, 1)
    assert period_containing("monthly", at("2024-01-10T00:00:00")).previous().start == date(
        2023, 12, 1
    )


def test_a_time_zone_moves_the_boundary() -> None:
    # 2024-02-29 20:00 UTC is already 1 March in Seoul (UTC+9).
    seoul = period_containing("monthly", at("2024-02-29T20:00:00"), "Asia/Seoul")
    assert seoul.start == date(2024, 3, 1)
    assert seoul.start_at == at("2024-02-29T15:00:00")
    # …and still 29 February in New York (UTC-5).
    ny = period_containing("monthly", at("2024-03-01T03:00:00"), "America/New_York")
    assert ny.start == date(2024, 2, 1) and ny.end == date(2024, 2, 29)


def test_utc_days_follow_the_majority_of_each_day() -> None:
    seoul = period_starting("monthly", date(2024, 3, 1), "Asia/Seoul")
    assert seoul.utc_days() == (date(2024, 3, 1), date(2024, 3, 31))
    la = period_starting("monthly", date(2024, 3, 1), "America/Los_Angeles")
    assert la.utc_days() == (date(2024, 3, 1), date(2024, 3, 31))
    kiritimati = period_starting("monthly", date(2024, 3, 1), "Pacific/Kiritimati")  # UTC+14
    assert kiritimati.utc_days() == (date(2024, 2, 29), date(2024, 3, 30))


def test_dst_months_are_shorter_or_longer_by_an_hour() -> None:
    march = period_starting("monthly", date(2024, 3, 1), "Europe/Berlin")
    october = period_starting("monthly", date(2024, 10, 1), "Europe/Berlin")
    assert march.hours == 31 * 24 - 1
    assert october.hours == 31 * 24 + 1
    assert march.end_at == at("2024-03-31T22:00:00")  # CEST begins on the 31st
    assert march.next().start_at == march.end_at
    assert period_containing("monthly", at("2024-03-31T22:30:00"), "Europe/Berlin").start == date(
        2024, 4, 1
    )


def test_a_midnight_skipped_by_dst_still_starts_the_period() -> None:
    # Santiago skipped 2022-09-11 00:00 (clocks went to 01:00); the period starts at the jump.
    p = period_starting("monthly", date(2022, 9, 1), "America/Santiago")
    assert p.contains(p.start_at)
    assert p.start_at < p.end_at


def test_bad_input_is_refused() -> None:
    with pytest.raises(PeriodError):
        period_containing("weekly", at("2024-01-01T00:00:00"))
    with pytest.raises(PeriodError):
        period_containing("monthly", at("2024-01-01T00:00:00"), "Mars/Olympus")
    with pytest.raises(PeriodError):
        period_starting("quarterly", date(2024, 2, 1))
    with pytest.raises(PeriodError):
        period_containing("monthly", datetime(2024, 1, 1))
