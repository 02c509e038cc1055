"""Finding the header row of an export, wherever it hides.

Government exports put a merged title, an "导出时间/说明" line or two above the
header, and sometimes a two-level header (group names such as 回访情况 merged
over leaf names such as 是否满意, 是否解决). The header is found by scoring the
first rows against the column names the input profiles know: an exact match
after normalisation counts most, a known name inside a longer label counts less.

    find_header(first_rows, synonyms) -> HeaderGuess
    normalise_label(text) -> str
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

HEADER_SEARCH_ROWS = 20  # the header must start within this many rows
EXACT_SCORE = 3
CONTAINS_SCORE = 1
MIN_CONTAINED_LENGTH = 2  # a one-character name inside a label says nothing
LEVEL_SEPARATOR = "/"

# Characters that are not whitespace to str.isspace() but act like it in exports.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}

# A merged range as 0-based (first_row, first_col, last_row, last_col), rows counted in the probe.
MergedRange = tuple[int, int, int, int]


def normalise_label(text: object) -> str:
    """A label as compared: NFKC, every kind of space (U+3000, NBSP, tab, zero-width) and U+FEFF removed."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(ch for ch in folded if not ch.isspace() and ch not in _INVISIBLE)


def cell_label(value: Any) -> str:
    """A header cell as the text a user reads: stripped, U+FEFF removed; "" for an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, (datetime, date)):
        value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = str(value).replace("\ufeff", "")
    return text.strip(" \t\r\n\u3000\u00a0" + "".join(_INVISIBLE))


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA": the spreadsheet name of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@dataclass(frozen=True)
class HeaderGuess:
    """Where the header is in the probed rows and what the columns are called.

    `row_indices` are 0-based positions in the rows given to find_header (one
    entry, or two for a two-level header). `names` has one unique, non-empty
    name per column of the probe. `recognised` is False when no row matched a
    known column name and the first well-filled row was taken instead.
    """

    row_indices: list[int]
    names: list[str]
    score: int
    matched_columns: int
    recognised: bool

    @property
    def last_row_index(self) -> int:
        return self.row_indices[-1]


class _Matcher:
    """Scores one label against the known column names."""

    def __init__(self, synonyms: Iterable[str]):
        self.exact = {normalise_label(s).casefold() for s in synonyms if normalise_label(s)}
        self.containable = [s for s in self.exact if len(s) >= MIN_CONTAINED_LENGTH]

    def match(self, label: str) -> tuple[int, str]:
        """(score, the known name matched); (0, "") when none."""
        key = normalise_label(label).casefold()
        if not key:
            return 0, ""
        if key in self.exact:
            return EXACT_SCORE, key
        contained = next((s for s in self.containable if s in key), None)
        return (CONTAINS_SCORE, contained) if contained else (0, "")

    def score(self, label: str) -> int:
        return self.match(label)[0]


def _labels(row: Sequence[Any], width: int) -> list[str]:
    labels = [cell_label(v) for v in row[:width]]
    return labels + [""] * (width - len(labels))


def _row_score(labels: list[str], matcher: _Matcher) -> tuple[int, int]:
    """(score, columns matched) of one row; a known name counts once, as a header holds each name once.

    Data rows repeat values ("N", "是"); counting a name once keeps a row of
    repeated flags from outscoring the real header.
    """
    best: dict[str, int] = {}
    for label in labels:
        score, key = matcher.match(label)
        if score > best.get(key, 0):
            best[key] = score
    best.pop("", None)
    return sum(best.values()), len(best)


def group_parents(
    parents: list[str], leaves: list[str], merges: Sequence[MergedRange] = (), parent_row: int = 0
) -> list[str]:
    """The group name above each column of a two-level header ("" when none).

    With the sheet's merged ranges, a parent applies exactly to the columns its
    merge covers in the parent row, and a merge spanning both header rows is a
    standalone column. Without them (CSV, HTML), a parent that has a leaf under
    it starts a group that extends right over blank parent cells with leaves.
    """
    width = len(parents)
    result = [""] * width
    if merges:
        for c in range(width):
            result[c] = parents[c] if leaves[c] else ""
        for first_row, first_col, last_row, last_col in merges:
            if first_row != parent_row or first_col >= width:
                continue
            if last_row > parent_row:  # spans both rows: one standalone column, no group
                continue
            for c in range(first_col, min(last_col, width - 1) + 1):
                result[c] = parents[first_col]
        return result
    current = ""
    for c in range(width):
        if parents[c]:
            current = parents[c] if leaves[c] else ""
            result[c] = current
        elif leaves[c]:
            result[c] = current
    return result


def join_levels(
    parents: list[str], leaves: list[str], merges: Sequence[MergedRange] = (), parent_row: int = 0
) -> list[str]:
    """Two header rows joined into one name per column: "回访情况/是否满意", or the single level present."""
    groups = group_parents(parents, leaves, merges, parent_row)
    names = []
    for c, leaf in enumerate(leaves):
        if groups[c] and leaf and groups[c] != leaf:
            names.append(f"{groups[c]}{LEVEL_SEPARATOR}{leaf}")
        else:
            names.append(leaf or parents[c])
    return names


def finish_names(labels: list[str], first_column: int = 0) -> list[str]:
    """Blank names become "column_<letter>"; repeated names get " (2)", " (3)"… so every name is unique."""
    names: list[str] = []
    seen: set[str] = set()
    for offset, label in enumerate(labels):
        name = label or f"column_{column_letter(first_column + offset)}"
        candidate, count = name, 1
        while candidate in seen:
            count += 1
            candidate = f"{name} ({count})"
        seen.add(candidate)
        names.append(candidate)
    return names


def _fallback_row(rows: list[list[str]]) -> int:
    """Without a recognised name: the first row at least half as full as the fullest probed row."""
    counts = [sum(1 for label in row if label) for row in rows]
    fullest = max(counts, default=0)
    needed = max(min(2, fullest), math.ceil(fullest / 2))
    for index, count in enumerate(counts):
        if count and count >= needed:
            return index
    return 0


def find_header(
    first_rows: Sequence[Sequence[Any]],
    synonyms: Iterable[str] | None,
    *,
    merges: Sequence[MergedRange] = (),
    first_column: int = 0,
) -> HeaderGuess:
    """Find the header among the first rows of a table and name every column.

    `first_rows` are the top rows as read (lists of cell values; index 0 is
    the table's first row). `merges` are merged ranges in the same 0-based
    coordinates, when the format has them. `first_column` is the absolute
    index of the first value in each row, for "column_<letter>" names.
    """
    width = max((len(r) for r in first_rows), default=0)
    rows = [_labels(r, width) for r in first_rows]
    if not rows or width == 0:
        return HeaderGuess([0], [], 0, 0, False)
    matcher = _Matcher(synonyms or ())
    singles = [_row_score(row, matcher) for row in rows]
    search = range(min(HEADER_SEARCH_ROWS, len(rows)))
    best = max(search, key=lambda i: (singles[i][0], -i))
    if singles[best][0] == 0:
        index = _fallback_row(rows[:HEADER_SEARCH_ROWS])
        return HeaderGuess([index], finish_names(rows[index], first_column), 0, 0, False)
    pair = _two_level(rows, best, singles, matcher, merges, first_column)
    if pair is not None:
        return pair
    score, matched = singles[best]
    return HeaderGuess([best], finish_names(rows[best], first_column), score, matched, True)


def _two_level(
    rows: list[list[str]],
    best: int,
    singles: list[tuple[int, int]],
    matcher: _Matcher,
    merges: Sequence[MergedRange],
    first_column: int,
) -> HeaderGuess | None:
    """A two-level header around the best row, when joining two rows explains more columns than either alone."""
    for top in (best - 1, best):
        if top < 0 or top + 1 >= len(rows):
            continue
        parents, leaves = rows[top], rows[top + 1]
        # A group row has a blank above some leaf (the merged parent's other cells).
        if not any(leaf and not parent for parent, leaf in zip(parents, leaves)):
            continue
        joined = join_levels(parents, leaves, merges, top)
        groups = group_parents(parents, leaves, merges, top)
        best_per_field: dict[str, int] = {}
        for c, name in enumerate(joined):
            labels = (name, leaves[c] or parents[c], groups[c])
            score, key = max(matcher.match(label) for label in labels)
            if score > best_per_field.get(key, 0):
                best_per_field[key] = score
        best_per_field.pop("", None)
        score, matched = sum(best_per_field.values()), len(best_per_field)
        if score > max(singles[top][0], singles[top + 1][0]):
            return HeaderGuess([top, top + 1], finish_names(joined, first_column), score, matched, True)
    return None
