"""Writing files safely: atomically, and without handing a spreadsheet anything it would execute."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

# A spreadsheet program executes a cell that starts with one of these (CWE-1236).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write to a temporary file beside `path`, flush it to disk, then rename over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(path, text.encode(encoding))


def neutralise_cell(value: object) -> object:
    """Make a text cell inert in a spreadsheet: a leading ' before = + - @ TAB CR.

    Checked after NFKC, because NFKC turns the full-width ＝ into = and a
    spreadsheet may do the same. Numbers and None pass through unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    folded = unicodedata.normalize("NFKC", value).lstrip(" ")
    if folded.startswith(_FORMULA_TRIGGERS) or value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_table_csv(
    path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True
) -> Path:
    """UTF-8 with BOM (so Excel opens Chinese text correctly; `bom=False` for open data), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise_cell(v) for v in row])
    return atomic_write_bytes(path, buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))


def write_table_xlsx(path: str | Path, sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence[object]]]]) -> Path:
    """One sheet per entry; strings are always written as strings, never as formulas."""
    import xlsxwriter  # writes strings as strings with strings_to_formulas off

    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buffer, options) as book:
        bold = book.add_format({"bold": True})
        for name, (header, rows) in sheets.items():
            sheet = book.add_worksheet(_sheet_name(name))
            for col, title in enumerate(header):
                sheet.write_string(0, col, str(neutralise_cell(str(title))), bold)
            for r, row in enumerate(rows, start=1):
                for col, value in enumerate(row):
                    _write_cell(sheet, r, col, value)
            sheet.freeze_panes(1, 0)
    return atomic_write_bytes(path, buffer.getvalue())


def _write_cell(sheet, row: int, col: int, value: object) -> None:
    if value is None or (isinstance(value, float) and value != value):
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(neutralise_cell(str(value))))


def _sheet_name(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, "_")
    return name[:31] or "Sheet"
