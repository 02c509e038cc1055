"""Legacy .xls: read by xlrd in the same bounded child as xlsx (a cell record may claim any row and column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .header import find_header
from .rawtable import FileFailure, Limits, RawTable
from .read_common import (
    PROBE_ROWS,
    _Candidate,
    _check_cells,
    _check_rows,
    _check_width,
    _choose,
    _header_issues,
    _info,
    _rows_table,
)
from .sheet_worker import TABLE_FILE, read_in_child

# ---------------------------------------------------------------- legacy xls


_XLS_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}


def read_xls(path: str, synonyms: set[str] | None, limits: Limits) -> RawTable:
    """A legacy workbook, read by xlrd in a bounded child (a cell record may claim any row and column)."""
    import dataclasses
    import pickle

    file = str(path)
    request = {
        "kind": "xls",
        "path": str(Path(file).resolve()),
        "limits": dataclasses.asdict(limits),
        "synonyms": sorted(synonyms) if synonyms is not None else None,
    }
    with read_in_child(request, limits, file, None) as folder:
        table: RawTable = pickle.loads((folder / TABLE_FILE).read_bytes())
    table.file = file
    return table


def read_xls_in_process(path: str, synonyms: set[str] | None, limits: Limits) -> RawTable:
    """What read_xls runs in its child.

    xlrd parses untrusted binary records in pure Python; on a damaged file it
    fails with whatever the record it misreads provokes (struct.error, KeyError,
    IndexError, AssertionError, ...), so every exception it raises means "damaged".
    """
    file = str(path)
    try:
        return _read_xls_book(file, synonyms, limits)
    except (FileFailure, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - see above: any xlrd exception is a damaged file
        raise FileFailure.of("corrupt_file.xls", file, detail=f"{type(exc).__name__}: {exc}"[:300]) from None


def _read_xls_book(file: str, synonyms: set[str] | None, limits: Limits) -> RawTable:
    import xlrd

    try:  # formatting records hold the merged ranges; xlrd reads them only from BIFF 5 on
        book = xlrd.open_workbook(file, on_demand=True, formatting_info=True)
    except NotImplementedError:
        book = xlrd.open_workbook(file, on_demand=True)
    try:
        issues, candidates = [], []
        for index, name in enumerate(book.sheet_names()):
            sheet = book.sheet_by_index(index)
            if sheet.visibility:
                issues.append(
                    _info("hidden_sheet_ignored", file, name, detail=_XLS_STATES.get(sheet.visibility, "hidden"))
                )
                continue
            first = _xls_first_row(sheet)
            if first is None:
                continue
            probe = [_xls_row(sheet, r, book.datemode) for r in range(first, min(first + PROBE_ROWS, sheet.nrows))]
            merges = [  # as find_header takes them: inclusive, rows counted from the probe's first
                (rlo - first, clo, rhi - 1 - first, chi - 1)
                for rlo, rhi, clo, chi in getattr(sheet, "merged_cells", [])
                if 0 <= rlo - first < len(probe)
            ]
            candidates.append(_Candidate(name, find_header(probe, synonyms, merges=merges), (sheet, first)))
        chosen, choice_issues = _choose(candidates, file, synonyms)
        sheet, first = chosen.context
        _check_rows(sheet.nrows - first, file, limits, chosen.name)
        _check_width(sheet.ncols, file, limits, chosen.name)
        _check_cells(sheet.nrows - first, sheet.ncols, file, limits, chosen.name)
        rows = [_xls_row(sheet, r, book.datemode) for r in range(first, sheet.nrows)]
        merges = list(getattr(sheet, "merged_cells", []))
    finally:
        book.release_resources()
    guess = chosen.guess
    header_rows = [first + 1 + i for i in guess.row_indices]
    filled = _fill_merged(rows, merges, first, data_from=first + guess.last_row_index + 1)
    if filled:
        issues.append(_info("merged_cells_filled", file, chosen.name, count=filled))
    return _rows_table(
        rows,
        range(first + 1, first + 1 + len(rows)),
        guess,
        letters=True,
        file=file,
        sheet=chosen.name,
        format="xls",
        encoding=None,
        header_rows=header_rows,
        date1904=book.datemode == 1,
        issues=issues + choice_issues + _header_issues(guess, header_rows, file, chosen.name, synonyms),
    )


def _fill_merged(rows: list[list[Any]], merges: list[tuple[int, int, int, int]], first: int, data_from: int) -> int:
    """Give each blank cell of a range merged over the data rows its first cell's value, as Excel shows it (an
    agency merged down over its tickets names each of them). `rows[i]` is sheet row `first + i`; ranges are
    xlrd's (rlo, rhi, clo, chi), 0-based and half-open. Returns how many ranges filled a cell."""
    used = 0
    for rlo, rhi, clo, chi in merges:
        if rlo < data_from or rlo - first >= len(rows):
            continue  # header merges are the header's business
        top = rows[rlo - first]
        value = top[clo] if clo < len(top) else None
        if value in (None, ""):
            continue
        filled = False
        for r in range(rlo, min(rhi, first + len(rows))):
            row = rows[r - first]
            for c in range(clo, chi):
                if (r, c) != (rlo, clo) and c < len(row) and row[c] in (None, ""):
                    row[c] = value
                    filled = True
        used += filled
    return used


def _xls_first_row(sheet: Any) -> int | None:
    for r in range(sheet.nrows):
        if any(v not in ("", None) for v in sheet.row_values(r)):
            return r
    return None


def _xls_row(sheet: Any, rowx: int, datemode: int) -> list[Any]:
    import xlrd

    values: list[Any] = []
    for cell in sheet.row(rowx):
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            values.append(None)
        elif cell.ctype == xlrd.XL_CELL_DATE:
            try:
                values.append(xlrd.xldate_as_datetime(cell.value, datemode))
            except (xlrd.xldate.XLDateError, OverflowError, ValueError):
                values.append(cell.value)
        elif cell.ctype == xlrd.XL_CELL_ERROR:
            values.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
        elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
            values.append(bool(cell.value))
        else:
            values.append(cell.value)
    return values
