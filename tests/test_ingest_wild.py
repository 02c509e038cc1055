"""Exports met in the wild that the other ingest tests do not cover: each fixture generated here.

Offsets spelled every way a system writes them, serials beyond any date, answers typed by a
spreadsheet (floats, booleans), AM/PM markers after the time, lying extensions of every kind.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from citistat.config import load_config
from citistat.ingest import load
from citistat.ingest.values import parse_dates

HEADER = ["工单编号", "来电时间", "承办单位", "办结时间", "是否响应", "是否解决", "满意度"]


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def write_csv(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def cn_formats(config) -> list[str]:
    return config.profiles["cn-12345"]["date_formats"]


# ------------------------------------------------------------------ dates with a UTC offset


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-15 11:20:00+08", "2024-03-15 11:20:00"),
        ("2024-03-15 11:20:00 +0800", "2024-03-15 11:20:00"),
        ("2024-03-15T03:20:00.250Z", "2024-03-15 11:20:00"),
        ("2024-03-15T11:20+08:00", "2024-03-15 11:20:00"),
    ],
)
def test_every_offset_spelling_is_converted_to_local_time(config, text, expected):
    parsed = parse_dates(pd.Series(["2024-03-15 09:00:00", text], dtype=object), cn_formats(config), timezone="Asia/Shanghai")
    assert parsed.values[1] == pd.Timestamp(expected) and not parsed.bad.any()
    assert parsed.values[0] == pd.Timestamp("2024-03-15 09:00:00")


def test_a_column_mixing_offsets_and_local_times_loads(tmp_path, config):
    """pandas refuses such a column outright; one odd cell must not stop the load."""
    rows = [["A1", "2024-03-15 11:20:00", "市水务局", "", "是", "已解决", "满意"]]
    rows += [["A2", "2024-03-15 11:20:00+08", "市水务局", "", "是", "已解决", "满意"]]
    result = load([write_csv(tmp_path / "offsets.csv", rows)], config, lang="en")
    assert result.tickets["created_at"].tolist() == [pd.Timestamp("2024-03-15 11:20:00")] * 2


# ------------------------------------------------------------------ Chinese clock spellings


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-15 03:05:06 下午", "2024-03-15 15:05:06"),  # the marker after the time (zh-CN Java/.NET exports)
        ("2024/3/15 11:20 上午", "2024-03-15 11:20:00"),
        ("2024年3月15日 12:10 凌晨", "2024-03-15 00:10:00"),
        ("2024年3月15日11点20", "2024-03-15 11:20:00"),  # minutes without 分
        ("2024年3月15日 9时5", "2024-03-15 09:05:00"),
        ("2024/3/15 下午3点半", "2024-03-15 15:30:00"),
        ("2024年3月15日 11:20:30.6", "2024-03-15 11:20:31"),
    ],
)
def test_more_chinese_clock_spellings(config, text, expected):
    parsed = parse_dates(pd.Series([text], dtype=object), cn_formats(config))
    assert parsed.values[0] == pd.Timestamp(expected), text


# ------------------------------------------------------------------ 311 spellings


@pytest.mark.parametrize("profile", ["nyc-311", "la-311"])
@pytest.mark.parametrize(
    "text, expected",
    [
        ("03/15/2024 11:20 AM", "2024-03-15 11:20:00"),  # Excel's m/d/yyyy h:mm AM/PM
        ("2024-03-15T11:20:00.000", "2024-03-15 11:20:00"),  # the Socrata API's floating timestamp
        ("2024-03-15T15:20:00.000Z", "2024-03-15 11:20:00"),  # UTC, made local (EDT / PDT - 3 h)
        ("2024-03-15", "2024-03-15 00:00:00"),
    ],
)
def test_311_profiles_read_the_api_and_excel_spellings(config, profile, text, expected):
    declared = config.input_profiles[profile]
    parsed = parse_dates(pd.Series([text], dtype=object), declared.date_formats, timezone=declared.timezone)
    shift = pd.Timedelta(hours=-3) if profile == "la-311" and text.endswith("Z") else pd.Timedelta(0)
    assert parsed.values[0] == pd.Timestamp(expected) + shift, text


@pytest.mark.parametrize("profile", ["nyc-311", "la-311"])
def test_311_day_month_order_is_never_guessed(config, profile):
    declared = config.input_profiles[profile]
    parsed = parse_dates(pd.Series(["15/03/2024", "03/15/2024"], dtype=object), declared.date_formats)
    assert parsed.bad.tolist() == [True, False]
