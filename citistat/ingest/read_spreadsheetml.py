"""Excel 2003 XML ("XML Spreadsheet 2003", SpreadsheetML): the .xls many report servers write.

A text file: `<?xml?>`, then `<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">` with
`<Worksheet><Table><Row><Cell><Data ss:Type="...">`. Cells may skip columns (`ss:Index`) and span
them (`ss:MergeAcross`); rows may skip rows (`ss:Index`). Data types: String, Number, DateTime
(ISO, no time zone), Boolean (1/0) and Error (#N/A). Parsed by defusedxml: no DTD, no entity.
"""

from __future__ import annotations

import re
from datetime import datetime
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
    _decoded_text,
    _header_issues,
    _info,
    _rows_table,
)
from .safety import read_bounded
from .sniff import SPREADSHEET_NS

_SS = "{" + SPREADSHEET_NS + "}"
_EXCEL_NS = "{urn:schemas-microsoft-com:office:excel}"
_HIDDEN = {"SheetHidden": "hidden", "SheetVeryHidden": "veryHidden"}
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def read_spreadsheetml(path: str, synonyms: set[str] | None, limits: Limits) -> RawTable:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    file = str(path)
    text, encoding = _decoded_text(read_bounded(path), file)
    try:
        # the text is decoded already (UTF-8, else GB18030): its declaration's encoding must not apply again
        root = fromstring(_DECLARATION.sub("", text.lstrip("\ufeff"), count=1))
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise FileFailure.of("corrupt_file.xml", file, detail=f"{type(exc).__name__}: {exc}"[:200]) from None
    issues: list = []
    candidates: list[_Candidate] = []
    for sheet in root.iter(_SS + "Worksheet"):
        name = sheet.get(_SS + "Name") or f"Sheet{len(candidates) + 1}"
        state = _visibility(sheet)
        if state != "visible":
            issues.append(_info("hidden_sheet_ignored", file, name, detail=state))
            continue
        table = sheet.find(_SS + "Table")
        rows = _rows(table, file, limits, name) if table is not None else []
        if not any(any(v is not None for v in values) for _, values in rows):
            continue
        first = next(i for i, (_, values) in enumerate(rows) if any(v is not None for v in values))
        rows = rows[first:]
        probe = [values for _, values in rows[:PROBE_ROWS]]
        candidates.append(_Candidate(name, find_header(probe, synonyms), rows))
    chosen, choice_issues = _choose(candidates, file, synonyms)
    rows = chosen.context
    guess = chosen.guess
    numbers = [number for number, _ in rows]
    header_rows = [numbers[i] for i in guess.row_indices]
    return _rows_table(
        [values for _, values in rows],
        numbers,
        guess,
        letters=True,
        file=file,
        sheet=chosen.name,
        format="xml",
        encoding=encoding,
        header_rows=header_rows,
        issues=issues + choice_issues + _header_issues(guess, header_rows, file, chosen.name, synonyms),
    )


def _visibility(sheet: Any) -> str:
    options = sheet.find(_EXCEL_NS + "WorksheetOptions")
    visible = options.find(_EXCEL_NS + "Visible") if options is not None else None
    return _HIDDEN.get((visible.text or "").strip(), "visible") if visible is not None else "visible"


def _rows(table: Any, file: str, limits: Limits, sheet: str) -> list[tuple[int, list[Any]]]:
    """(sheet row number, cell values) of every row, columns placed by ss:Index and ss:MergeAcross."""
    rows: list[tuple[int, list[Any]]] = []
    number, cells = 0, 0
    down: dict[int, list] = {}  # column -> [rows still covered, value]: a cell merged down (ss:MergeDown)
    for row in table.iter(_SS + "Row"):
        number = _index(row, number + 1)
        values: list[Any] = []
        for cell in row.iter(_SS + "Cell"):
            column = _index(cell, len(values) + 1)
            _check_width(column, file, limits, sheet)
            values.extend([None] * (column - 1 - len(values)))
            values.append(_value(cell))
            span = _index(cell, 0, "MergeAcross")
            _check_width(len(values) + span, file, limits, sheet)
            if _index(cell, 0, "MergeDown"):
                down[len(values) - 1] = [_index(cell, 0, "MergeDown") + 1, values[-1]]  # this row counts too
            values.extend([None] * span)
        _fill_merged_down(values, down, number)
        cells += len(values)
        rows.append((number, values))
        _check_rows(len(rows), file, limits, sheet)
        _check_cells(1, cells, file, limits, sheet)
    return rows


def _fill_merged_down(values: list[Any], down: dict[int, list], number: int) -> None:
    """The value of a cell merged down, in each row it covers (the page shows it there; a row is one ticket)."""
    for column in sorted(down):
        left, value = down[column]
        if left <= 0:
            continue
        if column >= len(values):
            values.extend([None] * (column + 1 - len(values)))
        if values[column] is None:
            values[column] = value
    for column in list(down):
        down[column][0] -= 1
        if down[column][0] < 0:
            del down[column]


def _index(element: Any, default: int, attribute: str = "Index") -> int:
    text = element.get(_SS + attribute)
    return int(text) if text is not None and text.isdigit() and 0 < int(text) < 10**7 else default


def _value(cell: Any) -> Any:
    """A cell's value typed as its Data element says; a formula's cached result is the Data too."""
    data = cell.find(_SS + "Data")
    if data is None:
        return None
    text = "".join(data.itertext())  # rich text: <Font> runs inside <ss:Data>
    kind = data.get(_SS + "Type", "String")
    if text.strip() == "":
        return None
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text
