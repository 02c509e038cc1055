"""CSV and TSV: decoded in Python (UTF-8, else GB18030), parsed by pyarrow on every core when each line
is one record as wide as the first, else by pandas' C parser (quoted line breaks, ragged rows)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from ..quality import CELL, DataIssue
from .header import find_header
from .rawtable import SETTINGS_HINT, FileFormat, Limits, RawTable
from .read_common import (
    PROBE_ROWS,
    _check_cells,
    _check_rows,
    _check_width,
    _decoded_text,
    _header_issues,
    _info,
    _names_for,
)
from .safety import read_bounded
from .sniff import sniff_delimiter

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
    fmt: FileFormat = "tsv" if delimiter == "\t" else "csv"
    issues = _header_issues(guess, header_rows, file, None, synonyms)
    if misnamed:
        issues.insert(0, _info("misnamed_file.text", file, None, format=fmt.upper(), extension=fmt))
    rest = _utf8_from_line(raw, text, encoding, data_line)
    del raw, text
    frame, numbers = _parse_delimited(rest, delimiter, data_line, file, limits)
    _check_rows(len(frame), file, limits)
    names = _names_for(guess, range(frame.shape[1]))
    frame.columns = names
    may_hold_long = partial(_may_hold_long_cells, rest, len(frame), limits.max_cell_chars)  # only asked when needed
    issues += _cut_long_cells(frame, numbers, file, limits, may_hold_long)
    del may_hold_long
    _unwrap_text_formulas(frame)
    del rest
    return RawTable(
        file=file,
        sheet=None,
        format=fmt,
        encoding=encoding,
        header_rows=header_rows,
        columns=names,
        column_letters=[None] * len(names),
        data=frame,
        row_numbers=numbers,
        issues=issues,
    )


def _may_hold_long_cells(data: bytes, records: int, limit: int) -> bool:
    """False when no cell can be longer than `limit` characters: one record per line and no line longer
    than `limit` bytes (a character takes at least one). Saves a pass over every cell of a million rows."""
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return physical != records or _longest_line(data) > limit


def _longest_line(data: bytes, chunk: int = 1 << 24) -> int:
    """Length in bytes of the longest line, counted in chunks (a boolean mask of the whole file would be as big as it)."""
    longest, line_start = 0, 0
    for offset in range(0, len(data), chunk):
        ends = np.flatnonzero(
            np.frombuffer(data, dtype=np.uint8, count=min(chunk, len(data) - offset), offset=offset) == 10
        )
        if len(ends):
            ends = ends + offset
            longest = max(longest, int(ends[0]) - line_start, int(np.diff(ends).max(initial=0)) - 1)
            line_start = int(ends[-1]) + 1
    return max(longest, len(data) - line_start)


_TEXT_FORMULA = r'^="(.*)"$'


def _unwrap_text_formulas(frame: pd.DataFrame) -> None:
    """="202403050001" is how exports keep Excel from reading an id or a date as a number: the text inside.

    A column is looked at once (does any cell start with =" ?) before anything is replaced.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
            array = pa.array(column.array)
            if pc.any(pc.starts_with(array, '="')).as_py():
                unwrapped = pc.replace_substring_regex(array, _TEXT_FORMULA, r"\1")
                frame[name] = pd.Series(pd.arrays.ArrowStringArray(unwrapped), index=frame.index, dtype=column.dtype)
        elif column.dtype == object:
            starts = column.str.startswith('="').fillna(False).astype(bool)
            if starts.any():
                frame[name] = column.where(~starts, column.str.replace(_TEXT_FORMULA, r"\1", regex=True))


def _cut_long_cells(
    frame: pd.DataFrame, numbers: np.ndarray, file: str, limits: Limits, may_hold_long_text: Callable[[], bool]
) -> list[DataIssue]:
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
                chars = lengths.to_numpy(dtype=np.int64, na_value=0)
                for position in np.flatnonzero(long).tolist():
                    issues.append(
                        _info(
                            "cell_too_large",
                            file,
                            None,
                            severity=CELL,
                            row=int(numbers[position]),
                            column=name,
                            count=f"{int(chars[position]):,}",
                            limit=f"{limits.max_cell_chars:,}",
                            settings=SETTINGS_HINT,
                        )
                    )
                frame[name] = column.where(~long, column.str.slice(0, limits.max_cell_chars))
    return issues


def _probe_records(text: str, delimiter: str) -> tuple[list[list[str | None]], list[int]]:
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
        return data[_line_offset(data, b"\n", line) :]
    return text[_line_offset(text, "\n", line) :].encode("utf-8")


def _line_offset(data, newline, line: int) -> int:
    """Where physical line `line` (1-based) starts; the end when the data has fewer lines."""
    position = 0
    for _ in range(line - 1):
        position = data.find(newline, position) + 1
        if position == 0:
            return len(data)
    return position


def _parse_delimited(
    rest: bytes, delimiter: str, data_line: int, file: str, limits: Limits
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every record of `rest` (which starts at physical line `data_line`) as text, blank -> missing,
    with its physical line number."""
    fast = _parse_one_record_per_line(rest, delimiter)
    if fast is not None:
        return fast, np.arange(data_line, data_line + len(fast), dtype=np.int64)
    try:
        frame = pd.read_csv(
            io.BytesIO(rest),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
            encoding="utf-8",
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
    frame.columns = pd.RangeIndex(frame.shape[1])
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
            read_options=pa_csv.ReadOptions(
                column_names=names, use_threads=True, block_size=max(1 << 20, -(-len(rest) // (os.cpu_count() or 1)))
            ),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
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
