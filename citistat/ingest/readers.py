"""Readers: from a sniffed file to a RawTable, one function per format.

xlsx is read by fastexcel (calamine), the fastest reader measured. Finding the
header must not cost a second pass over a million rows, so the first rows are
read by streaming the sheet's XML directly (stopping early), and calamine
then loads only the data rows below the header, in a child process bounded in
memory and time (sheet_worker: a native reader aborts the process it runs in
when a file claims an absurd size), while this process counts the bytes the
package really inflates to (safety.count_inflated). Workbook facts calamine does
not expose (sheet visibility, the 1904 date system, merged header cells) come
from the package's small XML parts.

CSV/TSV are decoded in Python (UTF-8, else GB18030) and parsed by pandas' C
engine as text. Legacy .xls goes through xlrd (in the same bounded child),
HTML tables through the standard library's HTML parser, JSON through json.
Every reader refuses a table wider than `max_columns` or larger than
`max_cells` before building it, and reads a file no further than its size.

    read_table(path, header_synonyms=..., limits=...) -> RawTable   # raises FileFailure
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from ..quality import CELL, INFO, DataIssue
from .header import HeaderGuess, MergedRange, cell_label, column_letter, find_header, finish_names
from .messages import file_issue
from .rawtable import SETTINGS_HINT, FileFailure, Limits, RawTable
from .safety import check_regular_file, check_xml_parts, check_zip, count_inflated, read_bounded
from .sheet_worker import CELLS_FILE, TABLE_FILE, read_in_child
from .sniff import decode_text, sniff_delimiter, sniff_format

PROBE_ROWS = 30  # rows read to find the header
AMBIGUITY_SHARE = 0.8  # a second sheet scoring this close to the best one makes the choice ambiguous
STREAM_CHUNK = 1 << 16
EXCEL_MAX_ROW = 1_048_576  # a cell reference beyond Excel's grid is no genuine workbook's
EXCEL_MAX_COLUMN = 16_384
# Peak memory of reading a text format, in multiples of the file's size (bytes, decoded text, parsed
# table): a 170 MB CSV of 1M tickets peaks about 1.0 GB above the interpreter, 6x; 7 leaves a margin.
# JSON and HTML build a Python object per cell.
TEXT_MEMORY_FACTOR = {"text": 7.0, "json": 12.0, "html": 12.0}
# calamine's resident peak per byte of inflated package: 1.75 measured on 1M tickets (1.07 GB inflated,
# 1.88 GB peak). An estimate below that, so that only a read bound to fail is stopped early.
XLSX_MEMORY_FACTOR = 1.5


def read_table(path: str, *, header_synonyms: set[str] | None, limits: Limits) -> RawTable:
    """Sniff the file's real format and read its ticket table."""
    check_regular_file(path)
    sniffed = sniff_format(path)
    if sniffed.format in ("text", "html", "json"):
        _check_text_size(path, limits, TEXT_MEMORY_FACTOR[sniffed.format])
    if sniffed.format in ("xlsx", "xls"):
        reader = read_xlsx if sniffed.format == "xlsx" else read_xls
        table = reader(path, header_synonyms, limits)
        if sniffed.misnamed:
            table.issues.insert(0, _info("misnamed_file", table.file, None, format=sniffed.format))
        return table
    if sniffed.format == "html":
        return read_html(path, header_synonyms, limits, misnamed=sniffed.misnamed)
    if sniffed.format == "json":
        return read_json(path, limits)
    return read_delimited(path, header_synonyms, limits, misnamed=sniffed.misnamed)


# ---------------------------------------------------------------- shared steps


@dataclass
class _Candidate:
    """A sheet (or HTML table) considered as the ticket table, with the header found in it."""

    name: str
    guess: HeaderGuess
    context: Any = None  # reader-specific: where to read the rest from


def _choose(candidates: list[_Candidate], file: str, synonyms: set[str] | None, kind: str = "sheet") -> tuple[_Candidate, list[DataIssue]]:
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
        issues.append(_info(_worded("other_sheets_ignored", kind), file, best.name,
                            listing=", ".join(repr(n) for n in others)))
    return best, issues


def _info(key: str, file: str, sheet: str | None, *, severity: str = INFO, row: int | None = None,
          **fields: object) -> DataIssue:
    """A note or warning about the file, worded from the catalogue in the load's language."""
    return file_issue(key, severity, file=file, sheet=sheet, row=row, **fields)


def _worded(code: str, kind: str) -> str:
    """The catalogue key of a message about a sheet ("sheet") or an HTML table ("table")."""
    return code if kind == "sheet" else f"{code}.{kind}"


def _header_issues(guess: HeaderGuess, header_rows: list[int], file: str, sheet: str | None, synonyms: set[str] | None) -> list[DataIssue]:
    """Say where the header was found, and warn when no known column name was seen."""
    rows = f"{header_rows[0]}–{header_rows[-1]}" if len(header_rows) > 1 else str(header_rows[0])
    skipped = header_rows[0] - 1
    found = _info("header_found.skipped" if skipped else "header_found", file, sheet, row=header_rows[0],
                  rows=rows, count=skipped)
    issues = [found]
    if synonyms and not guess.recognised:
        issues.append(_info("header_not_recognised", file, sheet, severity=CELL, row=header_rows[0], rows=rows))
    return issues


def _check_rows(count: int, file: str, limits: Limits, sheet: str | None = None) -> None:
    if count > limits.max_rows:
        raise FileFailure.of("too_many_rows", file, sheet=sheet, count=f"{count:,}", limit=f"{limits.max_rows:,}",
                             settings=SETTINGS_HINT)


def _check_width(count: int, file: str, limits: Limits, sheet: str | None = None) -> None:
    if count > limits.max_columns:
        raise FileFailure.of("too_many_columns", file, sheet=sheet, count=f"{count:,}", limit=f"{limits.max_columns:,}",
                             settings=SETTINGS_HINT)


def _check_cells(rows: int, columns: int, file: str, limits: Limits, sheet: str | None = None) -> None:
    """Rows × columns against `max_cells`, checked before a table of that shape is built."""
    if rows * columns > limits.max_cells:
        raise FileFailure.of("too_many_cells", file, sheet=sheet, count=f"{rows * columns:,}",
                             rows=f"{rows:,}", columns=f"{columns:,}", limit=f"{limits.max_cells:,}",
                             settings=SETTINGS_HINT)


def _check_text_size(path: str, limits: Limits, memory_factor: float) -> None:
    """A text file is read whole into memory: the same bound as for a workbook's inflated parts, and
    the memory its reader needs (about `memory_factor` times the file) within `max_reader_memory_mb`."""
    size = os.path.getsize(path)
    if size > limits.max_uncompressed_bytes:
        raise FileFailure.of("file_too_large", str(path), size=f"{size / 2**20:,.0f}",
                             limit=f"{limits.max_uncompressed_bytes / 2**20:,.0f}", settings=SETTINGS_HINT)
    if size * memory_factor > limits.max_reader_memory_bytes:
        raise FileFailure.of("reader_limit.estimate", str(path), size=f"{size / 2**20:,.0f}",
                             need=f"{size * memory_factor / 2**20:,.0f}",
                             memory=f"{limits.max_reader_memory_bytes / 2**20:,.0f}", settings=SETTINGS_HINT)


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
    data_rows = rows[guess.last_row_index + 1:]
    width = max([len(guess.names), *(len(r) for r in data_rows)])
    padded = [list(r) + [None] * (width - len(r)) for r in data_rows]
    names = _names_for(guess, range(width))
    frame = pd.DataFrame(padded, columns=names, dtype=object) if padded else pd.DataFrame(columns=names, dtype=object)
    numbers = np.asarray(row_numbers[guess.last_row_index + 1:], dtype=np.int64)
    column_letters = [column_letter(i) if letters else None for i in range(width)]
    return RawTable(columns=names, column_letters=column_letters, data=frame, row_numbers=numbers, **table)


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
        self._parser = ElementTree.XMLPullParser(events=("end",))

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
            for _, element in self._parser.read_events():
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


def _first_rows(chunks: Iterable[bytes], strings: _SharedStrings, limit: int) -> dict[int, dict[int, Any]]:
    """Row number -> {column index: value} for the rows holding values, up to `limit` rows from the first."""
    parser = ElementTree.XMLPullParser(events=("end",))
    cells: dict[int, dict[int, Any]] = {}
    row_number = 0
    for chunk in chunks:
        parser.feed(chunk)
        for _, element in parser.read_events():
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
    cell data is kept (about 0.7 s for a million rows; done only for two-level headers).
    """
    carry, after = b"", []
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            if after:
                after.append(chunk)
                continue
            window = carry + chunk
            match = _SHEET_DATA_END.search(window)
            if match:
                after.append(window[match.end():] or b" ")
            else:
                carry = window[-64:]  # an end tag split across two chunks
    return [
        (int(r1), _column_index(c1.decode()), int(r2), _column_index(c2.decode()))
        for c1, r1, c2, r2 in _MERGE.findall(b"".join(after))
    ]


# ---------------------------------------------------------------- xlsx: reading


def read_xlsx(path: str, synonyms: set[str] | None, limits: Limits) -> RawTable:
    file = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, file, limits)
            check_xml_parts(archive, file)
            info = _read_workbook_info(archive)
            issues = [
                _info("hidden_sheet_ignored", file, s.name, detail=s.state)
                for s in info.sheets if s.state != "visible"
            ]
            strings = _SharedStrings(archive)
            try:
                candidates = [
                    _sheet_candidate(archive, s, strings, synonyms)
                    for s in info.sheets if s.state == "visible" and s.part in archive.namelist()
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
    frame, indexes = _load_in_child(file, chosen.name, data_start - 1, limits)
    _check_rows(len(frame), file, limits, chosen.name)
    names = _names_for(guess, indexes)
    frame.columns = names
    return RawTable(
        file=file, sheet=chosen.name, format="xlsx", encoding=None, header_rows=header_rows,
        columns=names, column_letters=[column_letter(i) for i in indexes], data=frame,
        row_numbers=np.arange(data_start, data_start + len(frame), dtype=np.int64), date1904=info.date1904,
        issues=issues + choice_issues + _header_issues(guess, header_rows, file, chosen.name, synonyms),
    )


def list_sheets(path: str) -> list[tuple[str, str]]:
    """(name, visibility) of every sheet of a workbook, in workbook order; visibility is
    "visible", "hidden" or "veryHidden". For `citistat validate` and error messages."""
    check_regular_file(path)
    sniffed = sniff_format(path)
    if sniffed.format == "xlsx":
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, str(path), Limits())
            check_xml_parts(archive, str(path))
            return [(s.name, s.state) for s in _read_workbook_info(archive).sheets]
    if sniffed.format == "xls":
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            return [(sheet.name, _XLS_STATES.get(sheet.visibility, "hidden")) for sheet in book.sheets()]
        finally:
            book.release_resources()
    return []


def _sheet_candidate(archive: zipfile.ZipFile, sheet: _SheetEntry, strings: _SharedStrings, synonyms: set[str] | None) -> _Candidate:
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


def _load_in_child(file: str, sheet: str, skip: int, limits: Limits) -> tuple[pd.DataFrame, list[int]]:
    """The data rows below the header, read by calamine in a bounded child (sheet_worker) while this
    process counts the bytes the package really inflates to; formula errors and odd cells restored.

    Without a header row, fastexcel counts `skip_rows` from the sheet's row 1,
    not from its first value, so `skip` is the 0-based row where data starts.
    """
    import pyarrow as pa

    def count(child_failed: Callable[[], bool]) -> None:
        inflated = count_inflated(file, limits, should_stop=child_failed)
        if inflated * XLSX_MEMORY_FACTOR > limits.max_reader_memory_bytes:  # hopeless: stop the child now
            raise FileFailure.of("reader_limit.estimate_xlsx", file, sheet=sheet, size=f"{inflated / 2**20:,.0f}",
                                 need=f"{inflated * XLSX_MEMORY_FACTOR / 2**20:,.0f}",
                                 memory=f"{limits.max_reader_memory_bytes / 2**20:,.0f}", settings=SETTINGS_HINT)

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
    return frame, indexes


def _restore_cells(frame: pd.DataFrame, cells: Iterable[Sequence[Any]]) -> None:
    """Put back what calamine could not fit in a column's type: error cells as "#N/A", odd cells as themselves."""
    by_column: dict[int, list[tuple[int, Any]]] = {}
    for row, column, value in cells:
        by_column.setdefault(column, []).append((row, value))
    for column, values_at in by_column.items():
        values = frame[column].astype(object)
        for row, value in values_at:
            values.iat[row] = value
        frame[column] = values


# ---------------------------------------------------------------- legacy xls


_XLS_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}


def read_xls(path: str, synonyms: set[str] | None, limits: Limits) -> RawTable:
    """A legacy workbook, read by xlrd in a bounded child (a cell record may claim any row and column)."""
    import dataclasses
    import pickle

    file = str(path)
    request = {"kind": "xls", "path": str(Path(file).resolve()), "limits": dataclasses.asdict(limits),
               "synonyms": sorted(synonyms) if synonyms is not None else None}
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

    book = xlrd.open_workbook(file, on_demand=True)
    try:
        issues, candidates = [], []
        for index, name in enumerate(book.sheet_names()):
            sheet = book.sheet_by_index(index)
            if sheet.visibility:
                issues.append(_info("hidden_sheet_ignored", file, name, detail=_XLS_STATES.get(sheet.visibility, "hidden")))
                continue
            first = _xls_first_row(sheet)
            if first is None:
                continue
            probe = [_xls_row(sheet, r, book.datemode) for r in range(first, min(first + PROBE_ROWS, sheet.nrows))]
            candidates.append(_Candidate(name, find_header(probe, synonyms), (sheet, first)))
        chosen, choice_issues = _choose(candidates, file, synonyms)
        sheet, first = chosen.context
        _check_rows(sheet.nrows - first, file, limits, chosen.name)
        _check_width(sheet.ncols, file, limits, chosen.name)
        _check_cells(sheet.nrows - first, sheet.ncols, file, limits, chosen.name)
        rows = [_xls_row(sheet, r, book.datemode) for r in range(first, sheet.nrows)]
    finally:
        book.release_resources()
    guess = chosen.guess
    header_rows = [first + 1 + i for i in guess.row_indices]
    return _rows_table(
        rows, range(first + 1, first + 1 + len(rows)), guess, letters=True,
        file=file, sheet=chosen.name, format="xls", encoding=None, header_rows=header_rows,
        date1904=book.datemode == 1,
        issues=issues + choice_issues + _header_issues(guess, header_rows, file, chosen.name, synonyms),
    )


def _xls_first_row(sheet: Any) -> int | None:
    for r in range(sheet.nrows):
        if any(v not in ("", None) for v in sheet.row_values(r)):
            return r
    return None


def _xls_row(sheet: Any, rowx: int, datemode: int) -> list[Any]:
    import xlrd

    values = []
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


# ---------------------------------------------------------------- CSV / TSV


def read_delimited(path: str, synonyms: set[str] | None, limits: Limits, *, misnamed: bool = False) -> RawTable:
    file = str(path)
    raw = read_bounded(path)
    text, encoding = _decoded_text(raw, file)
    csv.field_size_limit(max(len(text), 1 << 17))  # long cells are reported below, never a parse failure
    head_lines = text[: 1 << 20].splitlines()[: PROBE_ROWS * 4]
    delimiter = sniff_delimiter(head_lines[:PROBE_ROWS])
    probe, probe_lines = _probe_records(text, delimiter)
    width = max(map(len, probe), default=0)
    _check_width(width, file, limits)
    _check_cells(text.count("\n") + 1, width, file, limits)
    guess = find_header(probe, synonyms)
    header_rows = [probe_lines[i] for i in guess.row_indices]
    data_line = header_rows[-1] + 1  # a header cell spanning lines is not supported: exports never do that
    fmt = "tsv" if delimiter == "\t" else "csv"
    issues = _header_issues(guess, header_rows, file, None, synonyms)
    if misnamed:
        issues.insert(0, _info("misnamed_file.text", file, None, format=fmt.upper(), extension=fmt))
    rest = _utf8_from_line(raw, text, encoding, data_line)
    del raw, text
    frame, numbers = _parse_delimited(rest, delimiter, data_line, file, limits)
    _check_rows(len(frame), file, limits)
    names = _names_for(guess, range(frame.shape[1]))
    frame.columns = names
    issues += _cut_long_cells(frame, numbers, file, limits, lambda: _may_hold_long_cells(rest, len(frame), limits.max_cell_chars))
    del rest
    return RawTable(
        file=file, sheet=None, format=fmt, encoding=encoding, header_rows=header_rows, columns=names,
        column_letters=[None] * len(names), data=frame, row_numbers=numbers, issues=issues,
    )


_SOMETHING = re.compile(r"[^\ufeff\s]")


def _decoded_text(raw: bytes, file: str) -> tuple[str, str]:
    """decode_text, and a file of nothing but a byte-order mark and blanks is empty."""
    text, encoding = decode_text(raw, file)
    if not _SOMETHING.search(text):  # a search, not strip(): that would copy the whole text
        raise FileFailure.of("empty_file", file)
    return text, encoding


def _may_hold_long_cells(data: bytes, records: int, limit: int) -> bool:
    """False when no cell can be longer than `limit` characters: one record per line and no line longer
    than `limit` bytes (a character takes at least one). Saves a pass over every cell of a million rows."""
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return physical != records or _longest_line(data) > limit


def _longest_line(data: bytes, chunk: int = 1 << 24) -> int:
    """Length in bytes of the longest line, counted in chunks (a boolean mask of the whole file would be as big as it)."""
    longest, line_start = 0, 0
    for offset in range(0, len(data), chunk):
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8, count=min(chunk, len(data) - offset), offset=offset) == 10)
        if len(ends):
            ends = ends + offset
            longest = max(longest, int(ends[0]) - line_start, int(np.diff(ends).max(initial=0)) - 1)
            line_start = int(ends[-1]) + 1
    return max(longest, len(data) - line_start)


def _cut_long_cells(frame: pd.DataFrame, numbers: np.ndarray, file: str, limits: Limits,
                    may_hold_long_text: Callable[[], bool]) -> list[DataIssue]:
    """Cells longer than `max_cell_chars` (Excel's own limit by default) cut there, each with a warning.

    Arrow-backed columns (the fast CSV path) give their longest cell at once; Python-object columns
    are walked only when `may_hold_long_text()` says the file could hold such a cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    issues = []
    objects_checked = None
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
            # bytes, read from the offsets: a cell has at least as many bytes as characters
            walk = (pc.max(pc.binary_length(pa.array(column.array))).as_py() or 0) > limits.max_cell_chars
        elif column.dtype == object:
            objects_checked = may_hold_long_text() if objects_checked is None else objects_checked
            walk = objects_checked
        else:
            walk = False
        if walk:
            lengths = column.str.len()
            long = (lengths > limits.max_cell_chars).fillna(False).to_numpy(dtype=bool)
            if long.any():
                for position in np.flatnonzero(long):
                    issues.append(_info("cell_too_large", file, None, severity=CELL, row=int(numbers[position]),
                                        column=name, count=f"{int(lengths.iat[position]):,}",
                                        limit=f"{limits.max_cell_chars:,}", settings=SETTINGS_HINT))
                frame[name] = column.where(~long, column.str.slice(0, limits.max_cell_chars))
    return issues


def _probe_records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The first records and the physical line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text[: 1 << 20]), delimiter=delimiter)
    records, lines = [], []
    start = 1
    for record in reader:
        records.append([value if value != "" else None for value in record])
        lines.append(start)
        start = reader.line_num + 1
        if len(records) >= PROBE_ROWS:
            break
    return records, lines


def _utf8_from_line(raw: bytes, text: str, encoding: str, line: int) -> bytes:
    """The file from physical line `line` on, as UTF-8 bytes for pandas' C parser.

    pandas parses bytes several times faster than a str (StringIO). UTF-8
    input is sliced as it is (already validated by decode_text); other
    encodings are re-encoded once.
    """
    if encoding in ("utf-8", "utf-8-sig"):
        data = raw[3:] if encoding == "utf-8-sig" else raw
        return data[_line_offset(data, b"\n", line):]
    return text[_line_offset(text, "\n", line):].encode("utf-8")


def _line_offset(data, newline, line: int) -> int:
    """Where physical line `line` (1-based) starts; the end when the data has fewer lines."""
    position = 0
    for _ in range(line - 1):
        position = data.find(newline, position) + 1
        if position == 0:
            return len(data)
    return position


def _parse_delimited(rest: bytes, delimiter: str, data_line: int, file: str,
                     limits: Limits) -> tuple[pd.DataFrame, np.ndarray]:
    """Every record of `rest` (which starts at physical line `data_line`) as text, blank -> missing,
    with its physical line number."""
    fast = _parse_one_record_per_line(rest, delimiter)
    if fast is not None:
        return fast, np.arange(data_line, data_line + len(fast), dtype=np.int64)
    try:
        frame = pd.read_csv(
            io.BytesIO(rest), sep=delimiter, header=None, dtype=str, keep_default_na=False,
            na_values=[""], skip_blank_lines=False, engine="c", encoding="utf-8",
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame(dtype=object), np.array([], dtype=np.int64)
    except pd.errors.ParserError:  # ragged rows: the csv module pads them instead of failing
        reader = csv.reader(io.StringIO(rest.decode("utf-8")), delimiter=delimiter)
        records = [[v if v != "" else None for v in r] for r in reader]
        width = max(len(r) for r in records)
        _check_width(width, file, limits)
        _check_cells(len(records), width, file, limits)
        frame = pd.DataFrame([r + [None] * (width - len(r)) for r in records], dtype=object)
    frame.columns = range(frame.shape[1])
    physical = rest.count(b"\n") + (0 if rest.endswith(b"\n") else 1)
    if physical == len(frame):  # one record per line: the common, fast case
        numbers = np.arange(data_line, data_line + len(frame), dtype=np.int64)
    else:
        numbers = _record_lines(rest.decode("utf-8"), delimiter, data_line, len(frame))
    return frame, numbers


def _parse_one_record_per_line(rest: bytes, delimiter: str) -> pd.DataFrame | None:
    """The common export, parsed by pyarrow on every core: one record per line, every line as wide
    as the first (an empty line is a row of missing values, as on the general path). None for
    anything else (a line of another width, a quoted line break, bad UTF-8): the general path
    handles those."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    first = rest[: rest.find(b"\n") if b"\n" in rest else len(rest)].rstrip(b"\r").decode("utf-8", "replace")
    if not first:
        return None
    width = len(next(csv.reader([first], delimiter=delimiter)))
    names = [f"c{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(rest),
            # one block per core: parsed in parallel, and a handful of chunks to join afterwards
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=True,
                                            block_size=max(1 << 20, -(-len(rest) // (os.cpu_count() or 1)))),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in names}, null_values=[""],
                                                  strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows != rest.count(b"\n") + (0 if rest.endswith(b"\n") else 1):
        return None  # a quoted cell spans lines: row numbers must come from the general path
    # one chunk per column: later steps slice and compare whole columns (many chunks make that slower)
    frame = table.combine_chunks().to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    frame.columns = range(width)
    return frame


def _record_lines(rest: str, delimiter: str, first_line: int, count: int) -> np.ndarray:
    """Start line of every record when quoted cells span several lines (slower: the csv module walks them)."""
    reader = csv.reader(io.StringIO(rest), delimiter=delimiter)
    numbers, start = [], first_line
    for _ in reader:
        numbers.append(start)
        start = first_line + reader.line_num
    numbers += [start] * (count - len(numbers))  # pragma: no cover - both parsers agree on the record count
    return np.asarray(numbers[:count], dtype=np.int64)


# ---------------------------------------------------------------- HTML tables


class _TableCollector(HTMLParser):
    """Every <table> in a page as rows of cell texts; colspan cells repeat as blanks to keep columns aligned."""

    def __init__(self, file: str, limits: Limits) -> None:
        super().__init__(convert_charrefs=True)
        self.file, self.limits = file, limits
        self.cells = 0  # every cell kept, blanks of a colspan included: bounded by max_cells
        self.tables: list[list[list[str | None]]] = []
        self._stack: list[list[list[str | None]]] = []
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() and 0 < int(span) < 1000 else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            text = "".join(self._cell).strip()
            row = self._stack[-1][-1]
            _check_width(len(row) + self._span, self.file, self.limits)
            self.cells += self._span
            if self.cells > self.limits.max_cells:
                raise FileFailure.of("too_many_cells.html", self.file, count=f"{self.cells:,}",
                                     limit=f"{self.limits.max_cells:,}", settings=SETTINGS_HINT)
            row.extend([text or None] + [None] * (self._span - 1))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_html(path: str, synonyms: set[str] | None, limits: Limits, *, misnamed: bool = False) -> RawTable:
    file = str(path)
    text, encoding = _decoded_text(read_bounded(path), file)
    collector = _TableCollector(file, limits)
    collector.feed(text)
    collector.close()
    candidates = [
        _Candidate(f"table {n}", find_header(rows[:PROBE_ROWS], synonyms), rows)
        for n, rows in enumerate(collector.tables, start=1) if any(any(c for c in r) for r in rows)
    ]
    chosen, choice_issues = _choose(candidates, file, synonyms, kind="table")
    rows = chosen.context
    _check_rows(len(rows), file, limits)
    guess = chosen.guess
    header_rows = [i + 1 for i in guess.row_indices]
    key = "html_table.misnamed" if misnamed else "html_table"
    issues = [_info(key, file, None, severity=CELL, extension=Path(file).suffix or ".xls")]
    return _rows_table(
        rows, range(1, len(rows) + 1), guess, letters=False, file=file, sheet=None, format="html", encoding=encoding,
        header_rows=header_rows,
        issues=issues + choice_issues + _header_issues(guess, header_rows, file, None, synonyms),
    )


# ---------------------------------------------------------------- JSON


# Keys under which APIs wrap their list of records.
_RECORD_KEYS = ("service_requests", "requests", "records", "data", "results", "items", "features")


def read_json(path: str, limits: Limits) -> RawTable:
    """Open311 GeoReport v2 (a list of service requests) or a list of records (NYC Open Data, Socrata rows.json)."""
    file = str(path)
    text, encoding = _decoded_text(read_bounded(path), file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFailure.of("corrupt_file.json", file, detail=f"{exc.msg}: line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:  # nesting deeper than the interpreter's recursion limit: no export looks like that
        raise FileFailure.of("corrupt_file.json_depth", file) from None
    except ValueError as exc:  # a number of more than 4,300 digits
        raise FileFailure.of("corrupt_file.json", file, detail=str(exc).partition(";")[0]) from None
    records, columns = _json_records(document)
    if records is None:
        raise FileFailure.of("unknown_format.json", file)
    _check_rows(len(records), file, limits)
    _check_width(len(columns), file, limits)
    _check_cells(len(records), len(columns), file, limits)
    frame = pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(columns=columns, dtype=object)
    try:
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].map(_json_cell)
    except RecursionError:
        raise FileFailure.of("corrupt_file.json_depth", file) from None
    names = finish_names([cell_label(c) for c in frame.columns])
    frame.columns = names
    return RawTable(
        file=file, sheet=None, format="json", encoding=encoding, header_rows=[], columns=names,
        column_letters=[None] * len(names), data=frame,
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
    )


def _json_records(document: Any) -> tuple[list[dict] | None, list[str] | None]:
    if isinstance(document, dict):
        socrata = _socrata_columns(document)
        if socrata and isinstance(document.get("data"), list):  # Socrata rows.json: rows are lists
            columns = finish_names([cell_label(c.get("name") or c.get("fieldName")) for c in socrata])
            return [dict(zip(columns, row)) for row in document["data"] if isinstance(row, list)], columns
        for key in _RECORD_KEYS:
            if isinstance(document.get(key), list):
                return _json_records(document[key])
        return None, None
    if isinstance(document, list) and all(isinstance(item, dict) for item in document):
        columns: dict[str, None] = {}
        for record in document:  # union of keys, in order of first appearance
            for key in record:
                columns.setdefault(str(key), None)
        return [{str(k): v for k, v in r.items()} for r in document], list(columns)
    return None, None


def _socrata_columns(document: dict) -> list[dict] | None:
    """meta.view.columns of a Socrata rows.json when it is a list of column objects; None otherwise."""
    meta = document.get("meta")
    view = meta.get("view") if isinstance(meta, dict) else None
    columns = view.get("columns") if isinstance(view, dict) else None
    if isinstance(columns, list) and columns and all(isinstance(c, dict) for c in columns):
        return columns
    return None


def _json_cell(value: Any) -> Any:
    """Nested objects (GeoJSON points, attribute lists) kept as JSON text; scalars as they are."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value
