"""Engine output in the shapes the rest of citistat reads: the frames of count_all, the screens' tables."""

from __future__ import annotations

import pandas as pd

from ..count import ALL_COUNT_COLUMNS, GRAINS, empty_counts
from .sql import KEY_COLUMNS, grain_of_flags, grouping_flag


def as_counts(frame: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Keys as text, counts as int64, rows in key order with missing keys last (as count_all gives them)."""
    if frame.empty:
        return empty_counts(by)
    out = pd.DataFrame({key: frame[key].astype("string") for key in by})
    for name in ALL_COUNT_COLUMNS:
        out[name] = frame[name].astype("int64")
    return out.sort_values(list(by), na_position="last", kind="stable").reset_index(drop=True)


def split_grains(grouped: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The grouping-sets result (sql.counts_sql) as one frame per grain."""
    flags = [grouping_flag(key) for key in KEY_COLUMNS]
    if grouped.empty:
        return {grain: empty_counts(by) for grain, by in GRAINS.items()}
    pattern = grouped[flags].astype("int64").astype(str).agg("".join, axis=1)
    by_pattern = {"".join(map(str, bits)): grain for bits, grain in grain_of_flags().items()}
    grain_of_row = pattern.map(by_pattern)
    return {grain: as_counts(grouped.loc[(grain_of_row == grain).to_numpy()], by) for grain, by in GRAINS.items()}


def by_period(counts: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """{grain: counts of many periods} -> {period: {grain: that period's counts}}."""
    periods = sorted({str(p) for frame in counts.values() for p in frame["period"].dropna().unique()})
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for period in periods:
        out[period] = {
            grain: frame.loc[(frame["period"] == period).fillna(False).to_numpy()].reset_index(drop=True)
            for grain, frame in counts.items()
        }
    return out


CAME_BACK_COLUMNS = ("ticket_id", "agency", "caller_key")
CALLER_TOTAL_COLUMNS = (
    "unit",
    "caller_key",
    "tickets",
    "after_solved",
    "dissatisfied",
    "in_period",
    "first_seen",
    "last_seen",
)


def as_came_back(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {c: frame[c].astype("string") if c in frame else pd.Series([], dtype="string") for c in CAME_BACK_COLUMNS}
    )
    return out.sort_values("ticket_id", kind="stable").reset_index(drop=True)


def as_caller_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """SQL caller tallies (times as integer nanoseconds) as score.repeat.caller_totals gives them."""
    out = pd.DataFrame(
        {
            "unit": frame["unit"].astype("string"),
            "caller_key": frame["caller_key"].astype("string"),
            **{c: frame[c].astype("int64") for c in ("tickets", "after_solved", "dissatisfied", "in_period")},
            "first_seen": pd.to_datetime(frame["first_ns"].astype("int64"), unit="ns"),
            "last_seen": pd.to_datetime(frame["last_ns"].astype("int64"), unit="ns"),
        }
    )
    return out.sort_values(["unit", "caller_key"], kind="stable").reset_index(drop=True)
