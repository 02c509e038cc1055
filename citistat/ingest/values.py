"""Vectorised parsing of raw cells into typed columns.

Every parser takes a pandas Series of raw cell values (str, float, int, bool,
datetime, None; formula errors as strings such as "#N/A") and returns the
parsed Series plus boolean masks saying which cells were bad and why. The
loader turns those masks into DataIssues; this module knows nothing of files.

Speed matters (a megacity month is 1–2 million rows): dates are parsed one
explicit format at a time on the still-unparsed remainder, and text
vocabularies are folded once per distinct value, not once per cell.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .labels import fold_label

FORMULA_ERRORS = frozenset(
    {
        "#N/A",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#N/A N/A",
    }
)
_FORMULA_ERROR_SPELLINGS = list(FORMULA_ERRORS | {e.lower() for e in FORMULA_ERRORS})
EXCEL_EPOCH_1900 = pd.Timestamp("1899-12-30")  # serial 1 = 1900-01-01, shifted by Lotus' 1900 leap-year bug
EXCEL_EPOCH_1904 = pd.Timestamp("1904-01-01")
_LARGEST_SERIAL = 2958465  # 9999-12-31
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
SERIAL_TEXT = r"\d{1,7}(?:\.\d+)?"  # an Excel day number saved as text (Excel → CSV): 45377 or 45377.253472222
# Chinese spellings, folded to one canonical shape before the declared formats see them (see _date_text).
_CHINESE_HALF_DAY = re.compile(r"(上午|早上|凌晨|中午|下午|晚上)\s*(\d{1,2})(:\d{2}(?::\d{2})?)")
_CHINESE_WEEKDAY = re.compile(r"[(（]?\s*(?:星期|礼拜|周)[一二三四五六日天]\s*[)）]?")
_CHINESE_DAY_MARK = re.compile(r"(\d)\s*[日号]\s*")
_CHINESE_HALF_DAY_AFTER = re.compile(r"(\d{1,2})(:\d{2}(?::\d{2})?)\s*(上午|早上|凌晨|中午|下午|晚上)")  # 3:05 下午
_CHINESE_HMS = re.compile(r"(\d{1,2})\s*[时点]\s*(?:(\d{1,2})\s*(?:分\s*(?:(\d{1,2})\s*秒)?)?|(半)|整|钟)?")
_CHINESE_DATE_FORMATS = ("%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y年%m月%d日 %H:%M:%S.%f")
# A UTC offset after a time: 11:20Z, 11:20:00+08:00, 11:20:00.5+0800, 11:20:00 +08 (never the "-15" of a date)
_OFFSET_AT_END = re.compile(r":\d{2}(?:[.,]\d+)?\s?(?:Z|[+-]\d{2}(?::?\d{2})?)$")


# ---------------------------------------------------------------- cell classes


def blank_mask(raw: pd.Series) -> pd.Series:
    """True where a cell holds nothing: None/NaN, or text that is only spaces of any kind."""
    blank = raw.isna().to_numpy(dtype=bool).copy()
    texts = text_mask(raw)
    if texts.any():
        stripped = raw[texts].astype("string").str.strip()
        empty = stripped.eq("").to_numpy(dtype=bool).copy()
        exotic = (~stripped.str.isascii()).to_numpy(dtype=bool) & ~empty
        if exotic.any():  # zero-width spaces are not whitespace to str.strip()
            empty[exotic] = stripped[exotic].map(lambda v: fold_spaces(v) == "").to_numpy(dtype=bool)
        blank[texts.to_numpy()] = empty
    return pd.Series(blank, index=raw.index)


def text_mask(raw: pd.Series) -> pd.Series:
    """True where a cell is a Python str (one cheap type check per cell)."""
    if isinstance(raw.dtype, pd.StringDtype):  # a text column (CSV, or an all-text sheet column): no per-cell look
        return raw.notna().astype(bool)
    return raw.map(lambda cell: type(cell) is str).fillna(False).astype(bool)


def formula_error_mask(raw: pd.Series) -> pd.Series:
    """True where a cell holds a spreadsheet error value such as #N/A or #REF!.

    Readers hand error cells over as their exact error text, so a hash lookup
    (isin) finds them; a lower-case spelling typed by hand is matched too.
    """
    return raw.isin(_FORMULA_ERROR_SPELLINGS).astype(bool)


def fold_spaces(text: str) -> str:
    """NFKC, zero-width characters removed, every kind of space (U+3000, NBSP, TAB) made one ASCII space, trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return " ".join(text.split())


def fold_key(text: str) -> str:
    """A vocabulary key: spaces folded away entirely and lower case, so "是 " == "是" and "Yes" == "YES"."""
    return fold_label(text)


def map_distinct(raw: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """Apply `func` once per distinct value (exports repeat a few values a million times)."""
    if raw.empty:
        return pd.Series([], index=raw.index, dtype=object)
    uniques, codes = distinct_values(raw)
    mapped = np.array([func(v) for v in uniques] + [func(None)], dtype=object)
    return pd.Series(mapped[codes], index=raw.index, dtype=object)


def map_distinct_text(raw: pd.Series, func: Callable[[object], str | None]) -> pd.Series:
    """`map_distinct` for a function that returns text: a string column built by Arrow from the few
    mapped values, without a Python object per row."""
    if raw.empty:
        return pd.Series([], index=raw.index, dtype="string")
    uniques, codes = distinct_values(raw)
    results = [func(v) for v in uniques]
    array = arrow_text(raw)
    if array is not None and func(None) is None:  # most cells come out as they went in: only the others change
        changed = np.array([result != value for result, value in zip(results, uniques)] + [False], dtype=bool)
        rows = changed[codes]
        if not rows.any():
            return string_series(array, raw.index)
        if rows.mean() < 0.5:
            replacements = pa.array(results, type=pa.large_string()).take(codes[rows])
            return string_series(
                pc.replace_with_mask(array.cast(pa.large_string()), pa.array(rows), replacements), raw.index
            )
    mapped = pa.array(results + [func(None)], type=pa.large_string())
    return string_series(mapped.take(np.where(codes < 0, len(uniques), codes)), raw.index)


def keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """`frame[keep]` for a boolean mask: Arrow text columns filtered by Arrow (copying runs of kept rows)."""
    mask, index = pa.array(keep), frame.index[keep]
    columns = {}
    for name in frame.columns:
        column = frame[name]
        array = arrow_text(column)
        columns[name] = column[keep] if array is None else string_series(array.filter(mask), index).astype(column.dtype)
    return pd.DataFrame(columns, index=index, columns=frame.columns)


def distinct_values(raw: pd.Series) -> tuple[list, np.ndarray]:
    """(the distinct non-missing values, each row's position among them; -1 where missing).

    A text column the readers built in Arrow is encoded by Arrow; anything else by pandas.
    """
    array = arrow_text(raw)
    if array is None:
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        return list(uniques), codes
    encoded = pc.dictionary_encode(array)
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return encoded.dictionary.to_pylist(), codes


def arrow_text(raw: pd.Series) -> pa.Array | None:
    """The Arrow array behind an Arrow-backed text column, in one chunk; None for any other column."""
    if not (isinstance(raw.dtype, pd.StringDtype) and raw.dtype.storage == "pyarrow"):
        return None
    array = pa.array(raw.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def string_series(array: pa.Array | pa.ChunkedArray, index: pd.Index | None) -> pd.Series:
    """An Arrow string array as a pandas "string" column (the canonical table's text dtype)."""
    if pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, copy=False)


def cell_text(value: object) -> str | None:
    """A raw cell as text: integers without ".0", booleans as TRUE/FALSE, None for blank.

    Blank is None, NaN, pd.NA and NaT: a date column the reader typed holds NaT in a blank row.
    """
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.datetime64) and np.isnat(value):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = fold_spaces(str(value))
    return text or None


# ---------------------------------------------------------------- text and ids


def parse_text(raw: pd.Series) -> pd.Series:
    """Optional free text: folded spaces, blank → missing."""
    return map_distinct_text(raw, cell_text)


@dataclass
class IdParse:
    ids: pd.Series  # string dtype, <NA> where missing
    missing: pd.Series  # bool
    precision_lost: pd.Series  # bool: a number longer than Excel's 15 digits


def parse_ids(raw: pd.Series) -> IdParse:
    """Ticket ids as text: no ".0", no leading TAB or apostrophe, NFKC; long numbers flagged."""
    texts = text_mask(raw)
    others = ~texts & raw.notna()
    if not others.any():  # every id is text (a CSV, a text column of a sheet): one pass over the column
        ids = _clean_id_texts(raw.astype("string"))
        return IdParse(ids=ids, missing=ids.isna(), precision_lost=_scientific(ids))
    ids = pd.Series(pd.NA, index=raw.index, dtype="string")
    if texts.any():
        ids[texts] = _clean_id_texts(raw[texts].astype("string"))
    if others.any():
        ids[others] = map_distinct(raw[others], _id_text).astype("string")
    precision_lost = _scientific(ids)
    if others.any():
        precision_lost[others] = map_distinct(raw[others], _id_lost_digits).astype(bool)
    return IdParse(ids=ids, missing=ids.isna(), precision_lost=precision_lost)


_SCIENTIFIC_ID = r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+"


def _scientific(ids: pd.Series) -> pd.Series:
    """Ids Excel wrote in scientific notation ("2.02403E+17": a CSV opened and saved again): digits lost."""
    hits = ids.str.contains("e+", case=False, regex=False).fillna(False).astype(bool)
    if hits.any():
        hits &= ids.str.fullmatch(_SCIENTIFIC_ID).fillna(False).astype(bool)
    return hits


def _clean_id_texts(text: pd.Series) -> pd.Series:
    exotic = ~text.str.isascii().fillna(True).astype(bool)
    if exotic.any():
        text[exotic] = text[exotic].str.normalize("NFKC").str.replace("[\u200b-\u200d\u2060\ufeff]", "", regex=True)
    text = text.str.strip().str.lstrip("'\t ").str.strip()  # exports force text with a leading TAB or apostrophe
    return text.where(text.ne(""), pd.NA)


def _id_text(value: object) -> str | None:
    """An id cell that is not text: a number (no ".0"), or anything else as written."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def _id_lost_digits(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and (value != value or not value.is_integer()):
        return False
    return len(str(abs(int(value)))) > EXCEL_DIGITS


# ---------------------------------------------------------------- dates


@dataclass
class DateParse:
    values: pd.Series  # datetime64[ns], NaT where missing or bad
    bad: pd.Series  # bool: a value was there but no declared format fits (raw text kept by the caller)
    sentinel: pd.Series  # bool: a "no date" placeholder the profile declares, such as 01/01/1900
    not_a_date: pd.Series  # bool: an Excel serial below 1 (0, -1, -45352), or a date cell showing one (≤ 1899-12-31)
    implausible: pd.Series  # bool: a real date outside the plausible years (a typo, or a broken export)


def parse_dates(
    raw: pd.Series,
    formats: Iterable[str],
    *,
    date1904: bool = False,
    sentinels: Iterable[object] = (),
    timezone: str | None = None,
    serial_text: bool = False,
    plausible_years: tuple[int, int] | None = None,
) -> DateParse:
    """Parse a date column with the profile's explicit formats, never guessing per row.

    Datetime cells pass through; numbers are Excel serials in the workbook's
    epoch; text is tried against each format in turn on what is still unparsed,
    then against the self-describing Chinese spellings (年/月/日), then, when
    `serial_text`, as Excel serials written out as text (a workbook saved as CSV).
    A value no format fits (2024-02-30, 13/13/2024) is bad, not guessed.

    Serials below 1 and date cells at or before 1899-12-31 are what Excel shows
    for 0, -1 or -45352: they are `not_a_date` (missing), never 1899 or 1775.
    With `plausible_years` (first, last), other dates outside them are `implausible`.
    """
    formats = tuple(formats)
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = _typed_dates(raw, sentinels, formats)
        beyond = raw.notna() & parsed.values.isna() & ~parsed.sentinel  # after 2262: no datetime64[ns] holds it
        parsed = _screen_range(parsed, plausible_years)
        parsed.implausible |= beyond
        return parsed
    # Positions, not labels: numpy masks over the column, so a million rows take no index look-ups.
    result = np.full(len(raw), _NAT, dtype="datetime64[ns]")
    kinds = _date_kinds(raw)
    sentinel = np.zeros(len(raw), dtype=bool)
    not_a_date = np.zeros(len(raw), dtype=bool)

    native = kinds == "datetime"
    if native.any():
        result[native] = _native_datetimes(raw[native]).to_numpy(dtype="datetime64[ns]")
    beyond = native & np.isnat(result)  # a date cell after 2262, or a number no hotline date could be (below)

    numbers = kinds == "number"
    if numbers.any():
        not_a_date[numbers] = raw[numbers].astype(float).to_numpy() <= 0
        usable = numbers & ~not_a_date
        result[usable] = excel_serial_to_datetime(raw[usable].astype(float), date1904).to_numpy(dtype="datetime64[ns]")
        beyond |= usable & np.isnat(result)  # 200000 or 1e12

    texts_at = np.flatnonzero(kinds == "text")
    if len(texts_at):
        cells = raw if len(texts_at) == len(raw) else raw.iloc[texts_at]
        repeated = False  # day-only dates, a deadline like "3个工作日": parse each value once
        if _may_repeat(cells):
            uniques, codes = distinct_values(cells)
            repeated = len(uniques) * 2 < len(cells)
        source = pd.Series(uniques, dtype=object) if repeated else cells
        dates, is_sentinel, below_one = _text_column_dates(
            source, formats, sentinels, timezone, serial_text=serial_text, date1904=date1904
        )
        if repeated:
            dates, is_sentinel, below_one = dates[codes], is_sentinel[codes], below_one[codes]
        result[texts_at] = dates
        sentinel[texts_at] = is_sentinel
        not_a_date[texts_at] = below_one

    result = _to_the_second(result)
    sentinel |= _sentinel_dates(pd.Series(result, index=raw.index), sentinels, formats).to_numpy(dtype=bool)
    result[sentinel] = _NAT
    bad = (kinds != "blank") & np.isnat(result) & ~sentinel & ~not_a_date
    parsed = _screen_range(
        DateParse(
            values=pd.Series(result, index=raw.index),
            bad=pd.Series(bad, index=raw.index),
            sentinel=pd.Series(sentinel, index=raw.index),
            not_a_date=pd.Series(not_a_date, index=raw.index),
            implausible=pd.Series(False, index=raw.index),
        ),
        plausible_years,
    )
    if beyond.any():  # said as a date out of range, not as text no format fits
        parsed.bad &= ~beyond
        parsed.implausible |= beyond
    return parsed


_NAT = np.datetime64("NaT", "ns")


def _may_repeat(cells: pd.Series) -> bool:
    """False when a sample of a long column is mostly distinct values (timestamps to the second):
    encoding a million distinct texts to parse each once would cost more than it saves."""
    if len(cells) <= 20_000:
        return True
    sample = cells.iloc[:: len(cells) // 2000]
    return sample.nunique(dropna=True) * 2 < len(sample)


def _text_column_dates(
    cells: pd.Series,
    formats: tuple[str, ...],
    sentinels: Iterable[object],
    timezone: str | None,
    *,
    serial_text: bool,
    date1904: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dates, sentinel, serial ≤ 0) for text cells, as numpy arrays in the cells' order."""
    text = _date_texts(cells)
    sentinel_text = {_date_text(str(s)) for s in sentinels}
    is_sentinel = text.isin(sentinel_text).to_numpy(dtype=bool)
    dates = np.full(len(text), _NAT, dtype="datetime64[ns]")
    below_one = np.zeros(len(text), dtype=bool)
    parsed, serial_zero_or_less = _parse_text_dates(
        text[~is_sentinel], formats, timezone, serial_text=serial_text, date1904=date1904
    )
    dates[~is_sentinel] = parsed.to_numpy(dtype="datetime64[ns]")
    below_one[~is_sentinel] = serial_zero_or_less.to_numpy(dtype=bool)
    return dates, is_sentinel, below_one


_LAST_NON_DATE = pd.Timestamp("1899-12-31 23:59:59")  # serial 1 is 1900-01-01: anything earlier is serial 0 or below


def _to_the_second(values: np.ndarray) -> np.ndarray:
    """Text such as 11:20:00.250 is rounded to the second, as date cells and serials are: one canonical precision."""
    ticks = values.view("i8")
    fraction = (ticks % 1_000_000_000 != 0) & ~np.isnat(values)
    if not fraction.any():
        return values
    return pd.Series(values).dt.round("s").to_numpy(dtype="datetime64[ns]").copy()


def _screen_range(parsed: DateParse, plausible_years: tuple[int, int] | None) -> DateParse:
    """Set apart what Excel shows for serials ≤ 0 (1899-12-30, 1775-…) and dates outside the plausible years.

    Both become missing: the caller reports them (a warning, or a rejected row
    when the date is required). One comparison per bound, so a million rows cost milliseconds.
    """
    values = parsed.values
    early = (values <= _LAST_NON_DATE).fillna(False).astype(bool)
    parsed.not_a_date = parsed.not_a_date | early
    if plausible_years is not None:
        first, last = plausible_years
        outside = (
            ((values < pd.Timestamp(first, 1, 1)) | (values >= pd.Timestamp(last + 1, 1, 1))).fillna(False).astype(bool)
        )
        parsed.implausible = outside & ~parsed.not_a_date
    cleared = parsed.not_a_date | parsed.implausible
    if cleared.any():
        parsed.values = values.mask(cleared)
    return parsed


def excel_serial_to_datetime(serials: pd.Series, date1904: bool) -> pd.Series:
    """Excel day numbers (fractions are the time of day) in the workbook's epoch; out of range → NaT.

    The 1900 system counts from 1899-12-30, not 1899-12-31: Lotus 1-2-3 counted a
    29 February 1900 that never was, and Excel kept the count, so every serial from
    61 (1 March 1900) on is right with that epoch. The 1904 system (Mac Excel,
    `<workbookPr date1904="1"/>`) counts from 1904-01-01.
    """
    epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH_1900
    # the last serial a datetime64[ns] holds (2262-04-11): beyond it NaT, which parse_dates calls implausible
    last = min(_LARGEST_SERIAL, (date(2262, 4, 10) - epoch.date()).days)
    in_range = (serials > 0) & (serials <= last)
    # Round to the second: Excel stores times as binary fractions of a day.
    seconds = (serials.where(in_range) * 86400).round()
    return (epoch + pd.to_timedelta(seconds, unit="s")).astype("datetime64[ns]")


def _date_kinds(raw: pd.Series) -> np.ndarray:
    """blank / datetime / number / text / other per cell, deciding once per Python type."""
    if isinstance(raw.dtype, pd.StringDtype):
        kinds = np.where(raw.isna().to_numpy(), "blank", "text").astype(_KIND)
    else:
        kinds = map_distinct(raw.map(type), _type_kind).to_numpy().astype(_KIND)
        kinds[raw.isna().to_numpy(dtype=bool)] = "blank"
    texts_at = np.flatnonzero(kinds == "text")
    if len(texts_at):
        texts = raw if len(texts_at) == len(raw) else raw.iloc[texts_at]
        plain = texts.str.isascii().astype(bool).to_numpy(dtype=bool)
        empty_plain = texts[plain].str.strip().eq("").to_numpy(dtype=bool)
        kinds[texts_at[plain][empty_plain]] = "blank"
        exotic = texts[~plain]  # rare: full-width characters or exotic spaces
        if not exotic.empty:
            kinds[texts_at[~plain]] = exotic.map(_date_kind).to_numpy().astype(_KIND)
    return kinds


_KIND = "<U8"  # the longest kind, "datetime"


def _type_kind(kind: object) -> str:
    if kind is None or kind is type(None) or kind is pd.NaT.__class__:
        return "blank"
    if isinstance(kind, type) and issubclass(kind, (datetime, date, np.datetime64)):
        return "datetime"
    if isinstance(kind, type) and issubclass(kind, bool):
        return "other"
    if isinstance(kind, type) and issubclass(kind, (int, float, np.integer, np.floating)):
        return "number"  # NaN floats are set to blank by the caller
    if kind is str:
        return "text"
    return "other"


def _date_kind(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return "blank"
    if isinstance(value, (datetime, date, pd.Timestamp, np.datetime64)):
        return "datetime"
    if isinstance(value, bool):
        return "other"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, str):
        return "text" if fold_spaces(value) else "blank"
    return "other"


def _typed_dates(raw: pd.Series, sentinels: Iterable[object], formats: tuple[str, ...]) -> DateParse:
    """A column the reader already typed as dates (every cell a date or blank): nothing to parse.

    Spreadsheet date cells are binary fractions of a day (09:02:46.667): rounded to the second.
    """
    values = raw.dt.tz_localize(None) if raw.dt.tz is not None else raw
    values = _to_ns(values).dt.round("s")
    sentinel = _sentinel_dates(values, sentinels, formats)
    values = values.mask(sentinel)
    return DateParse(
        values=values,
        bad=pd.Series(False, index=raw.index),
        sentinel=sentinel,
        not_a_date=pd.Series(False, index=raw.index),
        implausible=pd.Series(False, index=raw.index),
    )


def _native_datetimes(cells: pd.Series) -> pd.Series:
    """Date cells in an object column, made naive; one vectorised call unless time zones are mixed."""
    try:
        values = pd.to_datetime(cells, errors="coerce")
        lost = bool(values.isna().any())  # mixed time zones come back as NaT rather than an error
    except (ValueError, TypeError):
        lost = True
    if lost:  # strip each cell's time zone, then convert
        values = pd.to_datetime(cells.map(_naive), errors="coerce")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return _to_ns(values).dt.round("s")  # cells are fractions of a day: to the second


def _naive(value: object) -> object:
    if isinstance(value, (datetime, pd.Timestamp)) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def _date_texts(raw: pd.Series) -> pd.Series:
    """`_date_text` for a column, vectorised for the common plain-ASCII case."""
    text = raw.astype("string").str.strip().str.lstrip("'")
    plain = text.str.isascii().fillna(False).astype(bool)
    if (~plain).any():
        text[~plain] = map_distinct(raw[~plain], _date_text).astype("string")
    return text


def _date_text(value: object) -> str | None:
    """Date text ready for strptime: NFKC (full-width digits), spaces folded, Chinese spellings made canonical.

    Chinese exports spell one moment many ways; each is folded to the shape
    "2024年3月5日 15:05[:06]" that the declared (or built-in) formats read:
    a weekday (星期二, 周二) is dropped, 11时20分30秒 / 9点05分 / 9点05 / 3点半 / 14时 become
    11:20:30 / 9:05 / 9:05 / 3:30 / 14:00, 日 or 号 is followed by one space, and 上午/下午
    (before or after the time: 下午3:05, 3:05 下午) become a 24-hour clock.
    Only the hour, minute and second are rewritten; the year-month-day order is never touched.
    """
    if value is None:
        return None
    text = fold_spaces(str(value)).lstrip("'")
    if text.isascii():
        return text
    text = _CHINESE_WEEKDAY.sub(" ", text)
    text = _CHINESE_HMS.sub(_clock, text)
    text = _CHINESE_DAY_MARK.sub(r"\1日 ", text)
    text = _CHINESE_HALF_DAY_AFTER.sub(lambda m: f"{m.group(3)}{m.group(1)}{m.group(2)}", text)
    text = _CHINESE_HALF_DAY.sub(_half_day_to_24h, text)
    return " ".join(text.split())


def _clock(match: re.Match) -> str:
    hour, minute, second = match.group(1), "30" if match.group(4) else match.group(2) or "00", match.group(3)
    return f" {int(hour)}:{int(minute):02d}" + (f":{int(second):02d}" if second else "")


def _half_day_to_24h(match: re.Match) -> str:
    marker, hour, rest = match.group(1), int(match.group(2)), match.group(3)
    if hour > 12:  # 下午15:30: already a 24-hour clock
        return f"{hour}{rest}"
    # 中午 (midday) means 12 or 1 o'clock in the afternoon; 中午11:50 is still morning.
    afternoon = marker in ("下午", "晚上") or (marker == "中午" and hour in (12, 1, 2))
    if afternoon:
        hour = hour if hour == 12 else hour + 12
    elif hour == 12:  # 凌晨12:30 / 上午12:30 is half past midnight
        hour = 0
    return f"{hour}{rest}"


def _parse_text_dates(
    text: pd.Series,
    formats: tuple[str, ...],
    timezone: str | None,
    *,
    serial_text: bool = False,
    date1904: bool = False,
) -> tuple[pd.Series, pd.Series]:
    """(parsed values, serial ≤ 0 written as text) for a text column.

    The declared formats first; what is left is tried as a labelled Chinese date
    (年/月/日 name each part, so nothing is guessed) and, when the profile allows it,
    as an Excel serial. A column that looks like serials throughout is converted
    before the formats, so a million serials do not wait for every format to fail.
    """
    out = np.full(len(text), _NAT, dtype="datetime64[ns]")
    non_positive = np.zeros(len(text), dtype=bool)
    todo = text.notna().to_numpy(dtype=bool).copy()
    if serial_text and _looks_like_serials(text):
        _take_serials(text, todo, out, non_positive, date1904)
    for fmt in _by_sample_hits(text, np.flatnonzero(todo), formats, timezone):
        if not todo.any():
            break
        _take_format(text, todo, out, fmt, timezone)
    if todo.any():  # the few values left: a look at those only, never at the whole column
        rest = np.flatnonzero(todo)
        labelled = np.zeros(len(text), dtype=bool)
        labelled[rest[text.iloc[rest].str.contains("年", regex=False, na=False).to_numpy(dtype=bool)]] = True
        for fmt in _CHINESE_DATE_FORMATS:
            if labelled.any():
                _take_format(text, labelled, out, fmt, timezone)
        todo &= np.isnat(out)
    if serial_text and todo.any():
        _take_serials(text, todo, out, non_positive, date1904)
    return pd.Series(out, index=text.index), pd.Series(non_positive, index=text.index)


def _take_format(text: pd.Series, todo: np.ndarray, out: np.ndarray, fmt: str, timezone: str | None) -> None:
    """Parse the cells still to do with one format; those it reads are done."""
    at = np.flatnonzero(todo)
    parsed = _parse_one_format(text if len(at) == len(text) else text.iloc[at], fmt, timezone)
    _take(out, todo, at, parsed.to_numpy(dtype="datetime64[ns]"))


def _take(out: np.ndarray, todo: np.ndarray, at: np.ndarray, parsed: np.ndarray) -> None:
    hit = ~np.isnat(parsed)
    out[at[hit]] = parsed[hit]
    todo[at[hit]] = False


def _looks_like_serials(text: pd.Series) -> bool:
    sample = text.head(500).dropna().head(50)  # a look at the top, not a copy of a million cells
    return bool(len(sample)) and bool(sample.str.fullmatch(SERIAL_TEXT).mean() > 0.5)


def _take_serials(text: pd.Series, todo: np.ndarray, out: np.ndarray, non_positive: np.ndarray, date1904: bool) -> None:
    """Serials written as text: "45377.253472222" → 2024-03-26 06:05:00; "0" and "-3" are no dates."""
    at = np.flatnonzero(todo)
    candidates = text.iloc[at]
    signed = candidates.str.fullmatch("[-+]?" + SERIAL_TEXT).fillna(False).astype(bool).to_numpy(dtype=bool)
    if not signed.any():
        return
    numbers = candidates[signed].astype(float).to_numpy()
    at = at[signed]
    below_one = numbers <= 0
    non_positive[at[below_one]] = True
    todo[at[below_one]] = False
    serials = excel_serial_to_datetime(pd.Series(numbers[~below_one]), date1904)
    _take(out, todo, at[~below_one], serials.to_numpy(dtype="datetime64[ns]"))


def _by_sample_hits(text: pd.Series, todo: np.ndarray, formats: tuple[str, ...], timezone: str | None) -> list[str]:
    """The declared formats, those that fit a sample of the cells still to do (`todo`: positions) first.

    Every declared format is still tried on whatever remains; the order only
    saves a million-row column from a first pass with a format that fits nothing.
    """
    if len(todo) < 5000:
        return list(formats)
    # the sample a pandas sample of those cells draws, taken by position: no copy of the column
    chosen = pd.Series(todo).sample(n=min(500, len(todo)), random_state=0).to_numpy()
    sample = text.iloc[chosen]
    hits = {fmt: int(_parse_one_format(sample, fmt, timezone).notna().sum()) for fmt in formats}
    return sorted(formats, key=lambda fmt: -hits[fmt])  # stable: ties keep the declared order


def _parse_one_format(text: pd.Series, fmt: str, timezone: str | None) -> pd.Series:
    """One declared format; values with a UTC offset are converted to the profile's local time."""
    if fmt.upper() == "ISO8601" or "%z" in fmt:
        aware = text.str.contains(_OFFSET_AT_END, na=False)
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        if aware.any():
            parsed = pd.to_datetime(text[aware], format=fmt, errors="coerce", utc=True)
            local = parsed.dt.tz_convert(timezone) if timezone else parsed
            out[aware] = _to_ns(local.dt.tz_localize(None))
        if (~aware).any() and "%z" not in fmt:
            out[~aware] = _naive_only(text[~aware], fmt)
        return out
    return _to_ns(pd.to_datetime(text, format=fmt, errors="coerce"))


def _naive_only(text: pd.Series, fmt: str) -> pd.Series:
    """Values without a UTC offset; any offset spelling the pattern above misses makes its value bad, never a crash."""
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError):  # pandas refuses a column mixing offsets with local times
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if getattr(parsed.dt, "tz", None) is not None:
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    return _to_ns(parsed)


def _to_ns(values: pd.Series) -> pd.Series:
    """Dates as datetime64[ns]; a date outside its range (before 1677-09-21 or after 2262-04-11, such as
    9999-12-31 or 0001-01-01) becomes NaT, so its row is rejected as a bad date instead of failing the load."""
    try:
        return values.astype("datetime64[ns]")
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        inside = values.between(pd.Timestamp.min, pd.Timestamp.max)
        return values.where(inside).astype("datetime64[ns]")


def _sentinel_dates(values: pd.Series, sentinels: Iterable[object], formats: tuple[str, ...]) -> pd.Series:
    """Parsed values equal to a sentinel given as text (01/01/1900 written any way the formats allow)."""
    texts = pd.Series([_date_text(str(s)) for s in sentinels if isinstance(s, str)], dtype=object)
    if texts.empty:
        return pd.Series(False, index=values.index)
    stamps = _parse_text_dates(texts, formats, None)[0].dropna()
    return values.isin(set(stamps)) if not stamps.empty else pd.Series(False, index=values.index)


# ---------------------------------------------------------------- vocabularies


@dataclass
class VocabParse:
    values: pd.Series  # object: the mapped value, None where blank or unrecognised
    unrecognised: pd.Series  # bool: a value was there but is not in the vocabulary


def parse_vocab(raw: pd.Series, vocabulary: Mapping[str, object]) -> VocabParse:
    """Map answers through a vocabulary keyed by `fold_key`; blank → None, unknown answers flagged.

    Answer columns hold a handful of distinct values: each is folded and looked up once.
    """
    uniques, codes = distinct_values(raw)
    keys = [_answer_key(v) for v in uniques]
    mapped = np.array([vocabulary.get(k) if k is not None else None for k in keys] + [None], dtype=object)
    unknown = np.array([k is not None and vocabulary.get(k) is None for k in keys] + [False], dtype=bool)
    return VocabParse(
        values=pd.Series(mapped[codes], index=raw.index, dtype=object),
        unrecognised=pd.Series(unknown[codes], index=raw.index),
    )


_WHOLE_NUMBER_TEXT = re.compile(r"([+-]?\d+)\.0+")


def _answer_key(value: object) -> str | None:
    """An answer's vocabulary key; "1.0" (a float column written out as text by pandas or a database) is "1"."""
    text = cell_text(value)
    if text is None:
        return None
    key = fold_key(text)
    whole = _WHOLE_NUMBER_TEXT.fullmatch(key)
    return whole.group(1) if whole else key


# ---------------------------------------------------------------- caller pseudonyms

_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def caller_keys(numbers: pd.Series, salt: bytes) -> pd.Series:
    """16 hex characters per phone number: SipHash-2-4, keyed from the workspace's secret salt.

    A keyed hash, so nobody without the salt can test a guessed number against a key, and
    the same number gets the same key in every period of a workspace (repeat callers are
    found across months). pandas hashes a million numbers in C in about half a second,
    where sha256 in a Python loop took several. Blank numbers get no key.
    """
    known = (numbers.notna() & numbers.ne("")).to_numpy(dtype=bool)
    if not known.any():
        return pd.Series(pd.NA, index=numbers.index, dtype="string")
    hashed = pd.util.hash_array(numbers[known].to_numpy(dtype=object), hash_key=_siphash_key(salt), categorize=False)
    keys = _hex16(hashed)
    if not known.all():  # a blank number gets no key: spread the keys over the rows, nulls between
        positions = np.cumsum(known) - 1
        keys = keys.take(pa.array(positions, mask=~known))
    return string_series(keys, numbers.index)


def _siphash_key(salt: bytes) -> str:
    """pandas takes the 128-bit SipHash key as 16 characters: 96 bits of sha256(salt), base64-encoded."""
    import base64

    return base64.urlsafe_b64encode(hashlib.sha256(b"citistat caller key\0" + salt).digest()[:12]).decode("ascii")


def _hex16(values: np.ndarray) -> pa.Array:
    """uint64 → 16 lowercase hex characters each, as an Arrow string array built from one buffer (no Python loop)."""
    octets = values.astype(">u8").view(np.uint8).reshape(-1, 8)
    chars = np.empty((len(values), 16), dtype=np.uint8)
    chars[:, 0::2], chars[:, 1::2] = _HEX_DIGITS[octets >> 4], _HEX_DIGITS[octets & 15]
    offsets = np.arange(0, 16 * (len(values) + 1), 16, dtype=np.int32)
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(chars))


def nfkc(text: pd.Series) -> pd.Series:
    """A string column in Unicode NFKC (full-width digits read as digits); only non-ASCII values are looked at."""
    if text.empty:
        return text
    exotic = np.flatnonzero(~text.str.isascii().fillna(True).astype(bool).to_numpy(dtype=bool))
    if not len(exotic):
        return text
    out = text.copy()
    out.iloc[exotic] = [unicodedata.normalize("NFKC", value) for value in text.iloc[exotic].tolist()]
    return out
