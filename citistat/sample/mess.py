"""What real exports do to otherwise good rows, added on purpose so a loader has something to handle.

Agency names with full-width brackets, trailing spaces, U+3000, NBSP and short
forms; ticket ids with a leading tab or apostrophe (an export's way of forcing
text); a few call times nobody can read ("2024-02-30 10:00", "待补录").
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from .agencies import ABBREVIATIONS

MESSY_NAME_SHARE = 0.02
IDEOGRAPHIC_SPACE = "\u3000"
NBSP = "\u00a0"
PENDING_ENTRY = "待补录"


def add_mess(frame: pd.DataFrame, period: str, rng: np.random.Generator) -> pd.DataFrame:
    frame = frame.copy()
    frame["承办单位"] = pd.Series(messy_agency_names(frame["承办单位"].to_numpy(dtype=object), rng), dtype=object)
    frame["工单编号"] = pd.Series(messy_ids(frame["工单编号"].to_numpy(dtype=object), rng), dtype=object)
    frame["来电时间"] = with_bad_dates(frame["来电时间"], period, rng)
    return frame


def messy_agency_names(names: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    names = names.copy()
    # Names with brackets are mostly typed with full-width （） in Chinese systems.
    bracketed = np.flatnonzero(pd.Series(names).str.contains("(", regex=False).to_numpy())
    full_width = bracketed[rng.random(bracketed.size) < 0.5]
    names[full_width] = [n.replace("(", "（").replace(")", "）") for n in names[full_width]]
    chosen = np.flatnonzero(rng.random(names.size) < MESSY_NAME_SHARE)
    variants = rng.integers(0, 5, chosen.size)
    names[chosen] = [_variant(name, v) for name, v in zip(names[chosen], variants)]
    return names


def _variant(name: str, which: int) -> str:
    if which == 0:
        return name + " "
    if which == 1:
        return name + IDEOGRAPHIC_SPACE
    if which == 2:
        return name[:1] + NBSP + name[1:] if len(name) > 2 else name + NBSP
    if which == 3 and name in ABBREVIATIONS:
        return ABBREVIATIONS[name]
    return " " + name + "\t"


def messy_ids(ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One ticket in 2,000 (at least one) gets a leading tab, one in 5,000 (at least one) an apostrophe."""
    ids = ids.copy()
    tabs = max(1, ids.size // 2000)
    quotes = max(1, ids.size // 5000)
    rows = rng.choice(ids.size, size=min(tabs + quotes, ids.size), replace=False)
    ids[rows[:tabs]] = ["\t" + i for i in ids[rows[:tabs]]]
    ids[rows[tabs:]] = ["'" + i for i in ids[rows[tabs:]]]
    return ids


def with_bad_dates(created: pd.Series, period: str, rng: np.random.Generator) -> pd.Series:
    """The call-time column as objects: timestamps, plus one in 1,500 (at least two) unreadable texts."""
    # numpy boxes datetime64[us] into datetime.datetime much faster than pandas boxes Timestamps
    out = pd.Series(created.to_numpy().astype("datetime64[us]").astype(object), index=created.index, dtype=object)
    count = max(2, created.size // 1500)
    rows = rng.choice(created.size, size=min(count, created.size), replace=False)
    impossible = impossible_date(period)
    texts = [impossible if i % 2 == 0 else PENDING_ENTRY for i in range(rows.size)]
    out.iloc[rows] = texts
    return out


def impossible_date(period: str) -> str:
    """A day one past the end of the month, as someone typed it: "2024-02-30 10:00"."""
    year, month = map(int, period.split("-"))
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1] + 1:02d} 10:00"
