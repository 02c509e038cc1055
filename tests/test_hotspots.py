"""Emerging hot spots: calibrated on simulated cities with no change, powerful on a planted rise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from citistat.periods import period_range
from citistat.score.foresight_settings import HotspotSettings
from citistat.score.hotspots import scan

PERIOD = "2024-03"
PERIODS = period_range("2023-03", PERIOD)  # 12 baseline months and the period
DISTRICTS = [f"区{i}" for i in range(8)]
CATEGORIES = [f"类{i}" for i in range(12)]
RUNS = 200  # per scenario; a fixed seed keeps the figures (and the suite's time) fixed


def simulated_city(
    rng: np.random.Generator, planted: tuple[str, str, float] | None = None, rise: float = 2.0
) -> pd.DataFrame:
    """Monthly counts per district × category: each cell its own level, each category its own season."""
    level = rng.lognormal(mean=2.5, sigma=0.9, size=(len(DISTRICTS), len(CATEGORIES)))  # ~3 to ~70 a month
    amplitude = rng.uniform(0.0, 0.6, size=len(CATEGORIES))
    phase = rng.uniform(0, 12, size=len(CATEGORIES))
    rows = []
    for m, period in enumerate(PERIODS):
        season = 1 + amplitude * np.sin(2 * np.pi * (m + phase) / 12)
        mean = level * season
        if planted is not None:
            d, c, base = planted
            mean[d, c] = base * season[c] * (rise if period == PERIOD else 1.0)
        counts = rng.poisson(mean)
        for d, district in enumerate(DISTRICTS):
            for c, category in enumerate(CATEGORIES):
                rows.append((period, district, category, int(counts[d, c])))
    return pd.DataFrame(rows, columns=["period", "district", "category", "n_tickets"])


def listed(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return {(s.place, s.category) for s in scan(frame, PERIOD, HotspotSettings(list_size=1000)).hot_spots}


def false_share(found: set, true: set) -> float:
    return len(found - true) / len(found) if found else 0.0


@pytest.fixture(scope="module")
def null_runs():
    rng = np.random.default_rng(2024)
    return [listed(simulated_city(rng)) for _ in range(RUNS)]


@pytest.fixture(scope="module")
def planted_runs():
    """A cell of about 50 tickets a month doubled to about 100 this period."""
    rng = np.random.default_rng(15)
    runs = []
    for _ in range(RUNS):
        d, c = int(rng.integers(0, len(DISTRICTS))), int(rng.integers(0, len(CATEGORIES)))
        runs.append(((DISTRICTS[d], CATEGORIES[c]), listed(simulated_city(rng, planted=(d, c, 50.0)))))
    return runs


def test_with_no_change_at_most_five_percent_of_listed_hot_spots_are_false(null_runs):
    fdr = np.mean([false_share(found, set()) for found in null_runs])
    print(f"no-change false-discovery rate: {fdr:.3f} over {RUNS} simulated cities")
    assert fdr <= 0.05


def test_a_doubled_fifty_ticket_cell_is_found_nine_times_in_ten(planted_runs):
    power = np.mean([cell in found for cell, found in planted_runs])
    fdr = np.mean([false_share(found, {cell}) for cell, found in planted_runs])
    print(f"planted 2x rise (50 -> 100 tickets) found: {power:.3f}; false share of listed: {fdr:.3f}")
    assert power >= 0.90
    assert fdr <= 0.05


def test_the_season_is_not_a_hot_spot():
    """A category that doubles every March city-wide is no hot spot in March."""
    rows = []
    for period in PERIODS:
        march = period.endswith("-03")
        for district in DISTRICTS[:4]:
            rows.append((period, district, "供暖", 80 if march else 40))
            rows.append((period, district, "噪声", 40))
    frame = pd.DataFrame(rows, columns=["period", "district", "category", "n_tickets"])
    result = scan(frame, PERIOD, HotspotSettings())
    assert result.seasonal and result.cells_tested == 8 and result.hot_spots == []
    flat = frame.loc[frame["period"] != "2023-03"]  # without last March the season cannot be seen
    unseasonal = scan(flat, PERIOD, HotspotSettings())
    assert not unseasonal.seasonal and {s.category for s in unseasonal.hot_spots} == {"供暖"}


def test_p_and_q_values_are_reported_and_small_cells_are_not_tested():
    rows = [(p, "东城区", "噪声", 40 if p != PERIOD else 90) for p in PERIODS]
    rows += [(p, "西城区", "噪声", 1) for p in PERIODS]
    result = scan(
        pd.DataFrame(rows, columns=["period", "district", "category", "n_tickets"]), PERIOD, HotspotSettings()
    )
    assert result.cells_tested == 1  # 13 tickets in all in 西城区: below min_total
    spot = result.hot_spots[0]
    assert spot.n == 90 and spot.expected == pytest.approx(40.0) and spot.ratio == pytest.approx(2.25)
    assert 0 < spot.p_value < 1e-4 and spot.q_value == pytest.approx(spot.p_value)


def test_without_history_the_scan_says_so():
    frame = pd.DataFrame([(PERIOD, "东城区", "噪声", 50)], columns=["period", "district", "category", "n_tickets"])
    assert scan(frame, PERIOD, HotspotSettings()).reason == "no history"
    assert scan(frame.iloc[:0], PERIOD, HotspotSettings()).reason == "no history"
