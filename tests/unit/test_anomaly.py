"""Anomaly detection on synthetic series with known spikes (median/MAD, noise filters)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from usage_tracker.domain.anomaly import detect, scan
from usage_tracker.domain.money import to_nanos

D = to_nanos(1)
DAY0 = date(2024, 3, 1)


def noisy(days: int, mean: float, spread: float, seed: int) -> dict[date, int]:
    rng = random.Random(seed)
    return {
        DAY0 + timedelta(days=i): to_nanos(round(rng.gauss(mean, spread), 2)) for i in range(days)
    }


def test_known_spikes_are_found_and_ordinary_days_are_not() -> None:
    series = noisy(60, 100, 8, seed=1)
    spikes = {DAY0 + timedelta(days=40): 400 * D, DAY0 + timedelta(days=52): 260 * D}
    series.update(spikes)
    found = {
        day for day in (DAY0 + timedelta(days=i) for i in range(30, 60))
        if detect(series, day, min_nanos=10 * D) is not None
    }  # fmt: skip
    assert found == set(spikes)
    hit = detect(series, DAY0 + timedelta(days=40), min_nanos=10 * D)
    assert hit is not None and hit.score > 6 and 90 * D < hit.baseline_nanos < 110 * D


def test_an_earlier_spike_does_not_hide_the_next_one() -> None:
    series = noisy(60, 50, 3, seed=2)
    series[DAY0 + timedelta(days=45)] = 500 * D
    series[DAY0 + timedelta(days=50)] = 300 * D
    assert detect(series, DAY0 + timedelta(days=50), min_nanos=10 * D) is not None


def test_small_dollars_and_short_history_stay_quiet() -> None:
    cents = noisy(60, 0.05, 0.01, seed=3)
    cents[DAY0 + timedelta(days=59)] = 3 * D  # 60× its baseline, but only $3
    assert detect(cents, DAY0 + timedelta(days=59), min_nanos=10 * D) is None
    young = {DAY0 + timedelta(days=i): 10 * D for i in range(5)}
    young[DAY0 + timedelta(days=5)] = 900 * D
    assert detect(young, DAY0 + timedelta(days=5), min_nanos=10 * D) is None
    assert detect({}, DAY0, min_nanos=D) is None


def test_a_flat_series_uses_a_floor_for_its_spread() -> None:
    flat = {DAY0 + timedelta(days=i): 20 * D for i in range(30)}
    flat[DAY0 + timedelta(days=30)] = 21 * D
    assert detect(flat, DAY0 + timedelta(days=30), min_nanos=D / 2) is None
    flat[DAY0 + timedelta(days=30)] = 80 * D
    assert detect(flat, DAY0 + timedelta(days=30), min_nanos=10 * D) is not None


def test_scan_keys_findings_by_series() -> None:
    quiet = noisy(40, 30, 2, seed=4)
    loud = dict(quiet)
    loud[DAY0 + timedelta(days=39)] = 300 * D
    found = scan({"proj_a": quiet, "proj_b": loud}, DAY0 + timedelta(days=39), min_nanos=10 * D)
    assert list(found) == ["proj_b"]
