"""Follow-ups from a sheet a clerk filled in after the meeting (CSV or xlsx).

Headers may be Chinese or English (单位/agency, 事项/text, 责任人/owner,
完成时限/due, 指标/metric, 类型/kind, 备注/notes). Every row is checked before
anything is written; each bad row is reported with the row number the clerk
sees (header = row 1), worded from the catalogue (`issue.<code>.followup_sheet` and the like) in English,
the language of the command's other messages; each keeps its key and values to be worded again.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from ..messages import load_messages, reason_code
from ..quality import ROW, DataIssue, as_text
from ..results import METRICS

HEADERS: dict[str, tuple[str, ...]] = {
    "agency": ("单位", "责任单位", "承办单位", "agency", "department"),
    "text": ("事项", "内容", "承诺事项", "text", "item", "commitment"),
    "owner": ("责任人", "负责人", "owner"),
    "due": ("完成时限", "时限", "截止日期", "due", "due date"),
    "metric": ("指标", "metric"),
    "kind": ("类型", "kind", "type"),
    "notes": ("备注", "notes"),
}
REQUIRED = ("agency", "text", "owner")

METRIC_WORDS = {
    "响应率": "response",
    "响应": "response",
    "解决率": "resolution",
    "解决": "resolution",
    "满意率": "satisfaction",
    "满意": "satisfaction",
    **{m: m for m in METRICS},
}
KIND_WORDS = {
    "承诺": "commitment",
    "承诺事项": "commitment",
    "commitment": "commitment",
    "数据需求": "data_request",
    "数据请求": "data_request",
    "资料需求": "data_request",
    "data_request": "data_request",
    "data request": "data_request",
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class ImportReport:
    path: str
    rows_read: int = 0
    rows: list[dict] = field(default_factory=list)  # the good rows, ready to add
    problems: list[DataIssue] = field(default_factory=list)
    imported: list[int] = field(default_factory=list)  # ids given to the rows added
    already: list[int] = field(default_factory=list)  # ids of identical items recorded before

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "already": self.already,
            "problems": [p.to_dict() for p in self.problems],
        }


def read_followup_sheet(path: Path) -> ImportReport:
    """Read and check every row; add nothing."""
    report = ImportReport(str(path))
    table = _read_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv(path)
    if not table:
        report.problems.append(_issue(path, 1, None, None, "empty_file.followup_sheet"))
        return report
    columns = _map_header(table[0])
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        report.problems.append(
            _issue(
                path,
                1,
                None,
                None,
                "missing_column.followup_sheet",
                columns=", ".join(" / ".join(HEADERS[m][:1] + (m,)) for m in missing),
                header=", ".join(str(h) for h in table[0] if h),
            )
        )
        return report
    for row_number, cells in enumerate(table[1:], start=2):
        if not any(_text(c) for c in cells):
            continue
        report.rows_read += 1
        values = {name: cells[i] if i < len(cells) else None for name, i in columns.items()}
        row, problems = _check_row(path, row_number, values, table[0], columns)
        report.problems.extend(problems)
        if not problems:
            report.rows.append(row)
    return report


def _check_row(path: Path, row_number: int, values: dict, header: list, columns: dict) -> tuple[dict, list[DataIssue]]:
    problems = []

    def bad(name: str, key: str, **fields: object) -> None:
        problems.append(_issue(path, row_number, str(header[columns[name]]), values.get(name), key, **fields))

    row: dict[str, str | None] = {name: _text(values.get(name)) for name in ("agency", "text", "owner", "notes")}
    for name in REQUIRED:
        if not row[name]:
            bad(name, "missing_value.followup_sheet", field=name)
    row["due"] = None
    if _text(values.get("due")):
        row["due"] = _parse_due(values["due"])
        if row["due"] is None:
            bad("due", "bad_date.followup_sheet", value=_text(values["due"]))
    metric_word = _text(values.get("metric"))
    row["metric"] = METRIC_WORDS.get(metric_word.lower()) if metric_word else None
    if metric_word and row["metric"] is None:
        bad("metric", "bad_metric", value=metric_word)
    kind_word = _text(values.get("kind"))
    row["kind"] = KIND_WORDS.get(kind_word.lower(), None) if kind_word else "commitment"
    if row["kind"] is None:
        bad("kind", "bad_kind", value=kind_word)
    return row, problems


def _map_header(header: list) -> dict[str, int]:
    """field -> column index; other columns are ignored (a clerk may add their own)."""
    lookup = {alias.lower(): name for name, aliases in HEADERS.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _text(title).lower()
        if key in lookup and lookup[key] not in columns:
            columns[lookup[key]] = index
    return columns


def _parse_due(value) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and 20000 < value < 80000:  # an Excel serial day number
        return (_EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
    match = _DATE.match(_text(value))
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _issue(path: Path, row: int, column: str | None, raw, key: str, **fields: object) -> DataIssue:
    raw_text = None if raw is None else _text(raw)[:80]
    message, hint = load_messages("en").issue(key, **fields)
    return DataIssue(
        code=reason_code(key),
        severity=ROW,
        message=message,
        hint=hint,
        file=path.name,
        row=row,
        column=column,
        raw_value=raw_text,
        key=key,
        fields=as_text(fields),
    )


def _read_csv(path: Path) -> list[list]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")  # CSVs saved by Chinese Excel
    return [row for row in csv.reader(text.splitlines())]


def _read_xlsx(path: Path) -> list[list]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
