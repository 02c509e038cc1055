"""Write a ticket frame the way the hotline system exports it: xlsx, or the GB18030 CSV variant.

Both carry the layout of real exports: a title line (and in xlsx a merged title
plus an export-time/说明 row) above the header, one blank row among the data,
then a 合计 row and a signature line. The values are written exactly as given,
mess included: this writes test input, not a report, so nothing is neutralised.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .layout import (
    COLUMNS,
    CSV_ENCODING,
    DATETIME_COLUMNS,
    LOOKUP_SHEET_NAME,
    NOTE,
    SHEET_NAME,
    SIGNATURE,
    TOTAL_LABEL,
    csv_header,
    default_title,
)

FORMATS = ("xlsx", "csv")
# Above this many rows xlsxwriter streams rows to disk (constant_memory) instead of holding the sheet.
CONSTANT_MEMORY_ROWS = 50_000
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_ROWS_PER_CHUNK = 50_000
# A sheet holds 1,048,576 rows; hotline systems export at most a million tickets per file and split
# a larger month into numbered parts, as citistat's sample writer does (`write_export_parts`).
XLSX_MAX_TICKETS = 1_000_000
_COLUMN_WIDTHS = {"工单编号": 18, "来电时间": 18, "办结时间": 18, "标题": 30, "承办单位": 24, "社区": 14}


def write_export(
    frame: pd.DataFrame,
    path: str | Path,
    fmt: str = "xlsx",
    *,
    title: str | None = None,
    period: str | None = None,
    exported_at: datetime | None = None,
    constant_memory: bool | None = None,
) -> Path:
    """Write `frame` (columns of layout.COLUMNS) as one export file; return its path.

    `period` ("YYYY-MM") sets the default title and export time; it is taken
    from the call times when not given.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the frame lacks the export column(s) {', '.join(missing)}")
    period = period or infer_period(frame)
    title = title or default_title(period)
    exported_at = exported_at or default_export_time(period)
    path = Path(path)
    if fmt == "csv":
        return _write_csv(frame, path, title)
    if len(frame) > XLSX_MAX_TICKETS:
        # xlsxwriter would silently drop the rows past the sheet's end
        raise ValueError(
            f"{len(frame):,} tickets do not fit one xlsx sheet (at most {XLSX_MAX_TICKETS:,} per file); "
            "write them with write_export_parts, which splits them into numbered files"
        )
    if constant_memory is None:
        constant_memory = len(frame) > CONSTANT_MEMORY_ROWS
    return _write_xlsx(frame, path, title, exported_at, constant_memory)


def write_export_parts(frame: pd.DataFrame, path: str | Path, fmt: str = "xlsx", **options) -> list[Path]:
    """Write `frame` as one export, or as numbered parts when an xlsx file cannot hold it.

    Parts are named like the path with `-part1of2` before the suffix (`part_paths`); each
    carries its own title, header and 合计 row, as a hotline system's split export does.
    """
    paths = part_paths(path, fmt, len(frame))
    if len(paths) == 1:
        return [write_export(frame, paths[0], fmt, **options)]
    options.setdefault("period", infer_period(frame))
    return [
        write_export(frame.iloc[i * XLSX_MAX_TICKETS : (i + 1) * XLSX_MAX_TICKETS], part, fmt, **options)
        for i, part in enumerate(paths)
    ]


def part_paths(path: str | Path, fmt: str, tickets: int) -> list[Path]:
    """The file(s) an export of `tickets` rows is written as: one, or numbered xlsx parts."""
    path = Path(path)
    parts = -(-tickets // XLSX_MAX_TICKETS) if fmt == "xlsx" else 1
    if parts <= 1:
        return [path]
    return [path.with_name(f"{path.stem}-part{i}of{parts}{path.suffix}") for i in range(1, parts + 1)]


def infer_period(frame: pd.DataFrame) -> str:
    """The most common "YYYY-MM" among the readable call times."""
    created = pd.to_datetime(frame["来电时间"].where(~_is_text(frame["来电时间"])), errors="coerce").dropna()
    if created.empty:
        raise ValueError("no readable 来电时间 to take the period from; pass period=")
    return created.dt.strftime("%Y-%m").mode().iloc[0]


def default_export_time(period: str) -> datetime:
    """08:00 on the first day after the period: when a monthly export is usually pulled."""
    start = pd.Period(period, freq="M").end_time.normalize() + pd.Timedelta(days=1, hours=8)
    return start.to_pydatetime()


def _is_text(column: pd.Series) -> pd.Series:
    if column.dtype != object:
        return pd.Series(False, index=column.index)
    return column.map(lambda v: isinstance(v, str))


def _blank_row_position(rows: int) -> int:
    """Where the stray blank row goes: after the first half of the data."""
    return rows // 2 if rows >= 2 else rows


# --- xlsx -----------------------------------------------------------------------------------------


def _write_xlsx(frame: pd.DataFrame, path: Path, title: str, exported_at: datetime, constant_memory: bool) -> Path:
    import xlsxwriter

    options = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "constant_memory": constant_memory,
    }
    with _replaced_atomically(path) as target:
        book = xlsxwriter.Workbook(str(target), options)
        book.set_properties({"title": title, "created": exported_at})  # a fixed date: same input, same bytes
        try:
            _fill_ticket_sheet(book, frame, title, exported_at)
            _add_lookup_sheet(book)
        finally:
            book.close()
    return path


def _fill_ticket_sheet(book, frame: pd.DataFrame, title: str, exported_at: datetime) -> None:
    sheet = book.add_worksheet(SHEET_NAME)
    bold = book.add_format({"bold": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    title_format = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    for col, name in enumerate(COLUMNS):
        sheet.set_column(col, col, _COLUMN_WIDTHS.get(name, 10))
    sheet.merge_range(0, 0, 0, len(COLUMNS) - 1, title, title_format)
    sheet.write_string(1, 0, f"导出时间：{exported_at:%Y-%m-%d %H:%M:%S}\u3000{NOTE}")
    for col, name in enumerate(COLUMNS):
        sheet.write_string(2, col, name, bold)
    row = _write_ticket_rows(sheet, frame, first_row=3, date_format=date_format)
    sheet.write_string(row, 0, TOTAL_LABEL, bold)
    sheet.write_string(row, 1, f"共{len(frame)}件")
    sheet.write_string(row + 1, 0, SIGNATURE)


def _write_ticket_rows(sheet, frame: pd.DataFrame, first_row: int, date_format) -> int:
    """Write the tickets (one blank row among them); return the next free row."""
    blank_at = _blank_row_position(len(frame))
    row = first_row
    for start in range(0, len(frame), _ROWS_PER_CHUNK):  # cell values for a chunk at a time: bounded memory
        chunk = frame.iloc[start : start + _ROWS_PER_CHUNK]
        cells = [
            _excel_values(chunk[name]) if name in DATETIME_COLUMNS else _text_values(chunk[name]) for name in COLUMNS
        ]
        for index, values in enumerate(zip(*cells), start=start):
            if index == blank_at:
                row += 1  # the stray blank row: nothing written
            _write_row(sheet, row, values, date_format)
            row += 1
    return row


def _write_row(sheet, row: int, values: tuple, date_format) -> None:
    for col, value in enumerate(values):
        if value is None:
            continue
        if type(value) is float:
            sheet.write_number(row, col, value, date_format)
        else:
            sheet.write_string(row, col, value)


def _excel_values(column: pd.Series) -> list:
    """Datetimes as Excel serial numbers (floats); text kept as text; blanks as None."""
    text = _is_text(column)
    stamps = pd.to_datetime(column.where(~text), errors="coerce")
    serial = ((stamps - EXCEL_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    values = serial.astype(object)
    values[np.isnan(serial)] = None
    values[text.to_numpy()] = column[text].to_numpy(dtype=object)
    return [None if v == "" else v for v in values.tolist()]


def _text_values(column: pd.Series) -> list:
    """Text as text; NaN, None and "" as None (a blank cell)."""
    return [None if v is None or v != v or v == "" else str(v) for v in column.astype(object).tolist()]


def _add_lookup_sheet(book) -> None:
    """A hidden lookup list, as export templates carry; readers must ignore it."""
    sheet = book.add_worksheet(LOOKUP_SHEET_NAME)
    lists = {
        "来电渠道": ("电话", "微信", "APP", "网站"),
        "工单状态": ("已办结", "办理中", "已退回", "重办"),
        "满意度": ("非常满意", "满意", "基本满意", "不满意", "非常不满意"),
    }
    for col, (name, items) in enumerate(lists.items()):
        sheet.write_string(0, col, name)
        for row, item in enumerate(items, start=1):
            sheet.write_string(row, col, item)
    sheet.hide()


@contextmanager
def _replaced_atomically(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`; renamed over it only when writing succeeded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(name)
        os.chmod(name, 0o666 & ~_current_umask())  # mkstemp makes 0600; a written export is an ordinary file
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- csv ------------------------------------------------------------------------------------------


def _write_csv(frame: pd.DataFrame, path: Path, title: str) -> Path:
    """The GB18030 variant: synonymous headers, dates as text like "2024/3/5 9:10", a title line on top.

    Streamed to disk through the encoder, so a million rows never sit in memory as one string.
    """
    table = pd.DataFrame({name: _csv_column(frame[name], name) for name in COLUMNS})
    blank_at = _blank_row_position(len(table))
    width = len(COLUMNS)
    with _replaced_atomically(path) as target, open(target, "w", encoding=CSV_ENCODING, newline="") as handle:
        handle.write(_csv_line([title], width))
        handle.write(_csv_line(csv_header(), width))
        table.iloc[:blank_at].to_csv(handle, header=False, index=False, lineterminator="\r\n")
        handle.write(_csv_line([], width))
        table.iloc[blank_at:].to_csv(handle, header=False, index=False, lineterminator="\r\n")
        handle.write(_csv_line([TOTAL_LABEL, f"共{len(frame)}件"], width))
        handle.write(_csv_line([SIGNATURE], width))
    return path


def _csv_line(cells: list[str], width: int) -> str:
    padded = list(cells) + [""] * (width - len(cells))
    out = io.StringIO()
    pd.DataFrame([padded]).to_csv(out, header=False, index=False, lineterminator="\r\n")
    return out.getvalue()


def _csv_column(column: pd.Series, name: str) -> pd.Series:
    if name not in DATETIME_COLUMNS:
        return column.astype(object).where(column.notna(), "")
    text = _is_text(column)
    stamps = pd.to_datetime(column.where(~text), errors="coerce")
    formatted = (
        stamps.dt.year.astype("Int64").astype(str)
        + "/"
        + stamps.dt.month.astype("Int64").astype(str)
        + "/"
        + stamps.dt.day.astype("Int64").astype(str)
        + " "
        + stamps.dt.hour.astype("Int64").astype(str)
        + ":"
        + stamps.dt.minute.astype("Int64").astype(str).str.zfill(2)
    )
    formatted = formatted.astype(object).where(stamps.notna(), "")
    return formatted.where(~text, column)
