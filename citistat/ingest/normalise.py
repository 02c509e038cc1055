"""One raw table + one profile → canonical rows, rejected rows, skipped rows and issues.

Each column is parsed by its role:

- required (ticket_id, created_at, agency): a missing, unparseable or formula-error
  value rejects the row (ROW issue, to the rejects report);
- flags and vocabularies (responded, resolved, satisfaction, …): an unknown answer or a
  formula error makes the value unknown and is reported (CELL issue);
- other optional fields: a bad value becomes missing and is reported (CELL issue).

Structural rows (blank, 小计/合计/总计, 制表人/审核人 lines) are skipped and listed.
Caller names are never read; phone numbers only become a keyed hash (values.caller_keys).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..messages import load_messages, reason_code
from ..privacy import Scrubber
from ..quality import CELL, FILE, INFO, ROW, DataIssue, as_text
from ..safe_io import neutralise_cell
from .agencies import AgencyTable
from .profiles import Profile, fold_label, label_variants
from .scrub import clean_names, scrub_column, scrub_table
from .values import (
    SERIAL_TEXT,
    blank_mask,
    caller_keys,
    cell_text,
    fold_key,
    formula_error_mask,
    keep_rows,
    map_distinct,
    map_distinct_text,
    nfkc,
    parse_dates,
    parse_ids,
    parse_text,
    parse_vocab,
    string_series,
    text_mask,
)

if TYPE_CHECKING:  # the reader is a sibling module; only its shape matters here
    from .rawtable import RawTable

DATE_FIELDS = ("created_at", "closed_at", "due_at", "resolution_action_at")
FLAG_FIELDS = ("responded", "valid_callback", "reopened")
# coordinate field -> its valid range in degrees
COORDINATE_FIELDS: dict[str, tuple[float, float]] = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}
TEXT_FIELDS = ("category", "subcategory", "district", "street", "place", "channel", "title")
STRUCTURAL_KEYWORDS = (
    "小计",
    "合计",
    "总计",
    "制表人",
    "制表",
    "审核人",
    "审核",
    "填报人",
    "负责人",
    "total",
    "subtotal",
    "grandtotal",
)
RAW_VALUE_LIMIT = 200  # characters of a raw value kept in an issue
PERSONAL_FIELDS = ("caller_name", "caller_phone")  # read only to drop or to hash
STATUS_RANK = {"open": 1, "in_progress": 2, "returned": 3, "reopened": 4, "closed": 5, "cancelled": 5}


class ProfileMismatch(Exception):
    """The file lacks a column the profile requires: the whole file fails."""

    def __init__(self, issue: DataIssue):
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class ParsedTable:
    tickets: pd.DataFrame  # canonical columns (+ status_rank) for the rows kept; index = row position in the raw table
    rejects: pd.DataFrame  # one row per rejected row: location, reason, and the row's original cells
    skipped: pd.DataFrame  # file, sheet, row, first_cell, reason
    issues: list[DataIssue] = field(default_factory=list)
    read: int = 0


@dataclass
class _Context:
    """What every issue of one table shares."""

    raw: RawTable
    profile: Profile
    columns: dict[str, int]  # canonical field -> column position
    lang: str
    scrubber: Scrubber
    issues: list[DataIssue] = field(default_factory=list)
    row_issues: dict[int, list[DataIssue]] = field(default_factory=dict)  # position -> ROW issues
    ids: pd.Series | None = None  # ticket ids as read, once parsed: every later issue names its ticket

    def column_name(self, field_name: str) -> str:
        return self.raw.columns[self.columns[field_name]]

    def issue(
        self,
        code: str,
        severity: str,
        position: int | None,
        field_name: str | None = None,
        raw_value: object = None,
        **fields: object,
    ) -> DataIssue:
        column = self.column_name(field_name) if field_name in self.columns else None
        raw_value = self.private(field_name, column, raw_value)
        values = {"column": column or "", "value": _short(raw_value), **fields}
        text, hint = load_messages(self.lang).issue(code, **values)
        letters = getattr(self.raw, "column_letters", None) or []
        index = self.columns.get(field_name) if field_name else None
        found = DataIssue(
            code=reason_code(code),  # a key may be a code and a wording: "bad_date.serial"
            severity=severity,
            message=text,
            hint=hint,
            file=str(self.raw.file),
            sheet=self.raw.sheet,
            row=int(self.raw.row_numbers[position]) if position is not None else None,
            column=column,
            column_letter=letters[index] if index is not None and index < len(letters) else None,
            raw_value=_short(raw_value),
            key=code,
            fields=as_text(values),
            ticket_id=self.ticket_id(position),
        )
        self.issues.append(found)
        if severity == ROW and position is not None:
            self.row_issues.setdefault(position, []).append(found)
        return found

    def private(self, field_name: str | None, column: str | None, raw_value: object) -> object:
        """A raw value as an issue may keep it: a personal column masked whole, free text scrubbed."""
        if field_name in PERSONAL_FIELDS or (column is not None and self.is_personal(column)):
            return None if raw_value is None else self.scrubber.mask_for(self.lang)
        return self.scrubber.scalar(raw_value)

    def is_personal(self, column: str) -> bool:
        """A column personal as a whole: the privacy settings' list, the profile's, or a caller column."""
        return fold_label(column) in self.personal_headers

    @cached_property
    def personal_headers(self) -> frozenset[str]:
        mapped = {self.column_name(f) for f in PERSONAL_FIELDS if f in self.columns}
        return frozenset(fold_label(c) for c in (*mapped, *self.profile.personal)) | self.scrubber.personal_columns

    def ticket_id(self, position: int | None) -> str | None:
        if position is None or self.ids is None:
            return None
        found = self.ids.iloc[position]
        return None if pd.isna(found) else str(found)

    def cells(self, field_name: str) -> pd.Series:
        return self.raw.data.iloc[:, self.columns[field_name]].reset_index(drop=True)

    def each(self, mask: pd.Series) -> Iterable[int]:
        return np.flatnonzero(mask.to_numpy(dtype=bool))


def map_columns(columns: list[str], profile: Profile) -> dict[str, int]:
    """canonical field -> position of the file column whose header is one of its synonyms.

    A two-level header reads "回访情况/是否满意": the whole name is tried first,
    then the leaf after the last "/", then both without a trailing note in brackets
    (templates write "是否响应（是/否）", "来电时间(yyyy-mm-dd)"). Earlier synonyms win over later ones.
    """
    levels = list(zip(*(label_variants(c) for c in columns))) if columns else []
    found: dict[str, int] = {}
    for field_name, synonyms in profile.columns.items():
        for synonym in synonyms:
            key = fold_label(synonym)
            position = next((p for labels in levels if (p := _first(list(labels), key)) is not None), None)
            if position is not None and position not in found.values():
                found[field_name] = position
                break
    return found


def _first(labels: list[str], key: str) -> int | None:
    return labels.index(key) if key in labels else None


def parse_table(
    raw: RawTable,
    profile: Profile,
    agencies: AgencyTable,
    *,
    salt: bytes = b"",
    lang: str = "zh-CN",
    period: str | None = None,
    scrubber: Scrubber | None = None,
) -> ParsedTable:
    """Parse every row of `raw` with `profile`; never raises for bad rows (ProfileMismatch for a missing column).

    With `period`, rows created in another period are only parsed: they will be
    excluded, so their cells raise no issue and they are never listed one by one.
    `scrubber` takes personal data out of text (the shipped privacy settings when None).
    """
    ctx = _Context(raw, profile, map_columns(list(raw.columns), profile), lang, scrubber or Scrubber.from_settings())
    _check_required_columns(ctx)
    n = len(raw.data)
    data = raw.data.reset_index(drop=True)
    structural, skipped = _structural_rows(ctx, data)
    live = ~structural

    # A row of column steps: each reads the columns it needs and returns new ones; none changes another's.
    out: dict[str, pd.Series] = {"ticket_id": _ticket_ids(ctx, live)}
    ctx.ids = out["ticket_id"]
    dates, listed = _date_columns(ctx, live, period)  # listed: rows whose problems are reported (in the period)
    out |= dates
    out |= {name: _text(ctx, name, listed) for name in TEXT_FIELDS if name in ctx.columns}
    out |= {name: _coordinates(ctx, name, listed) for name in COORDINATE_FIELDS if name in ctx.columns}
    derived = _derive(ctx, out, listed)
    agency_source = derived.pop("_agency_derived", None)
    out |= derived
    out["status"], status_key = _status(ctx, listed)
    out |= _flags_and_answers(ctx, out, status_key, listed)
    _rule_columns_missing(ctx, out, listed)
    _day_only_note(ctx, out, listed)
    out["caller_key"] = (
        _caller_keys(ctx, salt) if "caller_phone" in ctx.columns else pd.Series(pd.NA, index=range(n), dtype="string")
    )
    out |= _agency(ctx, agency_source, out["created_at"], agencies, listed)
    _closed_before_created(ctx, out, listed)
    out |= scrub_table(ctx, out, ctx.scrubber, live)  # before anything is kept: names cleaned, personal data out

    rejected = pd.Series(False, index=range(n))
    rejected[list(ctx.row_issues)] = True
    rejected &= live
    keep = live & ~rejected
    tickets = pd.DataFrame({k: v for k, v in out.items() if k in _CANONICAL_FROM_FILE}, index=range(n))
    if not keep.all():  # most files keep every row: then no copy
        tickets = keep_rows(tickets, keep.to_numpy(dtype=bool))
    tickets["status_rank"] = status_key[keep].map(STATUS_RANK).fillna(0).astype(int)
    tickets["source_file"] = str(raw.file)
    tickets["source_sheet"] = raw.sheet
    tickets["source_row"] = np.asarray(raw.row_numbers)[keep.to_numpy()]
    return ParsedTable(
        tickets=tickets, rejects=_rejects_frame(ctx, data, rejected), skipped=skipped, issues=ctx.issues, read=n
    )


def _date_columns(ctx: _Context, live: pd.Series, period: str | None) -> tuple[dict[str, pd.Series], pd.Series]:
    """The date fields, and the rows whose problems are reported: with a period, a row created in another
    month will be excluded, so the date fields after created_at say nothing about it."""
    dates: dict[str, pd.Series] = {}
    listed = live
    for name in DATE_FIELDS:
        if name in ctx.columns:
            dates[name] = _dates(ctx, name, listed)
            if ctx.profile.date_precision == "day":  # declared: any time of day in the file means nothing
                dates[name] = dates[name].dt.normalize()
            if name == "created_at" and period is not None:
                listed = live & ~_outside(dates[name], period)
    return dates, listed


def _outside(created: pd.Series, period: str) -> pd.Series:
    """True where a creation time falls in another month than `period` (two comparisons, no formatting)."""
    start = pd.Timestamp(f"{period}-01")
    end = start + pd.offsets.MonthBegin(1)
    return ((created < start) | (created >= end)).fillna(False).astype(bool)


_CANONICAL_FROM_FILE = (
    "ticket_id",
    "created_at",
    "agency",
    "agency_raw",
    "unit_type",
    "category",
    "subcategory",
    "district",
    "street",
    "place",
    "channel",
    "status",
    "title",
    "closed_at",
    "due_at",
    "responded",
    "resolved",
    "satisfaction",
    "valid_callback",
    "reopened",
    "caller_key",
    "latitude",
    "longitude",
)


# ------------------------------------------------------------------ columns and rows


def _check_required_columns(ctx: _Context) -> None:
    derived = set(ctx.profile.derive)
    for field_name in ctx.profile.required:
        if field_name in ctx.columns or field_name in derived:
            continue
        synonyms = ctx.profile.columns.get(field_name, ())
        near = difflib.get_close_matches(
            synonyms[0] if synonyms else field_name, list(ctx.raw.columns), n=1, cutoff=0.5
        )
        text, hint = load_messages(ctx.lang).issue("missing_column", column=field_name, value=", ".join(synonyms))
        if near:
            hint = load_messages(ctx.lang).issue("missing_column_near", column=field_name, value=near[0])[1]
        raise ProfileMismatch(
            DataIssue(
                code="missing_column",
                severity=FILE,
                message=text,
                hint=hint,
                file=str(ctx.raw.file),
                sheet=ctx.raw.sheet,
                column=field_name,
            )
        )


def _structural_rows(ctx: _Context, data: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Blank rows and total/signature lines: the first filled cell is a keyword and there is no valid id.

    Only rows whose id cell is blank or itself a keyword can be structural, so the
    row-by-row look at every cell is limited to those few rows.
    """
    n = len(data)
    ids = ctx.cells("ticket_id") if "ticket_id" in ctx.columns else data.iloc[:, 0].reset_index(drop=True)
    candidates = np.flatnonzero(_blank_or_keyword(ids))
    blank = pd.Series(False, index=range(n))
    summary = pd.Series(False, index=range(n))
    first_text = pd.Series(None, index=range(n), dtype=object)
    for position in candidates.tolist():
        cells = [cell_text(v) for v in data.iloc[position].tolist()]
        first = next((c for c in cells if c), None)
        first_text[position] = ctx.scrubber.scalar(first)  # a signature line may carry a name and a number
        blank[position] = first is None
        summary[position] = first is not None and fold_key(first).startswith(STRUCTURAL_KEYWORDS)
    for position in ctx.each(summary):
        ctx.issue("structural_row", INFO, position, raw_value=first_text[position])
    if blank.any():
        ctx.issue("blank_rows", INFO, None, count=int(blank.sum()))
    structural = blank | summary
    rows = np.asarray(ctx.raw.row_numbers)[structural.to_numpy()]
    skipped = pd.DataFrame(
        {
            "file": str(ctx.raw.file),
            "sheet": ctx.raw.sheet,
            "row": rows,
            "first_cell": first_text[structural].to_numpy(),
            "reason": np.where(blank[structural].to_numpy(), "blank", "summary_or_signature"),
        }
    )
    return structural, skipped


def _blank_or_keyword(raw: pd.Series) -> np.ndarray:
    """True where an id cell is blank or starts with a structural keyword (folded: "合 计", "TOTAL").

    Ids are all distinct, so the common plain-ASCII text is folded by Arrow in one pass; numbers and
    dates are never keywords; full-width or CJK cells are folded one by one (few in an id column).
    """
    blank = blank_mask(raw).to_numpy(dtype=bool)
    found = blank.copy()
    texts = np.flatnonzero(text_mask(raw).to_numpy(dtype=bool) & ~blank)
    if not len(texts):
        return found
    text = raw.iloc[texts].astype("string")
    plain = text.str.isascii().fillna(True).astype(bool).to_numpy(dtype=bool)
    keys = text[plain].str.strip().str.lower()
    found[texts[plain]] = (keys.eq("") | keys.str.startswith(STRUCTURAL_KEYWORDS)).fillna(False).to_numpy(dtype=bool)
    if not plain.all():
        exotic = text[~plain].map(fold_key)
        found[texts[~plain]] = (
            (exotic.eq("") | exotic.str.startswith(STRUCTURAL_KEYWORDS)).fillna(False).to_numpy(dtype=bool)
        )
    return found


# ------------------------------------------------------------------ fields by role


def _row_ids(ctx: _Context) -> pd.Series:
    """A file without ticket ids (row_identity = "row"): each row is one ticket, named by file, sheet and row,
    and by the first 8 hex digits of the file's SHA-256 (survey.csv@1a2b3c4d#2).

    Nothing can tell two rows about one request apart, so nothing is deduplicated; the report says so.
    The digest keeps two files of one name (east/survey.csv, west/survey.csv, or March's and April's)
    apart, while the same file given twice still collapses as identical copies.
    """
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.compute as pc

    where = Path(str(ctx.raw.file)).name + (f"!{ctx.raw.sheet}" if ctx.raw.sheet else "")
    where += f"@{ctx.raw.sha256[:8]}" if ctx.raw.sha256 else ""
    rows = pa.array(np.asarray(ctx.raw.row_numbers, dtype=np.int64)).cast(pa.string())
    ids = string_series(pc.binary_join_element_wise(f"{where}#", rows, ""), None)
    ctx.issue("row_identity", INFO, None, count=len(ids))
    return ids


def _ticket_ids(ctx: _Context, live: pd.Series) -> pd.Series:
    if "ticket_id" not in ctx.columns and ctx.profile.row_identity == "row":
        return _row_ids(ctx)
    raw = ctx.cells("ticket_id")
    errors = formula_error_mask(raw) & live
    parsed = parse_ids(raw)
    for position in ctx.each(errors):
        ctx.issue("formula_error", ROW, position, "ticket_id", raw[position])
    for position in ctx.each(parsed.missing & live):
        ctx.issue("missing_required", ROW, position, "ticket_id")
    ids = parsed.ids.where(~errors, pd.NA)
    lost = (parsed.precision_lost & live).to_numpy(dtype=bool)
    if lost.any():
        ids = _rounded_ids(ctx, ids, lost)
    return ids


def _rounded_ids(ctx: _Context, ids: pd.Series, lost: np.ndarray) -> pd.Series:
    """Ids that are numbers longer than Excel's 15 digits, said once for the file with a count.

    Excel rounded them, so different tickets can come to share one (202403050000000001 and …003 are
    one double): rows of this file sharing such an id are kept apart as id#row, never collapsed as
    duplicates of each other. Identical copies across files still collapse.
    """
    first = int(np.flatnonzero(lost)[0])
    ctx.issue("id_precision", CELL, first, "ticket_id", ids.iloc[first], count=int(lost.sum()))
    shared = lost & ids.duplicated(keep=False).to_numpy(dtype=bool)
    if not shared.any():
        return ids
    import pyarrow as pa
    import pyarrow.compute as pc

    at = np.flatnonzero(shared)
    rows = pa.array(np.asarray(ctx.raw.row_numbers, dtype=np.int64)[at]).cast(pa.string())
    renamed = pc.binary_join_element_wise(pa.array(ids.iloc[at].astype(object), type=pa.string()), rows, "#")
    ids = ids.copy()
    ids.iloc[at] = pd.array(renamed, dtype="string")
    ctx.issue("id_precision.shared", CELL, int(at[0]), "ticket_id", ids.iloc[int(at[0])], count=len(at))
    return ids


def _dates(ctx: _Context, name: str, live: pd.Series) -> pd.Series:
    raw = ctx.cells(name)
    errors = formula_error_mask(raw)
    parsed = _parse_date_cells(ctx, raw.where(~errors, None))
    required = name in ctx.profile.required
    severity = ROW if required else CELL
    formats = _format_list(ctx.profile.date_formats)
    for position in ctx.each(errors & live):
        ctx.issue("formula_error", severity, position, name, raw[position])
    bad = parsed.bad & live
    serials = _serials_not_declared(ctx, raw, bad)
    if required:  # each row is rejected: each is listed
        for position in ctx.each(bad):
            ctx.issue(
                "bad_date.serial" if serials[position] else "bad_date",
                ROW,
                position,
                name,
                raw[position],
                formats=formats,
            )
    else:  # the row is kept: once per value, so a column of "3个工作日" is one line, not a million
        _once_per_value(ctx, "bad_optional_date", CELL, name, raw, bad & ~serials, formats=formats)
        _once_per_value(ctx, "bad_optional_date.serial", CELL, name, raw, bad & serials, formats=formats)
    _out_of_range_dates(ctx, name, raw, parsed, severity, live)
    if required:
        missing = parsed.values.isna() & ~parsed.bad & ~errors & ~parsed.not_a_date & ~parsed.implausible & live
        for position in ctx.each(missing):
            ctx.issue("missing_required", ROW, position, name, raw[position])
    sentinels = int((parsed.sentinel & live).sum())
    if sentinels:
        ctx.issue("sentinel_date", INFO, None, name, count=sentinels)
    return parsed.values


WORKBOOK_FORMATS = ("xlsx", "xls", "xml")
# How the xlsx reader writes a date cell of a column that mixes kinds (RawTable): not a spelling to guess at
_READER_DATE_RENDERING = "%Y-%m-%d %H:%M:%S"


def _serials_not_declared(ctx: _Context, raw: pd.Series, bad: pd.Series) -> pd.Series:
    """Bad dates that look like Excel serials (45377.25) in a text file whose profile does not declare
    serial_dates: their hint says how to read them."""
    if ctx.profile.serial_dates or not bad.any():
        return pd.Series(False, index=raw.index)
    texts = parse_text(raw[bad.to_numpy()])
    looks = texts.str.fullmatch(SERIAL_TEXT).fillna(False).astype(bool)
    return looks.reindex(raw.index, fill_value=False)


def _parse_date_cells(ctx: _Context, cells: pd.Series):
    """The profile's formats; in a workbook also what the reader made of a mixed column's cells: a date
    cell written "2024-03-05 09:10:00" and a number written "45356.25" (a serial, whatever the profile says
    of serials in text files)."""
    profile = ctx.profile
    workbook = getattr(ctx.raw, "format", None) in WORKBOOK_FORMATS
    formats = profile.date_formats
    if workbook and _READER_DATE_RENDERING not in formats:
        formats = (*formats, _READER_DATE_RENDERING)
    return parse_dates(
        cells,
        formats,
        date1904=bool(getattr(ctx.raw, "date1904", False)),
        sentinels=profile.sentinels,
        timezone=profile.timezone,
        serial_text=profile.serial_dates or workbook,
        plausible_years=profile.plausible_years,
    )


def _out_of_range_dates(ctx: _Context, name: str, raw: pd.Series, parsed, severity: str, live: pd.Series) -> None:
    """Serials ≤ 0 and dates outside the plausible years: missing, with a warning (a rejected row when required)."""
    first, last = ctx.profile.plausible_years
    if severity == CELL:  # the row is kept: once per value (a column of 1900-01-01 placeholders is one line)
        _once_per_value(ctx, "serial_not_a_date.rows", CELL, name, raw, parsed.not_a_date & live)
        _once_per_value(
            ctx, "implausible_date.rows", CELL, name, raw, parsed.implausible & live, first=first, last=last
        )
        return
    for position in ctx.each(parsed.not_a_date & live):
        ctx.issue("serial_not_a_date", severity, position, name, _serial_shown(raw[position]))
    for position in ctx.each(parsed.implausible & live):
        ctx.issue("implausible_date", severity, position, name, raw[position], first=first, last=last)


def _serial_shown(value: object) -> object:
    """A date cell Excel drew from a serial ≤ 0 is reported with that serial's date as the raw value."""
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else cell_text(value)


def _text(ctx: _Context, name: str, live: pd.Series) -> pd.Series:
    raw = ctx.cells(name)
    errors = formula_error_mask(raw)
    for position in ctx.each(errors & live):
        ctx.issue("formula_error", CELL, position, name, raw[position])
    return parse_text(raw.where(~errors, None))


def _coordinates(ctx: _Context, name: str, live: pd.Series) -> pd.Series:
    """Degrees as floats; a value that is no number or out of range is a cell warning and read as missing.
    0 is read as missing too: exports write 0 for "no location" (a point in the Gulf of Guinea)."""
    raw = ctx.cells(name)
    values = pd.to_numeric(raw.where(~formula_error_mask(raw), None), errors="coerce").astype("Float64")
    low, high = COORDINATE_FIELDS[name]
    blank = raw.isna() | raw.astype("string").str.strip().isin(["", "0", "0.0"]).fillna(True)
    bad = ~blank & (values.isna() | (values < low) | (values > high)).fillna(True)
    for position in ctx.each(bad & live):
        ctx.issue("bad_coordinate", CELL, position, name, raw[position], low=low, high=high)
    return values.mask(bad | blank).astype("Float64")


def _derive(ctx: _Context, columns: dict[str, pd.Series], live: pd.Series) -> dict[str, pd.Series]:
    """Fields a profile derives from another one, e.g. the district named at the start of a title; a rule
    may read what an earlier rule derived. The agency, when derived, comes back as "_agency_derived"."""
    out: dict[str, pd.Series] = {}
    for target, rule in ctx.profile.derive.items():
        source = out.get(rule["from"], columns.get(rule["from"]))
        if (source is None or not _is_text(source)) and rule["from"] in ctx.columns:
            source = _date_cells_as_text(ctx, rule["from"], source)
        if source is None:
            continue
        found = source.str.extract(rule["pattern"], expand=True)[0].astype("string")
        if rule.get("fallback"):
            found = found.fillna(rule["fallback"]).mask(source.isna())
        if target == "agency":
            out["_agency_derived"] = found
        elif target in DATE_FIELDS:
            out[target] = _derived_dates(ctx, target, found, live)
        else:
            out[target] = found
    return out


def _date_cells_as_text(ctx: _Context, name: str, parsed: pd.Series | None) -> pd.Series:
    """A date column as a [derive] pattern reads it: a text cell as written ("03/05/2024"); a date cell or
    a serial, where nothing was written, as its date: "2024-03-05 09:10:00" (Arrow formats them, no row loop)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = ctx.cells(name)
    text = parse_text(raw)
    if parsed is None or not pd.api.types.is_datetime64_any_dtype(parsed.dtype):
        return text
    typed = raw.notna().to_numpy(dtype=bool) & parsed.notna().to_numpy(dtype=bool)
    if not pd.api.types.is_datetime64_any_dtype(raw.dtype):
        written = text_mask(raw).to_numpy(dtype=bool).copy()
        if ctx.raw.format in WORKBOOK_FORMATS:  # a number cell the reader wrote out as text ("45356.25")
            written &= ~text.str.fullmatch(SERIAL_TEXT).fillna(False).to_numpy(dtype=bool)
        typed &= ~written
    if not typed.any():
        return text
    rendered = pc.strftime(pa.array(parsed.to_numpy()[typed]), format="%Y-%m-%d %H:%M:%S")
    text = text.copy()
    text.iloc[np.flatnonzero(typed)] = (
        rendered.to_pylist() if typed.sum() < 1000 else pd.array(rendered, dtype="string")
    )
    return text


def _is_text(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.StringDtype) or column.dtype == object


def _derived_dates(ctx: _Context, target: str, found: pd.Series, live: pd.Series) -> pd.Series:
    """A date field derived from another column's text, read with the profile's date formats."""
    parsed = _parse_date_cells(ctx, found)
    formats = _format_list(ctx.profile.date_formats)
    _once_per_value(ctx, "bad_optional_date", CELL, None, found, parsed.bad & live, formats=formats)
    return parsed.values


def _status(ctx: _Context, live: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(status to store, normalised key or None); unknown statuses are kept as written and listed once."""
    n = len(live)
    if "status" not in ctx.columns:
        none = pd.Series([None] * n, index=range(n), dtype=object)
        return none.astype("string"), none
    raw = ctx.cells("status")
    cells = raw.where(~formula_error_mask(raw), None)
    parsed = parse_vocab(cells, ctx.profile.status)
    _once_per_value(ctx, "unknown_status", INFO, "status", raw, parsed.unrecognised & live)
    return map_distinct_text(cells, lambda cell: _status_stored(cell, ctx.profile.status)), parsed.values


def _status_stored(cell: object, vocabulary: dict) -> str | None:
    """A status as stored: its normalised key, or the text as written when the vocabulary lacks it."""
    text = cell_text(cell)
    if text is None:
        return None
    key = vocabulary.get(fold_key(text))
    return text if key is None else str(key)


def _answers(ctx: _Context, name: str, vocabulary: dict, live: pd.Series) -> pd.Series:
    """A vocabulary column; unknown answers and formula errors become None and are reported per cell."""
    raw = ctx.cells(name)
    errors = formula_error_mask(raw)
    parsed = parse_vocab(raw.where(~errors, None), vocabulary)
    for position in ctx.each(errors & live):
        ctx.issue("formula_error", CELL, position, name, raw[position])
    _once_per_value(ctx, "unknown_answer", CELL, name, raw, parsed.unrecognised & live)
    return parsed.values


def _once_per_value(
    ctx: _Context, code: str, severity: str, name: str | None, cells: pd.Series, mask: pd.Series, **fields: object
) -> None:
    """One issue per distinct value, at its first row, with how many rows hold it (not one per row)."""
    if not mask.any():
        return
    flagged = parse_text(cells[mask.to_numpy()])  # only the flagged cells are folded
    firsts = flagged.groupby(flagged.astype(object).fillna(""), sort=False).head(1)
    counts = flagged.value_counts(dropna=False)
    for position, value in zip(firsts.index.tolist(), firsts.tolist()):
        ctx.issue(code, severity, int(position), name, value, count=int(counts.get(value, 1)), **fields)


def _flags_and_answers(
    ctx: _Context, columns: dict[str, pd.Series], status_key: pd.Series, live: pd.Series
) -> dict[str, pd.Series]:
    """responded, valid_callback, reopened, resolved and satisfaction, by the profile's vocabularies and rules."""
    out: dict[str, pd.Series] = {}
    n = len(live)
    nothing = pd.Series([None] * n, index=range(n), dtype=object)
    flags = ctx.profile.flags
    for name in FLAG_FIELDS:
        out[name] = _answers(ctx, name, flags, live) if name in ctx.columns else nothing.copy()
    if "resolved" in ctx.columns:
        out["resolved"] = _answers(ctx, "resolved", {**flags, **ctx.profile.resolution}, live)
    else:
        out["resolved"] = nothing.copy()
    satisfaction = (
        _answers(ctx, "satisfaction", ctx.profile.satisfaction, live) if "satisfaction" in ctx.columns else nothing
    )
    out["satisfaction"] = satisfaction.where(satisfaction.notna(), "unknown")
    out["responded"] = _response_rule(ctx, {**columns, **out}, status_key)
    if ctx.profile.resolution_rule == "status_closed":
        out["resolved"] = status_key.map(lambda k: None if k is None else k == "closed").astype(object)
    elif ctx.profile.resolution_rule == "closed":  # declared: a close date on record means resolved
        out["resolved"] = columns["closed_at"].notna().astype(object) if "closed_at" in columns else out["resolved"]
    reopened_status = status_key.eq("reopened").fillna(False)
    out["reopened"] = out["reopened"].where(~reopened_status, True)
    for name in (*FLAG_FIELDS, "resolved"):
        out[name] = out[name].astype("boolean")
    return out


# [rules] key -> rule -> the fields it reads (any one of them is enough)
RULE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "responded": {
        "answer": ("responded",),
        "closed": ("closed_at", "resolution_action_at"),
        "closed_by_due": ("due_at",),
    },
    "resolved": {"answer": ("resolved",), "closed": ("closed_at",), "status_closed": ("status",)},
}


def _day_only_note(ctx: _Context, out: dict[str, pd.Series], live: pd.Series) -> None:
    """One note when no creation or close time of the file carries a time of day (and the profile did not say
    so already): the period's books will measure nothing in minutes, and the user learns it at validate."""
    if ctx.profile.date_precision != "auto":
        return
    stamps = [out[name][live].dropna() for name in ("created_at", "closed_at") if name in out]
    stamps = [s for s in stamps if len(s)]
    if stamps and all(bool((s == s.dt.normalize()).all()) for s in stamps):
        ctx.issue("day_only_dates", INFO, None, count=int(len(stamps[0])))


def _rule_columns_missing(ctx: _Context, out: dict[str, pd.Series], live: pd.Series) -> None:
    """One note per rate whose rule reads a column the profile maps but this file lacks (a 311 export without
    its Due Date column, a 12345 sheet without 是否解决), or a due-date column empty in every row (NYC's
    exports often are): the rate is unknown for every row, and says why."""
    rules = {"responded": ctx.profile.response_rule, "resolved": ctx.profile.resolution_rule}
    for key, rule in rules.items():
        needed = RULE_FIELDS[key].get(rule, ())
        mapped = [f for f in needed if f in ctx.profile.columns]
        if mapped and not any(f in ctx.columns or f in ctx.profile.derive for f in needed):
            headers = " / ".join(ctx.profile.columns[mapped[0]][:3])
            ctx.issue("rule_column_missing", INFO, None, rule_key=key, rule=rule, needed=mapped[0], headers=headers)
        elif rule == "closed_by_due" and "due_at" in out and live.any() and out["due_at"][live].isna().all():
            ctx.issue("rule_column_empty", INFO, None, "due_at", rule_key=key, rule=rule, needed="due_at")


def _response_rule(ctx: _Context, out: dict[str, pd.Series], status_key: pd.Series) -> pd.Series:
    """responded by the profile's rule: the call-back answer, a reply on record, or action by the due date."""
    rule = ctx.profile.response_rule
    if rule == "answer":
        return out["responded"]
    n = len(status_key)
    action = out.get("closed_at", pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"))
    if "resolution_action_at" in out:
        action = pd.concat([action, out["resolution_action_at"]], axis=1).min(axis=1)
    if rule == "closed":
        return action.notna().astype(object)
    due = out.get("due_at", pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"))
    # A due date at midnight means "by the end of that day".
    due_end = due.where(due != due.dt.normalize(), due + pd.Timedelta(days=1) - pd.Timedelta(seconds=1))
    stamps = [
        s for s in (out.get("created_at"), out.get("closed_at"), out.get("resolution_action_at")) if s is not None
    ]
    as_of = max((s.max() for s in stamps if s.notna().any()), default=pd.NaT)  # the export's moment, near enough
    responded = pd.Series([None] * n, index=range(n), dtype=object)
    known_due = due_end.notna()
    responded[known_due & action.notna()] = (action <= due_end)[known_due & action.notna()]
    if pd.notna(as_of):
        responded[known_due & action.isna() & (due_end < as_of)] = False
    return responded


def _caller_keys(ctx: _Context, salt: bytes) -> pd.Series:
    """A pseudonym per phone number (values.caller_keys, over its digits); the number itself is dropped here."""
    raw = ctx.cells("caller_phone")
    texts = text_mask(raw)
    if (~texts & raw.notna()).any():  # numbers as text without ".0"
        raw = raw.where(texts, map_distinct(raw.where(~texts), cell_text))
    digits = nfkc(raw.astype("string")).str.replace(r"\D", "", regex=True)
    return caller_keys(digits, salt)


def _agency(
    ctx: _Context, derived: pd.Series | None, created_at: pd.Series, agencies: AgencyTable, live: pd.Series
) -> dict[str, pd.Series]:
    """agency, agency_raw and unit_type: the agency column as written (or the name a profile derives), folded,
    aliased for the creation date and looked up in the roster."""
    n = len(live)
    formula = pd.Series(False, index=range(n))
    column = "agency" if "agency" in ctx.columns else None
    if column:
        raw = ctx.cells("agency")
        formula = formula_error_mask(raw)
        for position in ctx.each(formula & live):
            ctx.issue("formula_error", ROW, position, "agency", raw[position])
        written = map_distinct_text(raw.where(~formula, None), _as_written)
        # Before the roster look-up: "局\u202e" and "局 电话138…" are "局".
        written = clean_names(ctx, "agency", written, live)
        if "agency_raw" in ctx.scrubber.fields:
            written = scrub_column(ctx, "agency_raw", written, ctx.scrubber)
    else:  # derived from another field by the profile
        written = derived if derived is not None else pd.Series(pd.NA, index=range(n), dtype="string")
    resolved = agencies.resolve(_agency_keys(written, ctx.profile.agency_case), created_at)
    for position in ctx.each(resolved.agency.isna() & ~formula & live):
        ctx.issue("missing_required", ROW, position, column)
    for name in sorted(resolved.unknown):
        rows = np.flatnonzero((resolved.agency == name).fillna(False).to_numpy() & live.to_numpy())
        if len(rows):
            ctx.issue("unknown_agency", CELL, int(rows[0]), column, name, count=len(rows))
    return {"agency": resolved.agency, "agency_raw": written, "unit_type": resolved.unit_type}


def _agency_keys(written: pd.Series, case: str) -> pd.Series:
    """Agency names folded as the profile declares: 311 codes DSNY, dsny and "Dsny " are one agency.

    `fold` keeps names in words readable: "Streets and Sanitation" and "streets and sanitation " are one
    agency, shown as the file most often writes it.
    """
    if case == "as_written":
        return written
    stripped = written.str.strip()
    if case == "fold":
        return stripped.map(_most_written(stripped))
    return stripped.str.upper() if case == "upper" else stripped.str.lower()


def _most_written(names: pd.Series) -> dict[str, str]:
    """Each spelling -> the most frequent spelling of the same name in any case (ties: the first in sort order)."""
    counts = names.value_counts()
    ordered = sorted(((str(name), int(n)) for name, n in counts.items()), key=lambda item: (-item[1], item[0]))
    chosen: dict[str, str] = {}
    for spelling, _ in ordered:
        chosen.setdefault(spelling.casefold(), spelling)
    return {spelling: chosen[spelling.casefold()] for spelling, _ in ordered}


def _as_written(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return cell_text(value) if isinstance(value, (int, float)) else str(value)


def _closed_before_created(ctx: _Context, out: dict[str, pd.Series], live: pd.Series) -> None:
    if "closed_at" not in out:
        return
    closed, created = out["closed_at"], out["created_at"]
    # A day-only stamp (midnight) says only "that day": against it, compare days, so a ticket created at 14:00
    # and closed "the same day" is not early.
    day_only = (closed == closed.dt.normalize()) | (created == created.dt.normalize())
    early = ((closed < created) & ~(day_only & (closed.dt.normalize() == created.dt.normalize()))).fillna(False) & live
    for position in ctx.each(early):
        ctx.issue("closed_before_created", CELL, position, "closed_at", out["closed_at"][position])


# ------------------------------------------------------------------ rejects


def _rejects_frame(ctx: _Context, data: pd.DataFrame, rejected: pd.Series) -> pd.DataFrame:
    """One row per rejected row: where (file, sheet, row, ticket id), why (first reason; all codes), the raw
    value that failed, then the row's original cells with personal columns masked and personal data in
    the others replaced, as in the tickets (so the clerk sees the row, never the caller)."""
    positions: list[int] = np.flatnonzero(rejected.to_numpy()).tolist()
    records = []
    for position in positions:
        found = ctx.row_issues[position]
        first = found[0]
        records.append(
            {
                "file": first.file,
                "sheet": first.sheet,
                "row": first.row,
                "ticket_id": ctx.ticket_id(position),
                "column": first.column,
                "column_letter": first.column_letter,
                "raw_value": first.raw_value,
                "code": first.code,
                "message": first.message,
                "hint": first.hint,
                "codes": ";".join(dict.fromkeys(i.code for i in found)),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=REJECT_COLUMNS)
    originals = data.iloc[positions].reset_index(drop=True).astype(object)
    mask = ctx.scrubber.mask_for(ctx.lang)
    for index, column in enumerate(ctx.raw.columns):
        personal = ctx.is_personal(str(column))
        originals.iloc[:, index] = ctx.scrubber.cells(originals.iloc[:, index], mask=mask if personal else None)
    originals.columns = _original_names(list(ctx.raw.columns))
    return pd.concat([frame, originals], axis=1)


REJECT_COLUMNS = [
    "file",
    "sheet",
    "row",
    "ticket_id",
    "column",
    "column_letter",
    "raw_value",
    "code",
    "message",
    "hint",
    "codes",
]


def _original_names(columns: list[str]) -> list[str]:
    """The file's own header names, made unique and kept apart from the report's columns."""
    names, seen = [], set(REJECT_COLUMNS)
    for index, column in enumerate(columns):
        name = str(column) if str(column).strip() else f"column {index + 1}"
        while name in seen:
            name = f"{name} (source)"
        seen.add(name)
        names.append(name)
    return names


# A date every format can show: the hint reads "2024-03-15 09:05" instead of "%Y-%m-%d %H:%M",
# which a clerk cannot read and which is English in a Chinese book.
_EXAMPLE_DATE = datetime(2024, 3, 15, 9, 5, 30)


def _format_list(formats: tuple[str, ...], shown: int = 4) -> str:
    more = "…" if len(formats) > shown else ""
    return ", ".join(dict.fromkeys(_format_example(f) for f in formats[:shown])) + more


def _format_example(date_format: str) -> str:
    if date_format.upper() == "ISO8601":
        return _EXAMPLE_DATE.isoformat()
    try:
        return _EXAMPLE_DATE.strftime(date_format)
    except ValueError:  # checked at config load; shown as written if it still cannot be rendered
        return date_format


def _short(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    if len(text) > RAW_VALUE_LIMIT:
        text = text[:RAW_VALUE_LIMIT] + "…"
    return str(neutralise_cell(text))
