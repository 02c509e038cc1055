"""Count: canonical tickets in, additive counts out.

Every count is an integer that adds up across files, days, agencies and
machines; rates are derived only in the score stage. A ticket falls in exactly
one of yes / no / unknown for each call-back question, so for every row
`responded + not_responded + response_unknown == n_tickets` (and likewise for
resolution and the ten satisfaction levels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .tickets import SATISFACTION_LEVELS, empty_tickets, period_of

# The additive count columns, in display order (docs/architecture.md).
COUNT_COLUMNS: tuple[str, ...] = (
    "n_tickets",
    "responded",
    "not_responded",
    "response_unknown",
    "resolved",
    "not_resolved",
    "resolution_unknown",
    "very_satisfied",
    "satisfied_plain",
    "basically_satisfied",
    "dissatisfied_plain",
    "very_dissatisfied",
    "not_surveyed",
    "refused",
    "unreachable",
    "satisfaction_unknown",
    "valid_callback",
    "closed",
    "due_known",
    "closed_on_time",
    "overdue",
    "reopened",
    "quick_closed",
    "neutral",
)

# The same yes/no answers restricted to tickets whose call-back was marked valid (是否有效回访),
# so scoring may use "valid call-backs only" as the base without going back to the tickets.
VALID_BASE_COLUMNS: tuple[str, ...] = (
    "valid_responded",
    "valid_not_responded",
    "valid_resolved",
    "valid_not_resolved",
    "valid_very_satisfied",
    "valid_satisfied_plain",
    "valid_basically_satisfied",
    "valid_dissatisfied_plain",
    "valid_very_dissatisfied",
    "valid_neutral",
)

ALL_COUNT_COLUMNS: tuple[str, ...] = COUNT_COLUMNS + VALID_BASE_COLUMNS

# Satisfaction level (canonical) -> count column.
SATISFACTION_COLUMNS: dict[str, str] = {
    "very_satisfied": "very_satisfied",
    "satisfied": "satisfied_plain",
    "basically_satisfied": "basically_satisfied",
    "dissatisfied": "dissatisfied_plain",
    "very_dissatisfied": "very_dissatisfied",
    "neutral": "neutral",
    "not_surveyed": "not_surveyed",
    "refused": "refused",
    "unreachable": "unreachable",
    "unknown": "satisfaction_unknown",
}

# grain name -> key columns. Finer place keys keep their parents so a row is readable alone.
GRAINS: dict[str, tuple[str, ...]] = {
    "agency": ("period", "agency", "unit_type"),
    "category": ("period", "agency", "category"),
    "district": ("period", "agency", "district"),
    "street": ("period", "agency", "district", "street"),
    "place": ("period", "agency", "district", "street", "place"),
    "channel": ("period", "agency", "channel"),
    # place × category across agencies: the cells the emerging-hot-spot scan tests against their history
    "district_category": ("period", "district", "category"),
}

DEFAULT_QUICK_CLOSE_MINUTES = 10


@dataclass
class History:
    """What the score stage needs: counts of every known period, tickets of the recent ones.

    `counts` maps a grain name to one frame holding all periods (the current one
    included); `tickets` holds the canonical tickets of the period being scored
    and the few periods before it (repeat callers, "solved" tickets that come back).
    """

    counts: dict[str, pd.DataFrame] = field(default_factory=dict)
    tickets: pd.DataFrame = field(default_factory=empty_tickets)

    def grain(self, name: str) -> pd.DataFrame:
        """The counts of one grain, or an empty frame with the right columns when none are known."""
        frame = self.counts.get(name)
        if frame is None or frame.empty:
            return empty_counts(GRAINS.get(name, ("period", "agency")))
        return ensure_count_columns(frame)

    def periods(self) -> list[str]:
        frame = self.grain("agency")
        return sorted(str(p) for p in frame["period"].dropna().unique())


def empty_counts(by: tuple[str, ...]) -> pd.DataFrame:
    columns = {key: pd.Series([], dtype="string") for key in by}
    columns.update({name: pd.Series([], dtype="int64") for name in ALL_COUNT_COLUMNS})
    return pd.DataFrame(columns)


def ensure_count_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts stored before a column existed read as zero for it (counts of nothing are 0, not N/A)."""
    missing = [c for c in ALL_COUNT_COLUMNS if c not in frame.columns]
    if not missing:
        return frame
    frame = frame.copy()
    for name in missing:
        frame[name] = 0
    return frame


def _answer_codes(column: pd.Series) -> np.ndarray:
    """A nullable boolean column as 1 (yes), 0 (no), -1 (unknown)."""
    return column.astype("boolean").to_numpy(dtype="int8", na_value=-1)


def _is_true(column: pd.Series) -> np.ndarray:
    return column.astype("boolean").to_numpy(dtype=bool, na_value=False)


def _satisfaction_codes(column: pd.Series) -> np.ndarray:
    """Positions in SATISFACTION_LEVELS; anything else (or missing) becomes "unknown"."""
    levels = pd.Categorical(column, categories=list(SATISFACTION_LEVELS))
    codes = np.asarray(levels.codes)
    return np.where(codes < 0, SATISFACTION_LEVELS.index("unknown"), codes)


def indicator_columns(
    tickets: pd.DataFrame, *, quick_close_minutes: int = DEFAULT_QUICK_CLOSE_MINUTES
) -> dict[str, np.ndarray]:
    """One boolean array per count column: whether each ticket counts there. Sums over any grouping are the counts."""
    response = _answer_codes(tickets["responded"])
    resolution = _answer_codes(tickets["resolved"])
    satisfaction = _satisfaction_codes(tickets["satisfaction"])
    valid = _is_true(tickets["valid_callback"])

    created = tickets["created_at"]
    closed_at = tickets["closed_at"]
    due_at = tickets["due_at"]
    closed = closed_at.notna().to_numpy()
    due_known = due_at.notna().to_numpy()
    # Comparisons with a missing time are False, which is what we want for each flag below.
    on_time = closed & due_known & (closed_at <= due_at).fillna(False).to_numpy()
    overdue = closed & due_known & (closed_at > due_at).fillna(False).to_numpy()
    minutes_open = (closed_at - created).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan) / 60
    # Minutes are measured only between two stamps that both carry a time of day: a day-only stamp (midnight)
    # says "that day", so a ticket created at 23:55 and closed "the next day" was not closed within minutes.
    timed = ((created != created.dt.normalize()) & (closed_at != closed_at.dt.normalize())).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        quick = closed & timed & (minutes_open >= 0) & (minutes_open <= quick_close_minutes)

    columns: dict[str, np.ndarray] = {
        "n_tickets": np.ones(len(tickets), dtype=bool),
        "responded": response == 1,
        "not_responded": response == 0,
        "response_unknown": response == -1,
        "resolved": resolution == 1,
        "not_resolved": resolution == 0,
        "resolution_unknown": resolution == -1,
    }
    for position, level in enumerate(SATISFACTION_LEVELS):
        columns[SATISFACTION_COLUMNS[level]] = satisfaction == position
    columns.update(
        {
            "valid_callback": valid,
            "closed": closed,
            "due_known": due_known,
            "closed_on_time": on_time,
            "overdue": overdue,
            "reopened": _is_true(tickets["reopened"]),
            "quick_closed": quick,
        }
    )
    for name in VALID_BASE_COLUMNS:
        columns[name] = valid & columns[name.removeprefix("valid_")]
    return {name: np.asarray(columns[name], dtype=bool) for name in ALL_COUNT_COLUMNS}


def indicators(tickets: pd.DataFrame, *, quick_close_minutes: int = DEFAULT_QUICK_CLOSE_MINUTES) -> pd.DataFrame:
    """The indicator columns as a 0/1 frame, for reading and testing."""
    columns = indicator_columns(tickets, quick_close_minutes=quick_close_minutes)
    return pd.DataFrame({name: values.astype("int64") for name, values in columns.items()}, index=tickets.index)


def _period_key(tickets: pd.DataFrame) -> pd.Series:
    """The period column, filled from created_at where missing (formatting dates is slow: only those rows)."""
    if "period" not in tickets:
        return period_of(tickets["created_at"])
    period = tickets["period"].astype("string")
    missing = period.isna()
    if missing.any():
        period = period.copy()
        period[missing] = period_of(tickets.loc[missing, "created_at"])
    return period


@dataclass(frozen=True)
class _Key:
    """A key column as integer codes into its sorted distinct values (missing last)."""

    codes: np.ndarray
    values: pd.Index


def _encode_keys(tickets: pd.DataFrame, names: tuple[str, ...]) -> dict[str, _Key]:
    keys = {}
    for name in names:
        column = _period_key(tickets) if name == "period" else tickets[name].astype("string")
        codes, values = pd.factorize(column, use_na_sentinel=False, sort=True)
        keys[name] = _Key(np.asarray(codes, dtype=np.int64), values)
    return keys


def _renumber(ids: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Map ids in [0, size) onto 0..k-1 keeping their order; k = number of distinct ids."""
    if size <= 4 * len(ids) + 1024:  # small id space: a lookup table beats sorting
        present = np.zeros(size, dtype=bool)
        present[ids] = True
        rank = np.cumsum(present) - 1
        return rank[ids], int(present.sum())
    distinct, inverse = np.unique(ids, return_inverse=True)
    return inverse.reshape(-1), len(distinct)


def _group_numbers(keys: list[_Key]) -> tuple[np.ndarray, int]:
    """Each row's group number, numbered in key order, combining one key column at a time.

    Renumbering after each column keeps the numbers below the row count, so no
    combination of many distinct keys can overflow.
    """
    groups, n_groups = _renumber(keys[0].codes, max(len(keys[0].values), 1))
    for key in keys[1:]:
        width = max(len(key.values), 1)
        groups, n_groups = _renumber(groups * width + key.codes, n_groups * width)
    return groups, n_groups


def _group_sum(keys: dict[str, _Key], by: tuple[str, ...], flags: dict[str, np.ndarray]) -> pd.DataFrame:
    """Sum each count column per distinct key; rows sorted by key, missing keys last."""
    n_rows = len(next(iter(flags.values())))
    if n_rows == 0:
        return empty_counts(by)
    parts = [keys[name] for name in by]
    groups, n_groups = _group_numbers(parts)
    # Laid out column by column so the frame below takes the block as it is, without a copy.
    sums = np.empty((len(flags), n_groups), dtype=np.int64)
    for i, counted in enumerate(flags.values()):
        sums[i] = np.bincount(groups[counted], minlength=n_groups)
    # Any row of a group carries the group's keys.
    sample_row = np.empty(n_groups, dtype=np.int64)
    sample_row[groups] = np.arange(n_rows)
    out = pd.DataFrame(
        {
            name: pd.array(key.values.take(key.codes[sample_row]).to_numpy(), dtype="string")
            for name, key in zip(by, parts)
        }
    )
    return pd.concat([out, pd.DataFrame(sums.T, columns=list(flags), copy=False)], axis=1)


def count_tickets(
    tickets: pd.DataFrame,
    by: tuple[str, ...] = ("period", "agency"),
    *,
    quick_close_minutes: int = DEFAULT_QUICK_CLOSE_MINUTES,
) -> pd.DataFrame:
    """Additive counts of a canonical ticket table grouped by the `by` columns."""
    by = tuple(by)
    flags = indicator_columns(tickets, quick_close_minutes=quick_close_minutes)
    return _group_sum(_encode_keys(tickets, by), by, flags)


def count_all(
    tickets: pd.DataFrame, *, quick_close_minutes: int = DEFAULT_QUICK_CLOSE_MINUTES
) -> dict[str, pd.DataFrame]:
    """Counts at every grain (see GRAINS); indicators and key codes are computed once for all grains."""
    flags = indicator_columns(tickets, quick_close_minutes=quick_close_minutes)
    keys = _encode_keys(tickets, tuple(sorted({key for by in GRAINS.values() for key in by})))
    return {grain: _group_sum(keys, by, flags) for grain, by in GRAINS.items()}


def add_counts(frames: list[pd.DataFrame], by: tuple[str, ...]) -> pd.DataFrame:
    """Counts of several parts (files, days, machines) added into one frame."""
    parts = [ensure_count_columns(f) for f in frames if f is not None and not f.empty]
    if not parts:
        return empty_counts(by)
    combined = pd.concat(parts, ignore_index=True)
    grouped = combined.groupby(list(by), dropna=False, sort=True, observed=True)[list(ALL_COUNT_COLUMNS)].sum()
    out = grouped.reset_index()
    for name in by:
        out[name] = out[name].astype("string")
    return out


def with_derived(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts plus the derived `satisfied` and `dissatisfied` totals (not stored: they are sums)."""
    out = ensure_count_columns(counts).copy()
    out["satisfied"] = out["very_satisfied"] + out["satisfied_plain"] + out["basically_satisfied"]
    out["dissatisfied"] = out["dissatisfied_plain"] + out["very_dissatisfied"]
    return out
