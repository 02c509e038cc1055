"""xlsx: from a workbook package to a RawTable.

fastexcel (calamine) is the fastest reader measured. Finding the header must not cost a second pass
over a million rows, so the first rows are read by streaming the sheet's XML directly (stopping
early), and calamine then loads only the data rows below the header, in a child process bounded in
memory and time (sheet_worker: a native reader aborts the process it runs in when a file claims an
absurd size), while this process counts the bytes the package really inflates to
(safety.count_inflated). Workbook facts calamine does not expose (sheet visibility, the 1904 date
system, merged header cells) come from the package's small XML parts.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .header import HeaderGuess, MergedRange, column_letter, find_header
from .rawtable import SETTINGS_HINT, FileFailure, Limits, RawTable
from .read_common import PROBE_ROWS, _Candidate, _check_rows, _check_width, _choose, _header_issues, _info, _names_for
from .safety import Tail, check_xml_parts, check_zip, count_inflated
from .sheet_worker import CELLS_FILE, TABLE_FILE, read_in_child
from .values import arrow_text, string_series

STREAM_CHUNK = 1 << 16
EXCEL_MAX_ROW = 1_048_576  # a cell reference beyond Excel's grid is no genuine workbook's
EXCEL_MAX_COLUMN = 16_384
# calamine's resident peak per byte of inflated package: 1.75 measured on 1M tickets (1.07 GB inflated,
# 1.88 GB peak). An estimate below that, so that only a read bound to fail is stopped early.
XLSX_MEMORY_FACTOR = 1.5


# ---------------------------------------------------------------- xlsx: the package


_MAIN_NS = re.compile(r"^\{[^}]*\}")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
# Some writers prefix the main namespace (<x:row>), so the byte patterns allow a prefix.
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension[^>]*\bref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)"')
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


def _local(tag: str) -> str:
    """An element's name without its namespace (transitional and strict OOXML differ only there)."""
    return _MAIN_NS.sub("", tag)


def _attribute(element: ElementTree.Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _column_index(letters: str) -> int:
    """0-based index of a cell reference's letters; ValueError beyond Excel's last column (XFD)."""
    if len(letters) > 3 or _letters_to_index(letters) >= EXCEL_MAX_COLUMN:
        raise ValueError(f"column {letters[:10]!r} is beyond Excel's last column XFD")
    return _letters_to_index(letters)


def _letters_to_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - ord("A") + 1)
    return index - 1


@dataclass(frozen=True)
class _SheetEntry:
    name: str
    part: str  # path of the worksheet XML inside the package
    state: str  # "visible" | "hidden" | "veryHidden"


@dataclass(frozen=True)
class _WorkbookInfo:
    sheets: list[_SheetEntry]
    date1904: bool


def _read_workbook_info(archive: zipfile.ZipFile) -> _WorkbookInfo:
    """Sheets in workbook order with their visibility and part, and the date system."""
    from defusedxml.ElementTree import fromstring

    workbook = fromstring(archive.read("xl/workbook.xml"))
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        for rel in fromstring(archive.read("xl/_rels/workbook.xml.rels")):
            target = rel.get("Target", "")
            targets[rel.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    date1904 = False
    sheets = []
    for element in workbook.iter():
        kind = _local(element.tag)
        if kind == "workbookPr":
            date1904 = (element.get("date1904") or "").lower() in ("1", "true")
        elif kind == "sheet":
            part = targets.get(_attribute(element, "id") or "", "")
            sheets.append(_SheetEntry(element.get("name", ""), part, element.get("state", "visible")))
    return _WorkbookInfo(sheets, date1904)


class _SharedStrings:
    """The shared-strings table, parsed only as far as the indexes asked for (headers come early)."""

    PART = "xl/sharedStrings.xml"

    def __init__(self, archive: zipfile.ZipFile):
        self._strings: list[str] = []
        self._stream = archive.open(self.PART) if self.PART in archive.namelist() else None
        self._parser: ElementTree.XMLPullParser = ElementTree.XMLPullParser(events=("end",))

    def get(self, index: int) -> str:
        if index < 0:
            raise ValueError(f"shared string index {index} is negative")
        while index >= len(self._strings) and self._stream is not None:
            chunk = self._stream.read(STREAM_CHUNK)
            if chunk:
                self._parser.feed(chunk)
            else:
                self._stream.close()
                self._stream = None
                self._parser.close()
            for element in _ended(self._parser):
                if _local(element.tag) == "si":
                    self._strings.append(_rich_text(element))
                    element.clear()
        return self._strings[index] if index < len(self._strings) else ""

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


def _rich_text(element: ElementTree.Element) -> str:
    """The text of a string item: its <t> runs, without phonetic guides (<rPh>)."""
    parts = []
    for child in element:
        kind = _local(child.tag)
        if kind == "t":
            parts.append(child.text or "")
        elif kind == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


@dataclass
class _Probe:
    """The first rows of a worksheet, as a user sees them."""

    first_row: int  # 1-based row of the first cell with a value (where calamine's range starts)
    rows: list[list[Any]]  # rows first_row, first_row + 1, …; index 0 of each row is column A
    declared_last_row: int | None = None  # from <dimension>; may be wrong, so only a first check


def _probe_sheet(archive: zipfile.ZipFile, part: str, strings: _SharedStrings, limit: int = PROBE_ROWS) -> _Probe:
    """Stream a worksheet's XML until `limit` rows below the first value are seen, then stop.

    The standard library parser is safe here only because check_xml_parts has
    already refused any part with a DTD: without one, no entity can expand.
    """
    with archive.open(part) as stream:
        first_chunk = stream.read(STREAM_CHUNK)
        match = _DIMENSION.search(first_chunk)
        cells = _first_rows(_chunks(first_chunk, stream), strings, limit)
    declared = int(match.group(1)) if match else None
    if not cells:
        return _Probe(1, [], declared)
    first_row = min(cells)
    width = max(max(values) for values in cells.values()) + 1
    rows = [[cells.get(number, {}).get(c) for c in range(width)] for number in range(first_row, first_row + limit)]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return _Probe(first_row, rows, declared)


def _chunks(first: bytes, stream: Any) -> Iterable[bytes]:
    yield first
    while chunk := stream.read(STREAM_CHUNK):
        yield chunk


def _ended(parser: ElementTree.XMLPullParser) -> Iterator[ElementTree.Element]:
    """The elements `parser` has finished since it was last asked (it reports "end" events only)."""
    for event in parser.read_events():
        element = event[-1]
        if isinstance(element, ElementTree.Element):
            yield element


def _first_rows(chunks: Iterable[bytes], strings: _SharedStrings, limit: int) -> dict[int, dict[int, Any]]:
    """Row number -> {column index: value} for the rows holding values, up to `limit` rows from the first."""
    parser: ElementTree.XMLPullParser = ElementTree.XMLPullParser(events=("end",))
    cells: dict[int, dict[int, Any]] = {}
    row_number = 0
    for chunk in chunks:
        parser.feed(chunk)
        for element in _ended(parser):
            if _local(element.tag) != "row":
                continue
            row_number = _row_number(element.get("r"), row_number)
            values = _row_values(element, strings)
            element.clear()
            if values:
                cells[row_number] = values
            if cells and row_number >= min(cells) + limit - 1:
                return cells
    parser.close()  # the whole part was read: raises ParseError if it ends mid-element
    return cells


def _row_number(attribute: str | None, previous: int) -> int:
    """A <row>'s number: its r attribute, else the one after the previous row; ValueError beyond Excel's grid."""
    if not attribute:
        return previous + 1
    if not attribute.isdigit() or len(attribute) > 7 or not 0 < int(attribute) <= EXCEL_MAX_ROW:
        raise ValueError(f"row number {attribute[:20]!r} is outside Excel's 1–{EXCEL_MAX_ROW:,}")
    return int(attribute)


def _row_values(row: ElementTree.Element, strings: _SharedStrings) -> dict[int, Any]:
    """Column index -> value for the cells of one <row> that hold a value."""
    values: dict[int, Any] = {}
    column = -1
    for cell in row:
        if _local(cell.tag) != "c":
            continue
        match = _CELL_REF.match(cell.get("r") or "")
        column = _column_index(match.group(1)) if match else column + 1
        kind = cell.get("t", "n")
        raw = inline = None
        for child in cell:
            name = _local(child.tag)
            if name == "v":
                raw = child.text or ""
            elif name == "is":
                inline = _rich_text(child)
        if inline is not None:
            values[column] = inline
        elif raw is not None:
            values[column] = _cell_value(kind, raw, strings)
    return values


def _cell_value(kind: str, raw: str, strings: _SharedStrings) -> Any:
    if kind == "s":
        return strings.get(int(raw))
    if kind == "b":
        return raw == "1"
    if kind in ("str", "e", "d", "inlineStr"):
        return raw
    try:
        return float(raw)
    except ValueError:
        return raw


def _read_merges(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges (1-based rows, 0-based columns).

    They follow <sheetData>, and a deflated part cannot be entered in the
    middle, so the part is inflated once and only what follows the end of the
    cell data is kept (about 0.7 s for a million rows; done only for two-level headers,
    which need them before the data is read; the data rows' merges come with the safety count).
    """
    tail = Tail(part, _SHEET_DATA_END)
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            tail.feed(chunk)
    return _merges_in(tail.found or b"")


# ---------------------------------------------------------------- xlsx: reading


def read_xlsx(path: str, synonyms: set[str] | None, limits: Limits) -> RawTable:
    file = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, file, limits)
            check_xml_parts(archive, file)
            info = _read_workbook_info(archive)
            issues = [
                _info("hidden_sheet_ignored", file, s.name, detail=s.state) for s in info.sheets if s.state != "visible"
            ]
            strings = _SharedStrings(archive)
            try:
                candidates = [
                    _sheet_candidate(archive, s, strings, synonyms)
                    for s in info.sheets
                    if s.state == "visible" and s.part in archive.namelist()
                ]
            finally:
                strings.close()
            chosen, choice_issues = _choose([c for c in candidates if c.context.rows], file, synonyms)
            probe: _Probe = chosen.context
            guess = chosen.guess
            if len(guess.row_indices) == 2:
                guess = _with_merges(archive, chosen, synonyms)
    except (zipfile.BadZipFile, zlib.error, EOFError, ElementTree.ParseError, ValueError, KeyError) as exc:
        # A damaged part (bad CRC, cut deflate stream, malformed XML, a string index out of range).
        raise FileFailure.of("corrupt_file.xlsx", file, detail=f"{type(exc).__name__}: {exc}") from None
    header_rows = [probe.first_row + i for i in guess.row_indices]
    data_start = header_rows[-1] + 1
    if probe.declared_last_row is not None:
        _check_rows(probe.declared_last_row - header_rows[-1], file, limits, chosen.name)
    part = next(s.part for s in info.sheets if s.name == chosen.name)
    frame, indexes, merges = _load_in_child(file, chosen.name, part, data_start - 1, limits)
    _check_rows(len(frame), file, limits, chosen.name)
    filled = _fill_merged(frame, indexes, merges, data_start)
    if filled:
        issues.append(_info("merged_cells_filled", file, chosen.name, count=filled))
    names = _names_for(guess, indexes)
    frame.columns = names
    return RawTable(
        file=file,
        sheet=chosen.name,
        format="xlsx",
        encoding=None,
        header_rows=header_rows,
        columns=names,
        column_letters=[column_letter(i) for i in indexes],
        data=frame,
        row_numbers=np.arange(data_start, data_start + len(frame), dtype=np.int64),
        date1904=info.date1904,
        issues=issues + choice_issues + _header_issues(guess, header_rows, file, chosen.name, synonyms),
    )


def _sheet_candidate(
    archive: zipfile.ZipFile, sheet: _SheetEntry, strings: _SharedStrings, synonyms: set[str] | None
) -> _Candidate:
    probe = _probe_sheet(archive, sheet.part, strings)
    return _Candidate(sheet.name, find_header(probe.rows, synonyms), probe)


def _with_merges(archive: zipfile.ZipFile, chosen: _Candidate, synonyms: set[str] | None) -> HeaderGuess:
    """Redo a two-level header with the sheet's real merged ranges, so parents cover exactly their columns."""
    probe: _Probe = chosen.context
    part = next(s.part for s in _read_workbook_info(archive).sheets if s.name == chosen.name)
    merges: list[MergedRange] = [
        (r1 - probe.first_row, c1, r2 - probe.first_row, c2)
        for r1, c1, r2, c2 in _read_merges(archive, part)
        if r1 - probe.first_row < len(probe.rows)
    ]
    return find_header(probe.rows, synonyms, merges=merges) if merges else chosen.guess


def _load_in_child(
    file: str, sheet: str, part: str, skip: int, limits: Limits
) -> tuple[pd.DataFrame, list[int], list[tuple[int, int, int, int]]]:
    """The data rows below the header, read by calamine in a bounded child (sheet_worker) while this
    process counts the bytes the package really inflates to; formula errors and odd cells restored.
    The count also keeps the sheet's merged ranges, which follow its cell data (`_merges_in`).

    Without a header row, fastexcel counts `skip_rows` from the sheet's row 1,
    not from its first value, so `skip` is the 0-based row where data starts.
    """

    tail = Tail(part, _SHEET_DATA_END)

    def count(child_failed: Callable[[], bool]) -> None:
        inflated = count_inflated(file, limits, should_stop=child_failed, tail=tail)
        if inflated * XLSX_MEMORY_FACTOR > limits.max_reader_memory_bytes:  # hopeless: stop the child now
            raise FileFailure.of(
                "reader_limit.estimate_xlsx",
                file,
                sheet=sheet,
                size=f"{inflated / 2**20:,.0f}",
                need=f"{inflated * XLSX_MEMORY_FACTOR / 2**20:,.0f}",
                memory=f"{limits.max_reader_memory_bytes / 2**20:,.0f}",
                settings=SETTINGS_HINT,
            )

    request = {"kind": "xlsx", "path": str(Path(file).resolve()), "sheet": sheet, "skip": skip}
    with read_in_child(request, limits, file, sheet, while_waiting=count) as folder:
        with pa.memory_map(str(folder / TABLE_FILE)) as source:
            table = pa.ipc.open_file(source).read_all()
        indexes = json.loads(table.schema.metadata[b"citistat.columns"])
        frame = table.to_pandas()
        del table
        cells = json.loads((folder / CELLS_FILE).read_text(encoding="utf-8"))
    frame.columns = range(frame.shape[1])
    _check_width(len(indexes), file, limits, sheet)
    _restore_cells(frame, cells)
    return frame, indexes, _merges_in(tail.found or b"")


def _merges_in(after_cells: bytes) -> list[tuple[int, int, int, int]]:
    """Merged ranges (1-based rows, 0-based columns) in what follows a worksheet's cell data."""
    return [
        (int(r1), _column_index(c1.decode()), int(r2), _column_index(c2.decode()))
        for c1, r1, c2, r2 in _MERGE.findall(after_cells)
    ]


def _fill_merged(frame: pd.DataFrame, indexes: list[int], merges: list[tuple[int, int, int, int]], first: int) -> int:
    """Give each blank cell of a range merged over the data rows its first cell's value, as Excel shows it:
    an agency merged down over its tickets names each of them. `first` is the sheet row of frame row 0.
    Returns how many ranges filled a cell (header merges are the header's business)."""
    position = {column: i for i, column in enumerate(indexes)}
    last = len(frame) - 1
    fills: dict[int, dict[int, Any]] = {}  # frame column -> {frame row: value}
    ranges: list[set[tuple[int, int]]] = []
    for r1, c1, r2, c2 in merges:
        top = r1 - first
        if top < 0 or top > last or c1 not in position:
            continue
        value: Any = frame.iat[top, position[c1]]
        if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
            continue
        cells = {(row, position[c]) for row in range(top, min(r2 - first, last) + 1) for c in range(c1, c2 + 1)}
        cells -= {(top, position[c1])}
        for row, column in cells:
            fills.setdefault(column, {})[row] = value
        ranges.append(cells)
    filled: set[tuple[int, int]] = set()
    for column, values in fills.items():
        blank = frame[column].isna().to_numpy()
        values_at = sorted((row, value) for row, value in values.items() if blank[row])
        if values_at:
            frame[column] = _with_cells(frame[column], values_at)
            filled.update((row, column) for row, _ in values_at)
    return sum(1 for cells in ranges if cells & filled)


def _restore_cells(frame: pd.DataFrame, cells: Iterable[Sequence[Any]]) -> None:
    """Put back what calamine could not fit in a column's type: error cells as "#N/A", odd cells as themselves."""
    by_column: dict[int, list[tuple[int, Any]]] = {}
    for row, column, value in cells:
        by_column.setdefault(column, []).append((row, value))
    for column, values_at in by_column.items():
        frame[column] = _with_cells(frame[column], sorted(values_at, key=lambda cell: cell[0]))


def _with_cells(column: pd.Series, values_at: list[tuple[int, Any]]) -> pd.Series:
    """`column` with the cells at those rows replaced.

    A million-row export has a few odd cells in a typed column, so the rest stays as cheap as it can:
    a text column keeps its Arrow strings when only text comes back, and a date column becomes Python
    datetimes through numpy (pandas' Timestamps cost ten times as much to make).
    """
    rows = np.array([row for row, _ in values_at], dtype=np.int64)
    values = [value for _, value in values_at]
    array = arrow_text(column)
    if array is not None and all(isinstance(value, str) for value in values):
        mask = np.zeros(len(column), dtype=bool)
        mask[rows] = True
        restored = pc.replace_with_mask(array, pa.array(mask), pa.array(values, type=array.type))
        return string_series(restored, column.index).astype(column.dtype)
    objects = _as_objects(column)
    for row, value in zip(rows, values, strict=True):  # a few cells
        objects[row] = value
    return pd.Series(objects, index=column.index, dtype=object)


COARSE_DATES = ("datetime64[s]", "datetime64[ms]", "datetime64[us]")  # numpy turns these into datetime.datetime


def _as_objects(column: pd.Series) -> np.ndarray:
    """A column's cells as Python objects, in a new array (blank dates as None)."""
    if str(column.dtype) in COARSE_DATES:
        return column.to_numpy().astype(object)  # datetime.datetime; finer units would come out as integers
    return column.astype(object).to_numpy(copy=True)
