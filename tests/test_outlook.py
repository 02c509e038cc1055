"""Outlook for next month: from the same month a year before and the recent trend, with a backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from citistat.periods import period_range
from citistat.score.foresight_settings import OutlookSettings
from citistat.score.outlook import outlook

PERIOD = "2024-03"


def counts(periods: list[str], level, rng=None) -> pd.DataFrame:
    """level(district, category, period) -> expected tickets; Poisson draws when rng is given."""
    rows = []
    for period in periods:
        for district in ("东城区", "西城区"):
            for category in ("供暖", "噪声", "园林绿化"):
                mean = level(district, category, period)
                rows.append((period, district, category, int(rng.poisson(mean)) if rng is not None else int(mean)))
    return pd.DataFrame(rows, columns=["period", "district", "category", "n_tickets"])


def spring(district: str, category: str, period: str) -> float:
    """Greening complaints treble every April in 东城区; everything else is flat."""
    if category == "园林绿化" and district == "东城区" and period.endswith("-04"):
        return 90
    return 30


def test_a_category_that_rose_next_month_last_year_is_named_for_its_district():
    result = outlook(counts(period_range("2023-03", PERIOD), spring), PERIOD, OutlookSettings())
    assert result.reason is None and result.target == "2024-04" and result.months == 13
    assert [(r.district, r.category) for r in result.rows] == [("东城区", "园林绿化")]
    assert result.rows[0].forecast == 90 and result.rows[0].rise == 60
    assert result.backtest is None  # 13 months: no earlier outlook can be scored


def test_the_recent_trend_scales_the_forecast():
    def grown(district, category, period):
        return spring(district, category, period) * (2 if period >= "2024-01" else 1)

    result = outlook(counts(period_range("2023-03", PERIOD), grown), PERIOD, OutlookSettings())
    row = next(r for r in result.rows if r.category == "园林绿化")
    assert row.n == 60 and row.forecast == round(90 * 61 / 31, 1)  # last April × this March ÷ last March


def test_with_less_than_thirteen_months_it_says_so_and_shows_nothing():
    result = outlook(counts(period_range("2023-04", PERIOD), spring), PERIOD, OutlookSettings())
    assert result.reason == "short history" and result.rows == [] and result.backtest is None
    assert outlook(None, PERIOD, OutlookSettings()).reason == "short history"


def test_the_backtest_scores_last_years_outlooks_against_what_came():
    rng = np.random.default_rng(3)

    def seasonal(district, category, period):
        month = int(period[-2:])
        peak = {"供暖": (12, 1, 2), "噪声": (6, 7, 8), "园林绿化": (4, 5)}[category]
        return 60 if month in peak else 20

    exact = outlook(counts(period_range("2022-02", PERIOD), seasonal), PERIOD, OutlookSettings()).backtest
    assert exact.outlooks == 12 and exact.precision == 1.0 and exact.recall == 1.0  # a season that repeats exactly
    assert (
        exact.came_true == exact.named == exact.rises == 6
    )  # each category rises into its peak once, in two districts
    noisy = outlook(counts(period_range("2022-02", PERIOD), seasonal, rng), PERIOD, OutlookSettings()).backtest
    assert noisy.outlooks == 12 and noisy.named > 0
    assert noisy.precision > 1.5 * noisy.base_rate  # with Poisson noise: well above guessing, and it says how well
    one = outlook(counts(period_range("2023-02", PERIOD), seasonal, rng), PERIOD, OutlookSettings())
    assert one.backtest.outlooks == 1  # 14 months: last month's outlook alone can be scored
