"""Outlook for next month: the categories likely to rise per district, and how well it did before.

For each district × category cell, next month is forecast as the same month a year before,
scaled by the cell's recent trend:

    forecast(t+1) = y(t−11) × g,   g = (Σ y(m) + 1) / (Σ y(m−12) + 1)

over the recent months m ∈ {t−2, t−1, t} whose month a year earlier is known (the +1 keeps a
cell that was empty a year ago finite). A category is *likely to rise* in a district when the
forecast is at least `min_rise` tickets and `min_rise_share` above this month's count; each
district lists its largest expected rises: candidates for next 每月一题.

The forecast needs the same month a year before next month, so with less than 13 months of
history the outlook says so and lists nothing. The backtest applies the same rule at each month
of the last year whose inputs are in the history (14 months are needed for one, 25 for all twelve)
and reports how many of the rises it named came true (precision), how many of the rises that came
it named (recall), and how often a cell rises at all (the base rate a reader compares them with).
"""

from __future__ import annotations

import pandas as pd

from ..foresight import Outlook, OutlookBacktest, OutlookRow
from ..periods import shift_period
from .foresight_settings import OutlookSettings

GRAIN = "district_category"
RECENT_MONTHS = 3


def cell_table(counts: pd.DataFrame) -> pd.DataFrame:
    """(district, category) × period -> tickets; the columns are the periods that have this grain."""
    frame = counts.loc[
        counts["district"].notna().to_numpy() & counts["category"].notna().to_numpy(),
        ["period", "district", "category", "n_tickets"],
    ]
    return (
        frame.groupby(["district", "category", "period"], observed=True)["n_tickets"]
        .sum()
        .unstack("period", fill_value=0)
        .astype(int)
    )


def forecast(table: pd.DataFrame, origin: str) -> pd.Series | None:
    """Each cell's forecast for the month after `origin`, or None when the inputs are not in the table."""
    same_month = shift_period(origin, -11)
    pairs = [
        m
        for m in (shift_period(origin, -k) for k in range(RECENT_MONTHS))
        if m in table.columns and shift_period(m, -12) in table.columns
    ]
    if origin not in table.columns or same_month not in table.columns or not pairs:
        return None
    growth = (table[pairs].sum(axis=1) + 1) / (table[[shift_period(m, -12) for m in pairs]].sum(axis=1) + 1)
    return table[same_month] * growth


def likely_rises(table: pd.DataFrame, origin: str, settings: OutlookSettings) -> pd.DataFrame | None:
    """The cells forecast to rise after `origin`: district, category, now, forecast, rise."""
    predicted = forecast(table, origin)
    if predicted is None:
        return None
    now = table[origin]
    frame = pd.DataFrame({"now": now, "forecast": predicted, "rise": predicted - now})
    rising = (frame["rise"] >= settings.min_rise) & (frame["forecast"] >= now * (1 + settings.min_rise_share))
    return frame.loc[rising].reset_index()


def backtest(table: pd.DataFrame, period: str, settings: OutlookSettings) -> OutlookBacktest | None:
    """The rule applied at each month of the last year it can be, scored against what came next."""
    named = hits = rises = cells = outlooks = 0
    for k in range(12, 0, -1):
        origin, target = shift_period(period, -k), shift_period(period, -k + 1)
        flagged = likely_rises(table, origin, settings)
        if flagged is None or target not in table.columns:
            continue
        actual = table[target] - table[origin]
        rose = (actual >= settings.min_rise) & (table[target] >= table[origin] * (1 + settings.min_rise_share))
        keys = set(zip(flagged["district"], flagged["category"]))
        outlooks += 1
        cells += len(table)
        rises += int(rose.sum())
        named += len(keys)
        hits += int(sum(bool(rose.loc[key]) for key in keys))
    if outlooks == 0:
        return None
    return OutlookBacktest(
        outlooks=outlooks,
        named=named,
        came_true=hits,
        rises=rises,
        precision=hits / named if named else None,
        recall=hits / rises if rises else None,
        base_rate=rises / cells if cells else None,
    )


def outlook(counts: pd.DataFrame | None, period: str, settings: OutlookSettings) -> Outlook:
    target = shift_period(period, 1)
    if counts is None or counts.empty or "district" not in counts.columns:
        return Outlook(target=target, months=0, reason="short history")
    table = cell_table(counts)
    months = len([p for p in table.columns if p <= period])
    rising = likely_rises(table, period, settings) if period in table.columns else None
    if rising is None:
        return Outlook(target=target, months=months, reason="short history")
    rising = rising.sort_values(["district", "rise", "category"], ascending=[True, False, True])
    chosen = rising.groupby("district", sort=True).head(settings.per_district)
    rows = [
        OutlookRow(str(district), str(category), int(now), round(float(forecast), 1), round(float(rise), 1))
        for district, category, now, forecast, rise in chosen[
            ["district", "category", "now", "forecast", "rise"]
        ].itertuples(index=False, name=None)
    ]
    return Outlook(target=target, months=months, rows=rows, backtest=backtest(table, period, settings))
