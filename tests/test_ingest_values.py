"""Cell parsing: dates, ids, vocabularies, formula errors, agency names and caller keys."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from citistat.errors import ConfigError
from citistat.ingest.agencies import AgencyTable, normalise_agency
from citistat.ingest.values import (
    blank_mask,
    cell_text,
    excel_serial_to_datetime,
    formula_error_mask,
    parse_dates,
    parse_ids,
    parse_text,
    parse_vocab,
)

CN_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %I:%M %p",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %I:%M %p",
    "%Y.%m.%d",
]
US_FORMATS = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"]


def dates(values, formats=CN_FORMATS, **options):
    return parse_dates(pd.Series(values, dtype=object), formats, **options)


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 09:10:11", "2024-03-05 09:10:11"),
        ("2024/3/5 9:10", "2024-03-05 09:10"),
        ("2024年3月5日 09:10", "2024-03-05 09:10"),
        ("2024年3月5日 下午6:30", "2024-03-05 18:30"),
        ("2024/3/5 上午9:05", "2024-03-05 09:05"),
        ("2024/3/5 晚上11:15", "2024-03-05 23:15"),
        ("2024/3/5 中午12:10", "2024-03-05 12:10"),
        ("2024.3.9", "2024-03-09"),
        ("２０２４-０３-０５ ０９:１０", "2024-03-05 09:10"),  # full-width digits, NFKC
        ("'2024-03-05 09:10", "2024-03-05 09:10"),  # forced-text apostrophe
    ],
)
def test_chinese_date_forms(text, expected):
    parsed = dates([text])
    assert parsed.values[0] == pd.Timestamp(expected)
    assert not parsed.bad[0]


def test_us_311_times_with_am_pm():
    parsed = dates(["12/31/2017 11:59:58 PM", "01/05/2018 12:00:00 AM"], US_FORMATS)
    assert list(parsed.values) == [pd.Timestamp("2017-12-31 23:59:58"), pd.Timestamp("2018-01-05 00:00:00")]


def test_impossible_and_unknown_dates_are_bad_not_guessed():
    parsed = dates(["2024-02-30 10:00", "2024-03-32 10:00", "待补录", "2024-03-05 09:10"])
    assert parsed.bad.tolist() == [True, True, True, False]
    assert parsed.values[:3].isna().all()


def test_a_day_first_value_in_a_month_first_profile_is_rejected():
    # 13/03/2024 only fits a day-first reading; a month-first profile never guesses it.
    parsed = dates(["13/03/2024", "03/13/2024"], ["%m/%d/%Y"])
    assert parsed.bad.tolist() == [True, False]


def test_blanks_are_missing_not_bad():
    parsed = dates([None, "", "  ", "\u3000", float("nan")])
    assert parsed.values.isna().all() and not parsed.bad.any() and not parsed.sentinel.any()


def test_sentinels_become_missing():
    parsed = dates(
        ["01/01/1900 12:00:00 AM", "01/01/1900", 0, "12/31/2017 11:59:58 PM"], US_FORMATS, sentinels=["01/01/1900"]
    )
    assert parsed.sentinel.tolist() == [True, True, False, False]
    assert parsed.not_a_date.tolist() == [False, False, True, False]  # serial 0: missing, with a warning
    assert parsed.values[:3].isna().all() and not parsed.bad.any()


def test_excel_serials_use_the_workbook_epoch():
    # 45356.5 days after 1899-12-30 is 2024-03-05 12:00; the 1904 system starts 1462 days later.
    assert dates([45356.5]).values[0] == pd.Timestamp("2024-03-05 12:00")
    assert dates([45356.5 - 1462], date1904=True).values[0] == pd.Timestamp("2024-03-05 12:00")


def test_excel_serials_round_to_the_second():
    # 0.25 day + a float error well under a second is 06:00:00 exactly.
    serial = pd.Series([45356.25 + 1e-9])
    assert excel_serial_to_datetime(serial, False)[0] == pd.Timestamp("2024-03-05 06:00:00")


def test_native_datetime_cells_pass_through():
    stamp = dt.datetime(2024, 3, 5, 9, 10)
    assert dates([stamp]).values[0] == pd.Timestamp(stamp)


def test_iso_times_with_an_offset_are_converted_to_local_time():
    parsed = dates(
        ["2024-03-05T01:10:00Z", "2024-03-05T09:10:00+08:00", "2024-03-05T09:10:00"],
        ["ISO8601"],
        timezone="Asia/Shanghai",
    )
    # 01:10 UTC = 09:10 in Shanghai (UTC+8); a value without offset is already local.
    assert list(parsed.values) == [pd.Timestamp("2024-03-05 09:10")] * 3


def test_formats_are_all_tried_whatever_their_order_on_a_large_column():
    text = ["2024-03-05 09:10:00"] * 6000 + ["2024/3/6 9:10"]
    parsed = dates(text, ["%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    assert not parsed.bad.any()
    assert parsed.values.iloc[-1] == pd.Timestamp("2024-03-06 09:10")


# ------------------------------------------------------------------ ids and text


def test_ids_are_text_without_float_suffix_or_forcing_marks():
    parsed = parse_ids(pd.Series(["\tGD1", "'GD2", 20240305000100.0, "ＧＤ３", " GD4 ", None, "   "], dtype=object))
    assert parsed.ids.tolist()[:5] == ["GD1", "GD2", "20240305000100", "GD3", "GD4"]
    assert parsed.missing.tolist() == [False] * 5 + [True, True]


def test_numeric_ids_longer_than_15_digits_are_flagged():
    parsed = parse_ids(pd.Series([1234567890123456, 123456789012345, "1234567890123456"], dtype=object))
    # 16 digits as a number: Excel may have lost digits; 15 digits or text: fine.
    assert parsed.precision_lost.tolist() == [True, False, False]


def test_formula_errors_and_blanks_are_recognised():
    raw = pd.Series(["#N/A", "#REF!", "#div/0!", "N/A", None, "\u200b", "x"], dtype=object)
    assert formula_error_mask(raw).tolist() == [True, True, True, False, False, False, False]
    assert blank_mask(raw).tolist() == [False, False, False, False, True, True, False]


def test_text_is_folded_and_blank_is_missing():
    parsed = parse_text(pd.Series(["  噪音\u3000扰民 ", "", 12.0, None], dtype=object))
    assert parsed.tolist()[0] == "噪音 扰民" and parsed.tolist()[2] == "12"
    assert parsed.isna().tolist() == [False, True, False, True]


def test_vocabulary_mapping_flags_unknown_answers():
    vocabulary = {"是": True, "否": False, "y": True, "1": True, "true": True}
    parsed = parse_vocab(pd.Series(["是 ", "否", "Y", 1.0, True, "也许", None], dtype=object), vocabulary)
    assert parsed.values.tolist() == [True, False, True, True, True, None, None]
    assert parsed.unrecognised.tolist() == [False] * 5 + [True, False]


# ------------------------------------------------------------------ agencies


@pytest.mark.parametrize(
    "written",
    ["市水务局", " 市水务局\t", "市水务局\u3000", "市\u00a0水务局", "市水\u200b务局", "市 水务 局"],
)
def test_agency_spaces_of_every_kind_fold(written):
    assert normalise_agency(written) == "市水务局"


def test_agency_full_width_brackets_fold_and_latin_spaces_stay():
    assert normalise_agency("朝阳区（建国门）街道") == "朝阳区(建国门)街道"
    assert normalise_agency(" Department  of Sanitation ") == "Department of Sanitation"


ALIASES = [
    {"alias": "市城市管理委员会", "canonical": "市城市管理局", "valid_from": "", "valid_to": "2023-12-31"},
    {"alias": "城管局", "canonical": "市城市管理局", "valid_from": "", "valid_to": ""},
]
ROSTER = [{"agency": "市城市管理局", "unit_type": "委办局"}, {"agency": "朝阳门街道", "unit_type": "街乡镇"}]


def test_dated_aliases_apply_only_within_their_dates():
    table = AgencyTable(ALIASES, ROSTER)
    names = pd.Series(["市城市管理委员会", "市城市管理委员会 ", "城管局", "朝阳门街道"], dtype="string")
    created = pd.Series(
        pd.to_datetime(["2023-12-31 23:59", "2024-01-01 00:00", "2024-01-01 00:00", "2024-01-01 00:00"])
    )
    result = table.resolve(names, created)
    # Created on the last valid day: renamed. Created after: kept as written, and reported as not in the roster.
    assert result.agency.tolist() == ["市城市管理局", "市城市管理委员会", "市城市管理局", "朝阳门街道"]
    assert result.unit_type.tolist()[0] == "委办局" and result.unit_type.tolist()[3] == "街乡镇"
    assert result.unknown == {"市城市管理委员会": 1}


def test_unknown_agencies_are_counted_once_per_name():
    table = AgencyTable([], ROSTER)
    result = table.resolve(
        pd.Series(["新单位", "新单位", "朝阳门街道"], dtype="string"), pd.Series(pd.to_datetime(["2024-01-01"] * 3))
    )
    assert result.unknown == {"新单位": 2}
    assert result.agency.tolist() == ["新单位", "新单位", "朝阳门街道"]


def test_a_bad_alias_date_is_a_config_error_with_the_line():
    with pytest.raises(ConfigError) as caught:
        AgencyTable([{"alias": "a", "canonical": "b", "valid_from": "2024/01/01", "_line": 7}], [])
    assert "line 7" in str(caught.value.problems[0]) and "YYYY-MM-DD" in caught.value.problems[0]


def test_a_column_already_typed_as_dates_passes_through():
    raw = pd.Series(pd.to_datetime(["2024-03-05 09:10", None, "1900-01-01 00:00"]))
    parsed = parse_dates(raw, ["%Y-%m-%d %H:%M"], sentinels=["1900-01-01 00:00"])
    assert parsed.values.iloc[0] == pd.Timestamp("2024-03-05 09:10")
    assert parsed.values.iloc[1:].isna().all()
    assert parsed.sentinel.tolist() == [False, False, True]
    assert not parsed.bad.any()


def test_time_zones_are_dropped_from_typed_and_mixed_columns():
    aware = pd.Series(pd.to_datetime(["2024-03-05 09:10"]).tz_localize("Asia/Shanghai"))
    assert parse_dates(aware, []).values.iloc[0] == pd.Timestamp("2024-03-05 09:10")
    mixed = pd.Series(
        [
            pd.Timestamp("2024-03-05 09:10", tz="Asia/Shanghai"),
            pd.Timestamp("2024-03-06 10:00"),
            pd.Timestamp("2024-03-07 11:00", tz="UTC"),
        ],
        dtype=object,
    )
    values = parse_dates(mixed, []).values
    assert values.tolist() == [
        pd.Timestamp("2024-03-05 09:10"),
        pd.Timestamp("2024-03-06 10:00"),
        pd.Timestamp("2024-03-07 11:00"),
    ]


@pytest.mark.parametrize("blank", [None, float("nan"), pd.NA, pd.NaT, np.datetime64("NaT"), "", " \u3000\u200b"])
def test_every_kind_of_empty_cell_reads_as_blank(blank):
    # a date column the reader already typed holds NaT in a blank row: that row is blank, not a ticket without id
    assert cell_text(blank) is None


def test_cell_text_keeps_what_a_user_typed():
    assert [cell_text(v) for v in (12.0, 12.5, True, " 市水务局\u3000", pd.Timestamp("2024-03-05"))] == [
        "12",
        "12.5",
        "TRUE",
        "市水务局",
        "2024-03-05 00:00:00",
    ]


def test_caller_keys_are_keyed_stable_and_blank_for_no_number():
    from citistat.ingest.values import caller_keys

    numbers = pd.Series(["13812345678", None, "", "13812345678", "13812345679"], dtype="string")
    keys = caller_keys(numbers, b"salt")
    assert keys[0] == keys[3] != keys[4] and keys[[1, 2]].isna().all()
    assert all(len(k) == 16 and set(k) <= set("0123456789abcdef") for k in keys.dropna())
    assert caller_keys(numbers, b"other salt")[0] != keys[0]  # another workspace, other keys
    assert caller_keys(pd.Series([None], dtype="string"), b"salt").isna().all()


def test_a_bad_date_hint_shows_the_formats_as_example_dates_not_codes():
    from citistat.ingest.normalise import _format_list

    shown = _format_list(("%Y-%m-%d %H:%M", "%Y年%m月%d日 %H:%M:%S", "ISO8601", "%Y/%m/%d %H:%M", "%d.%m.%Y"))
    assert shown == "2024-03-15 09:05, 2024年03月15日 09:05:30, 2024-03-15T09:05:30, 2024/03/15 09:05…"
    assert "%" not in shown
