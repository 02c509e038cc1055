"""Counts by period and unit, looked up quickly: what trends and screens read.

Built once per scoring run from the `agency` grain of the history. A period the
history does not know is different from a period in which a unit had no
tickets: the first gives "no history", the second "no tickets".
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from ..count import ALL_COUNT_COLUMNS, History
from ..periods import period_range, shift_period  # noqa: F401 (used by the score modules)

Counts = dict[str, int]


def zero_counts() -> Counts:
    return {name: 0 for name in ALL_COUNT_COLUMNS}


def add_into(total: Counts, part: Counts) -> Counts:
    for name in ALL_COUNT_COLUMNS:
        total[name] = total.get(name, 0) + int(part.get(name, 0))
    return total


def pooled(parts: list[Counts]) -> Counts:
    total = zero_counts()
    for part in parts:
        add_into(total, part)
    return total


class CountBook:
    """Counts per (period, agency), per period for the whole city, and the periods known."""

    def __init__(self, history: History):
        frame = history.grain("agency")
        self.known: list[str] = sorted({str(p) for p in frame["period"].dropna().unique()})
        self._unit: dict[tuple[str, str], Counts] = {}
        self._city: dict[str, Counts] = defaultdict(zero_counts)
        self._types: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        self._first: dict[str, str] = {}
        self._load(frame)

    def _load(self, frame: pd.DataFrame) -> None:
        columns = list(ALL_COUNT_COLUMNS)
        values = frame[columns].to_numpy(dtype="int64")
        periods, agencies, unit_types = (_texts(frame[name]) for name in ("period", "agency", "unit_type"))
        for period, agency, unit_type, row in zip(periods, agencies, unit_types, values):
            if period is None:
                continue
            counts = dict(zip(columns, (int(v) for v in row)))
            add_into(self._city[period], counts)
            if agency is None:
                continue  # tickets with no agency count for the city, never for a unit
            key = (period, agency)
            self._unit[key] = add_into(self._unit.get(key, zero_counts()), counts)
            if unit_type is not None:
                self._types[key][unit_type] = self._types[key].get(unit_type, 0) + counts["n_tickets"]
            if counts["n_tickets"] > 0 and (agency not in self._first or period < self._first[agency]):
                self._first[agency] = period

    def is_known(self, period: str) -> bool:
        return period in self.known

    def counts(self, agency: str | None, period: str) -> Counts:
        """The unit's counts (the city's when agency is None); zeros when it had no tickets."""
        if agency is None:
            return dict(self._city.get(period, zero_counts()))
        return dict(self._unit.get((period, agency), zero_counts()))

    def agencies(self, period: str) -> list[str]:
        return sorted(a for (p, a), c in self._unit.items() if p == period and c["n_tickets"] > 0)

    def unit_type(self, agency: str, period: str) -> str | None:
        """The unit type the tickets carried (the most common one), when the roster does not say."""
        types = self._types.get((period, agency))
        return max(types, key=lambda t: (types[t], t)) if types else None

    def first_period(self, agency: str | None) -> str | None:
        if agency is None:
            return self.known[0] if self.known else None
        return self._first.get(agency)


def _texts(column: pd.Series) -> list[str | None]:
    """A column as Python strings, a missing cell as None."""
    strings = column.astype("string")
    return strings.astype(object).where(strings.notna(), None).tolist()
