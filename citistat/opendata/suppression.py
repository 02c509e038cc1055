"""Small-cell suppression for published counts.

Primary: a count from 1 to `threshold - 1` is withheld. Complementary: a lone
withheld cell could be worked back from a total that is published, so inside
every set of cells that adds up to a published total (a row's answers add up to
its tickets; the rows under one parent add up to the parent's row in a coarser
file) at least two cells are withheld, the next smallest being added until that
holds. A row whose ticket count is withheld is withheld whole.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import pandas as pd


def suppress(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    threshold: int,
    row_groups: Sequence[Sequence[str]] = (),
    parents: Sequence[str] = (),
    total: str = "n_tickets",
) -> tuple[pd.DataFrame, pd.Series]:
    """Return the frame with withheld cells as <NA> (nullable integers) and a per-row flag "any withheld".

    `row_groups`: sets of columns that add up to `total` in each row. `parents`: key columns whose
    rows add up to a published row of a coarser table (empty: the whole table adds up to a total).
    """
    values = frame[list(columns)].astype("int64")
    hidden = (values > 0) & (values < threshold)
    for _ in range(20):  # each pass only adds cells; a handful settles every real table
        before = int(hidden.to_numpy().sum())
        hidden = _whole_rows(hidden, total)
        hidden = _within_rows(values, hidden, row_groups)
        hidden = _across_rows(frame, values, hidden, parents)
        if int(hidden.to_numpy().sum()) == before:
            break
    out = frame.copy()
    for column in columns:
        out[column] = values[column].astype("Int64").mask(hidden[column])
    return out, hidden.any(axis=1)


def _whole_rows(hidden: pd.DataFrame, total: str) -> pd.DataFrame:
    if total in hidden:
        hidden = hidden.copy()
        hidden.loc[hidden[total], :] = True
    return hidden


def _within_rows(values: pd.DataFrame, hidden: pd.DataFrame, groups: Sequence[Sequence[str]]) -> pd.DataFrame:
    hidden = hidden.copy()
    for group in groups:
        group = list(group)
        lone = hidden[group].sum(axis=1) == 1
        if lone.any():
            for index in hidden.index[lone]:
                _hide_next_smallest(values.loc[index, group], hidden, index, group)
    return hidden


def _hide_next_smallest(row: pd.Series, hidden: pd.DataFrame, index: Hashable, group: list[str]) -> None:
    """Withhold the smallest cell of the group still shown (a zero too when it is the only one left)."""
    shown = [c for c in group if not hidden.at[index, c]]
    if shown:
        hidden.at[index, min(shown, key=lambda c: (row[c] == 0, row[c]))] = True


def _across_rows(
    frame: pd.DataFrame, values: pd.DataFrame, hidden: pd.DataFrame, parents: Sequence[str]
) -> pd.DataFrame:
    hidden = hidden.copy()
    group_of = (
        frame.groupby(list(parents), dropna=False, sort=False).ngroup() if parents else pd.Series(0, index=frame.index)
    )
    sizes = group_of.map(group_of.value_counts())
    per_group = hidden.groupby(group_of).transform("sum")
    for column in values.columns:
        lone = (per_group[column] == 1) & (sizes > 1)
        for group in group_of[lone].unique():
            rows = group_of.index[(group_of == group).to_numpy()]
            shown = [i for i in rows if not hidden.at[i, column]]
            if shown:
                pick = min(shown, key=lambda i: (values.at[i, column] == 0, values.at[i, column]))
                hidden.at[pick, column] = True
    return hidden
