"""Agency names: fold the spelling, apply the dated alias table, look up the roster.

Exports write the same agency many ways (full-width brackets, U+3000, NBSP,
zero-width spaces, trailing TABs, abbreviations) and agencies get renamed.
`AgencyTable` turns those into one canonical name per agency so a rename never
shows up as a −100 % / +100 % swing. Names not in the roster are kept and
reported, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ConfigError
from .values import distinct_values, fold_spaces, string_series

# A space between two CJK characters is noise ("市城市 管理局"); between Latin words it is not.
_CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJK}) (?={_CJK})")


def normalise_agency(name: object) -> str | None:
    """NFKC, zero-width characters dropped, every kind of space folded, CJK-internal spaces removed."""
    if name is None or (isinstance(name, float) and name != name):
        return None
    folded = _SPACE_BETWEEN_CJK.sub("", fold_spaces(str(name)))
    return folded or None


@dataclass(frozen=True)
class Alias:
    alias: str
    canonical: str
    valid_from: date | None = None
    valid_to: date | None = None

    def covers(self, created: pd.Series) -> pd.Series:
        """True where a ticket's creation time lies within the alias's dates (inclusive)."""
        inside = pd.Series(True, index=created.index)
        if self.valid_from is not None:
            inside &= created >= pd.Timestamp(self.valid_from)
        if self.valid_to is not None:
            inside &= created < pd.Timestamp(self.valid_to) + pd.Timedelta(days=1)
        return inside.fillna(False).astype(bool)


@dataclass
class AgencyResult:
    agency: pd.Series  # canonical name (string dtype)
    unit_type: pd.Series  # from the roster; <NA> when not listed
    unknown: dict[str, int]  # canonical name not in the roster -> number of tickets


class AgencyTable:
    """The alias table and roster of a Config, normalised once for fast lookups."""

    def __init__(self, aliases: list[dict], roster: list[dict]):
        problems: list[str] = []
        self.aliases = [a for a in (_alias_from_row(row, problems) for row in aliases) if a is not None]
        if problems:
            raise ConfigError(problems)
        self.unit_types = {
            normalise_agency(row["agency"]): row.get("unit_type") or None
            for row in roster
            if normalise_agency(row.get("agency"))
        }

    def resolve(self, raw_names: pd.Series, created_at: pd.Series) -> AgencyResult:
        """Canonical agency and unit type for each row.

        Worked on the distinct names (a month names a few hundred agencies a million times): each row
        holds the position of its name in `names`, and an alias moves the rows it covers to its canonical name.
        """
        uniques, codes = distinct_values(raw_names)
        names: dict[str | None, int] = {}  # canonical name -> its position
        renamed = np.array(
            [names.setdefault(normalise_agency(v), len(names)) for v in [*uniques, None]], dtype=np.int64
        )
        codes = self._apply_aliases(renamed[codes], names, created_at)  # -1 (missing) takes the last entry: None
        listed = list(names)
        agency = string_series(pa.array(listed, type=pa.string()).take(codes), raw_names.index)
        unit_types = [self.unit_types.get(name) if name is not None else None for name in listed]
        unit_type = string_series(pa.array(unit_types, type=pa.string()).take(codes), raw_names.index)
        unknown: dict[str, int] = {}
        if self.unit_types:
            rows_per_name = np.bincount(codes, minlength=len(listed))
            present, first_rows = np.unique(codes, return_index=True)
            for code in present[np.argsort(first_rows)]:  # in the order the rows first name them
                name = listed[code]
                if name is not None and name not in self.unit_types:
                    unknown[str(name)] = int(rows_per_name[code])
        return AgencyResult(agency=agency, unit_type=unit_type, unknown=unknown)

    def _apply_aliases(self, codes: np.ndarray, names: dict[str | None, int], created_at: pd.Series) -> np.ndarray:
        codes = codes.copy()
        # Undated aliases first, then dated ones, so a dated row can override a general rule.
        for alias in sorted(self.aliases, key=lambda a: a.valid_from is not None or a.valid_to is not None):
            if alias.alias not in names:
                continue
            rows = np.flatnonzero(codes == names[alias.alias])
            if not len(rows):
                continue
            apply = alias.covers(created_at.iloc[rows]).to_numpy(dtype=bool)
            codes[rows[apply]] = names.setdefault(alias.canonical, len(names))
        return codes


def _alias_from_row(row: dict, problems: list[str]) -> Alias | None:
    alias, canonical = normalise_agency(row.get("alias")), normalise_agency(row.get("canonical"))
    if not alias or not canonical:
        return None
    dates = []
    for key in ("valid_from", "valid_to"):
        text = str(row.get(key) or "").strip()
        try:
            dates.append(date.fromisoformat(text) if text else None)
        except ValueError:
            where = f"line {row['_line']}" if "_line" in row else f"alias {alias!r}"
            problems.append(f"alias table, {where}: {key} = {text!r} is not a date; write it as YYYY-MM-DD")
            return None
    return Alias(alias, canonical, *dates)
