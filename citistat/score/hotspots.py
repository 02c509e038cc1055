"""Emerging hot spots: place × category cells this period significantly above their own baseline.

The test, per cell (district × category, all agencies together):

- baseline: the cell's tickets Y over the `baseline_periods` known periods before this one;
- season: when the same month a year before is in the baseline, the category's city-wide
  counts give each month its weight w (the cell is assumed to follow its category's season;
  the counts of a whole category are large enough to estimate it). Without that month every
  month weighs the same and the scan says it is not seasonal;
- under "no change" the period's count x, given the cell's total x + Y, is
  Binomial(x + Y, p0) with p0 = w_now / (w_now + Σ w_baseline) (the exact conditional test for
  two Poisson counts); the one-sided p-value is P(X ≥ x). The expected count is Y·w_now/Σw.
  With a season, w_now is the category's count of the same month a year before: one month's
  count, itself noisy, so p0 is given a Beta(w_now + ½, Σw + ½) spread and x is beta-binomial
  (treating it as known lets about one simulated no-change city in ten list a false hot spot);
- cells with fewer than `min_total` tickets in all are not tested (their total, the statistic the
  test conditions on, decides this, so the selection keeps the test exact);
- Benjamini–Hochberg across the cells tested: a cell is listed when its q-value ≤ `fdr` and it is
  above its expected count, so on average at most `fdr` of the listed cells are false alarms.

tests/test_hotspots.py checks both on simulated cities: with no change the listed cells are false at
most 5 % of the time; a planted doubling of a 50-ticket cell is found at least 90 % of the time.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import pandas as pd

from ..foresight import HotSpot, HotSpotScan
from ..periods import shift_period
from .foresight_settings import HotspotSettings
from .stats import benjamini_hochberg, beta_binomial_upper_tail, binomial_upper_tail

GRAIN = "district_category"


def _cell_table(counts: pd.DataFrame, level: str) -> pd.Series:
    """period × (place, category) -> tickets, for rows with both keys."""
    frame = counts.loc[
        counts[level].notna().to_numpy() & counts["category"].notna().to_numpy(),
        ["period", level, "category", "n_tickets"],
    ]
    return frame.groupby(["period", level, "category"], observed=True)["n_tickets"].sum().astype(int)


def _season(
    category_totals: Mapping[Hashable, Mapping[Hashable, int]], category: str, now: str, baseline: list[str]
) -> tuple[float, float] | None:
    """(the category's tickets in the same month a year before, its tickets over the baseline) or None."""
    weights = category_totals.get(category)
    if weights is None:
        return None
    same_month = float(weights.get(shift_period(now, -12), 0))
    base = float(sum(weights.get(p, 0) for p in baseline))
    return (same_month, base) if same_month > 0 and base > 0 else None


def cell_test(x: int, y: int, n_baseline: int, season: tuple[float, float] | None) -> tuple[float, float]:
    """(expected count, one-sided p-value) of a cell with x tickets now and y over `n_baseline` periods.

    Without a season every period weighs the same: x | x + y ~ Binomial(x + y, 1 / (n_baseline + 1)).
    With one, p0 = same_month / (same_month + baseline) is estimated from the category's counts, so
    p0 is given its own uncertainty, Beta(same_month + ½, baseline + ½), and x | x + y is beta-binomial.
    """
    if season is None:
        p0 = 1.0 / (n_baseline + 1)
        return y * p0 / (1 - p0), binomial_upper_tail(x, x + y, p0)
    same_month, base = season
    return y * same_month / base, beta_binomial_upper_tail(x, x + y, same_month + 0.5, base + 0.5)


def scan(counts: pd.DataFrame, period: str, settings: HotspotSettings) -> HotSpotScan:
    """Test every cell of `period` against its baseline; list the significant rises."""
    level = settings.level
    if counts is None or counts.empty or level not in counts.columns:
        return _nothing_tested(settings, 0, "no history")
    cells = _cell_table(counts, level)
    periods = set(cells.index.get_level_values("period"))
    window = [shift_period(period, -k) for k in range(1, settings.baseline_periods + 1)]
    baseline = [p for p in window if p in periods]
    if period not in periods or not baseline:
        return _nothing_tested(settings, len(baseline), "no cells" if period not in periods else "no history")
    seasonal = shift_period(period, -12) in baseline
    table = cells.unstack("period", fill_value=0)
    now, base = table[period], table[baseline].sum(axis=1)
    category_totals = cells.groupby(["category", "period"]).sum().unstack("period", fill_value=0).to_dict("index")
    rows = []
    places, categories = now.index.get_level_values(level), now.index.get_level_values("category")
    for place, category, x in zip(places, categories, now.tolist()):
        y = int(base.loc[(place, category)])
        if x + y < settings.min_total:
            continue
        season = _season(category_totals, category, period, baseline) if seasonal else None
        rows.append((str(place), str(category), int(x), y, *cell_test(int(x), y, len(baseline), season)))
    q_values = benjamini_hochberg([r[5] for r in rows])
    spots = []
    for (place, category, x, y, expected, p), q in zip(rows, q_values):
        if q <= settings.fdr and x > expected:
            spots.append(
                HotSpot(
                    place,
                    category,
                    x,
                    round(expected, 2),
                    round(x / expected, 3) if expected else None,
                    y,
                    len(baseline),
                    p,
                    q,
                )
            )
    spots.sort(key=lambda s: (s.q_value, -(s.ratio or float("inf")), s.place, s.category))
    return HotSpotScan(
        level=level,
        cells_tested=len(rows),
        baseline_periods=len(baseline),
        seasonal=seasonal,
        fdr=settings.fdr,
        hot_spots=spots[: settings.list_size],
        significant=len(spots),
        reason=None if rows else "no cells",
    )


def _nothing_tested(settings: HotspotSettings, baseline_periods: int, reason: str) -> HotSpotScan:
    return HotSpotScan(
        level=settings.level,
        cells_tested=0,
        baseline_periods=baseline_periods,
        seasonal=False,
        fdr=settings.fdr,
        reason=reason,
    )
