"""What every format's reader shares: choosing the sheet or table, the issues about the header, the bounds
on a table's size, naming columns, building a RawTable from rows of values, and decoding text files."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..quality import CELL, INFO, DataIssue, file_issue
from .header import HeaderGuess, column_letter, finish_names
from .rawtable import SETTINGS_HINT, FileFailure, Limits, RawTable
from .sniff import decode_text

PROBE_ROWS = 30  # rows read to find the header
AMBIGUITY_SHARE = 0.8  # a second sheet scoring this close to the best one makes the choice ambiguous
# Peak memory of reading a text format, in multiples of the file's size (bytes, decoded text, parsed
# table): a 170 MB CSV of 1M tickets peaks about 1.0 GB above the interpreter, 6x; 7 leaves a margin.
# JSON and HTML build a Python object per cell.
TEXT_MEMORY_FACTOR = {"text": 7.0, "json": 12.0, "html": 12.0, "xml": 12.0}


@dataclass
class _Candidate:
    """A sheet (or HTML table) considered as the ticket table, with the header found in it."""

    name: str
    guess: HeaderGuess
    context: Any = None  # reader-specific: where to read the rest from


def _choose(
    candidates: list[_Candidate], file: str, synonyms: set[str] | None, kind: str = "sheet"
) -> tuple[_Candidate, list[DataIssue]]:
    """The candidate whose header matches the known columns best; FileFailure when two match alike."""
    if not candidates:
        raise FileFailure.of(_worded("no_sheet", kind), file)
    ranked = sorted(candidates, key=lambda c: -c.guess.score)
    best = ranked[0]
    issues: list[DataIssue] = []
    if synonyms and best.guess.score > 0:
        rivals = [c for c in ranked[1:] if c.guess.score >= AMBIGUITY_SHARE * best.guess.score]
        if rivals:
            listing = ", ".join(f"{c.name!r} ({c.guess.matched_columns})" for c in [best, *rivals])
            raise FileFailure.of(_worded("ambiguous_sheet", kind), file, listing=listing)
    elif len(candidates) > 1:
        best = candidates[0]  # nothing to compare by: the first, in workbook order
    others = [c.name for c in candidates if c is not best]
    if others:
        issues.append(
            _info(_worded("other_sheets_ignored", kind), file, best.name, listing=", ".join(repr(n) for n in others))
        )
    return best, issues


def _info(
    key: str, file: str, sheet: str | None, *, severity: str = INFO, row: int | None = None, **fields: object
) -> DataIssue:
    """A note or warning about the file, worded from the catalogue in the load's language."""
    return file_issue(key, severity, file=file, sheet=sheet, row=row, **fields)


def _worded(code: str, kind: str) -> str:
    """The catalogue key of a message about a sheet ("sheet") or an HTML table ("table")."""
    return code if kind == "sheet" else f"{code}.{kind}"


def _header_issues(
    guess: HeaderGuess, header_rows: list[int], file: str, sheet: str | None, synonyms: set[str] | None
) -> list[DataIssue]:
    """Say where the header was found, and warn when no known column name was seen."""
    rows = f"{header_rows[0]}–{header_rows[-1]}" if len(header_rows) > 1 else str(header_rows[0])
    skipped = header_rows[0] - 1
    found = _info(
        "header_found.skipped" if skipped else "header_found", file, sheet, row=header_rows[0], rows=rows, count=skipped
    )
    issues = [found]
    if synonyms and not guess.recognised:
        issues.append(_info("header_not_recognised", file, sheet, severity=CELL, row=header_rows[0], rows=rows))
    return issues


def _check_rows(count: int, file: str, limits: Limits, sheet: str | None = None) -> None:
    if count > limits.max_rows:
        raise FileFailure.of(
            "too_many_rows", file, sheet=sheet, count=f"{count:,}", limit=f"{limits.max_rows:,}", settings=SETTINGS_HINT
        )


def _check_width(count: int, file: str, limits: Limits, sheet: str | None = None) -> None:
    if count > limits.max_columns:
        raise FileFailure.of(
            "too_many_columns",
            file,
            sheet=sheet,
            count=f"{count:,}",
            limit=f"{limits.max_columns:,}",
            settings=SETTINGS_HINT,
        )


def _check_cells(rows: int, columns: int, file: str, limits: Limits, sheet: str | None = None) -> None:
    """Rows × columns against `max_cells`, checked before a table of that shape is built."""
    if rows * columns > limits.max_cells:
        raise FileFailure.of(
            "too_many_cells",
            file,
            sheet=sheet,
            count=f"{rows * columns:,}",
            rows=f"{rows:,}",
            columns=f"{columns:,}",
            limit=f"{limits.max_cells:,}",
            settings=SETTINGS_HINT,
        )


def _check_text_size(path: str, limits: Limits, memory_factor: float) -> None:
    """A text file is read whole into memory: the same bound as for a workbook's inflated parts, and
    the memory its reader needs (about `memory_factor` times the file) within `max_reader_memory_mb`."""
    size = os.path.getsize(path)
    if size > limits.max_uncompressed_bytes:
        raise FileFailure.of(
            "file_too_large",
            str(path),
            size=f"{size / 2**20:,.0f}",
            limit=f"{limits.max_uncompressed_bytes / 2**20:,.0f}",
            settings=SETTINGS_HINT,
        )
    if size * memory_factor > limits.max_reader_memory_bytes:
        raise FileFailure.of(
            "reader_limit.estimate",
            str(path),
            size=f"{size / 2**20:,.0f}",
            need=f"{size * memory_factor / 2**20:,.0f}",
            memory=f"{limits.max_reader_memory_bytes / 2**20:,.0f}",
            settings=SETTINGS_HINT,
        )


def _names_for(guess: HeaderGuess, indexes: Sequence[int]) -> list[str]:
    """Header names for absolute column indexes; columns beyond the header get "column_<letter>"."""
    names = [guess.names[i] if i < len(guess.names) else "" for i in indexes]
    generated = [n if n else f"column_{column_letter(i)}" for n, i in zip(names, indexes)]
    return finish_names(generated)


def _rows_table(
    rows: list[list[Any]],
    row_numbers: Sequence[int],
    guess: HeaderGuess,
    *,
    letters: bool,
    **table: Any,
) -> RawTable:
    """A RawTable from rows of Python values that start at the header (xls, HTML, CSV fallback)."""
    data_rows = rows[guess.last_row_index + 1 :]
    width = max([len(guess.names), *(len(r) for r in data_rows)])
    padded = [list(r) + [None] * (width - len(r)) for r in data_rows]
    names = _names_for(guess, range(width))
    frame = pd.DataFrame(padded, columns=names, dtype=object) if padded else pd.DataFrame(columns=names, dtype=object)
    numbers = np.asarray(row_numbers[guess.last_row_index + 1 :], dtype=np.int64)
    column_letters = [column_letter(i) if letters else None for i in range(width)]
    return RawTable(columns=names, column_letters=column_letters, data=frame, row_numbers=numbers, **table)


_SOMETHING = re.compile(r"[^\ufeff\s]")


def _decoded_text(raw: bytes, file: str) -> tuple[str, str]:
    """decode_text, and a file of nothing but a byte-order mark and blanks is empty."""
    text, encoding = decode_text(raw, file)
    if not _SOMETHING.search(text):  # a search, not strip(): that would copy the whole text
        raise FileFailure.of("empty_file", file)
    return text, encoding
