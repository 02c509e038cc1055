"""Exports as cities really produce them: Excel serials, lying extensions, Chinese date spellings, 311 codes.

Every fixture is generated here: a workbook written by openpyxl (General-format
numbers where a date should be, the 1904 date system), the same bytes under
another name, CSVs saved from Excel.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from citistat.config import load_config
from citistat.ingest import load
from citistat.ingest.profiles import validate_profile
from citistat.ingest.values import excel_serial_to_datetime, parse_dates

HEADER = ["工单编号", "来电时间", "承办单位", "办结时间", "是否响应", "是否解决", "满意度"]
SERIAL = 45377.253472222  # 2024-03-26 06:05:00 in the 1900 system
SERIAL_1904 = SERIAL - 1462  # the same moment in the 1904 system


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def serial_workbook(path: Path, created: list, *, date1904: bool = False, closed: list | None = None) -> Path:
    """A sheet whose date columns hold plain numbers (General format), as many hotline systems export them."""
    book = openpyxl.Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(HEADER)
    closed = closed or [None] * len(created)
    for i, (made, shut) in enumerate(zip(created, closed)):
        sheet.append([f"GD{i}", made, "市水务局", shut, "是", "已解决", "满意"])
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def tickets_of(result) -> pd.DataFrame:
    return result.tickets.set_index("ticket_id")


def codes(result) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for issue in result.issues:
        found.setdefault(issue.code, set()).add(issue.severity)
    return found


# ------------------------------------------------------------------ 1. Excel serial dates


@pytest.mark.parametrize("date1904, base", [(False, SERIAL), (True, SERIAL_1904)])
def test_general_format_serials_use_the_workbooks_date_system(tmp_path, config, date1904, base):
    created = [base + i * 0.37 for i in range(30)]
    path = serial_workbook(tmp_path / "serials.xlsx", created, date1904=date1904, closed=[c + 1.5 for c in created])
    result = load([path], config, lang="en")
    tickets = tickets_of(result)
    assert len(tickets) == 30 and result.reconciliation.balances()
    assert tickets.loc["GD0", "created_at"] == pd.Timestamp("2024-03-26 06:05:00")  # rounded to the second
    assert tickets.loc["GD1", "created_at"] == pd.Timestamp("2024-03-26 14:57:48")
    assert tickets.loc["GD0", "closed_at"] == pd.Timestamp("2024-03-27 18:05:00")
    assert "bad_date" not in codes(result)


def test_lotus_leap_year_bug_and_rounding():
    serials = pd.Series([60.0, 61.0, 45377.99999999, 1.5 / 86400 + 45000])
    stamps = excel_serial_to_datetime(serials, date1904=False)
    assert stamps[1] == pd.Timestamp("1900-03-01")  # serial 61: after the phantom 29 Feb 1900
    assert stamps[2] == pd.Timestamp("2024-03-27")  # 0.86 ms before midnight rounds up, not down to 23:59:59
    assert stamps[3].microsecond == 0


def test_date_formatted_cells_are_rounded_to_the_second(tmp_path, config):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for i in range(3):
        sheet.append([f"GD{i}", SERIAL + i * 0.123456789, "市水务局", None, "是", "已解决", "满意"])
        sheet.cell(row=i + 2, column=2).number_format = "yyyy-mm-dd hh:mm:ss"
    book.save(tmp_path / "typed.xlsx")
    created = load([tmp_path / "typed.xlsx"], config, lang="en").tickets["created_at"]
    assert created.tolist()[1] == pd.Timestamp("2024-03-26 09:02:47")  # 09:02:46.667 in the cell
    assert (created.dt.microsecond == 0).all()


@pytest.mark.parametrize("bad", [0, -1, -45352])
def test_serials_of_zero_or_below_are_missing_with_a_warning_never_1899_or_1775(tmp_path, config, bad):
    path = serial_workbook(tmp_path / "zero.xlsx", [SERIAL, SERIAL, bad], closed=[SERIAL + 1, bad, SERIAL + 1])
    result = load([path], config, lang="en")
    tickets = tickets_of(result)
    assert tickets.loc["GD0", "closed_at"] == pd.Timestamp("2024-03-27 06:05:00")
    assert pd.isna(tickets.loc["GD1", "closed_at"])  # optional: kept, the date missing
    assert "GD2" not in tickets.index  # required creation date: the row is rejected, never dated 1899
    assert (result.tickets["created_at"].dt.year >= 1990).all()
    assert codes(result)["serial_not_a_date"] == {"cell", "row"}
    rejected = result.rejects.set_index("row")
    assert rejected.loc[4, "code"] == "serial_not_a_date"


def test_date_cells_showing_1899_or_1775_are_not_dates(tmp_path, config):
    """Date-formatted cells holding 0 or a negative number read as 1899-12-30 or 1775: never a period."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    import datetime as dt

    for i, made in enumerate(
        [dt.datetime(2024, 3, 5, 9), dt.datetime(1899, 12, 30), dt.datetime(1775, 10, 1), dt.datetime(1970, 1, 1)]
    ):
        sheet.append([f"GD{i}", made, "市水务局", None, "是", "已解决", "满意"])
        sheet.cell(row=i + 2, column=2).number_format = "yyyy-mm-dd hh:mm"
    book.save(tmp_path / "typed.xlsx")
    result = load([tmp_path / "typed.xlsx"], config, lang="en")
    assert result.tickets["ticket_id"].tolist() == ["GD0"]
    assert set(result.tickets["created_at"].dt.strftime("%Y-%m")) == {"2024-03"}
    by_row = result.rejects.set_index("row")["code"].to_dict()
    assert by_row == {3: "serial_not_a_date", 4: "serial_not_a_date", 5: "implausible_date"}


def test_plausible_years_are_configurable():
    parsed = parse_dates(
        pd.Series(["1985-06-01", "2024-03-05", "2150-01-01"], dtype="string"),
        ["%Y-%m-%d"],
        plausible_years=(1980, 2030),
    )
    assert parsed.values.notna().tolist() == [True, True, False]
    assert parsed.implausible.tolist() == [False, False, True]
    assert validate_profile("p", {"plausible_years": [2030, 1990]}) and validate_profile("p", {"plausible_years": "x"})


def test_a_csv_of_serials_is_converted_when_the_profile_allows_it(tmp_path, config):
    rows = [[f"GD{i}", f"{SERIAL + i:.9f}", "市水务局", "", "是", "已解决", "满意"] for i in range(20)]
    broken = [
        ["GD98", "0", "市水务局", "", "是", "已解决", "满意"],
        ["GD99", "-3", "市水务局", "", "是", "已解决", "满意"],
    ]
    path = write_csv(tmp_path / "saved_from_excel.csv", rows + broken)
    result = load([path], config, lang="en")
    assert tickets_of(result).loc["GD0", "created_at"] == pd.Timestamp("2024-03-26 06:05:00")
    assert len(result.tickets) == 20 and result.rejects["code"].tolist() == ["serial_not_a_date"] * 2

    strict = parse_dates(pd.Series([f"{SERIAL}"], dtype="string"), ["%Y-%m-%d"], serial_text=False)
    assert strict.bad.all()  # a profile without serial_dates keeps treating it as a bad date


# ------------------------------------------------------------------ 2. content beats the extension


def test_a_workbook_named_xls_is_read_as_xlsx_with_an_info_issue(tmp_path, config):
    source = serial_workbook(tmp_path / "real.xlsx", [SERIAL + i for i in range(5)])
    renamed = tmp_path / "export.xls"
    shutil.copy(source, renamed)
    result = load([renamed], config, lang="en")
    assert len(result.tickets) == 5 and result.files[0].status != "failed"
    misnamed = [i for i in result.issues if i.code == "misnamed_file"]
    assert misnamed and misnamed[0].severity == "info" and "xlsx" in misnamed[0].message


def test_legacy_biff_named_xlsx_is_read_as_xls(tmp_path, config):
    legacy = Path(__file__).parent / "fixtures" / "readers" / "legacy.xls"
    renamed = tmp_path / "export.xlsx"
    shutil.copy(legacy, renamed)
    result = load([renamed], config, lang="en")
    assert result.files[0].format == "xls" and len(result.tickets) > 0
    assert any(i.code == "misnamed_file" and i.severity == "info" for i in result.issues)


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_text_named_xls_is_read_as_text(tmp_path, config, delimiter):
    path = tmp_path / "export.xls"
    lines = [delimiter.join(HEADER)] + [
        delimiter.join([f"GD{i}", "2024-03-05 10:00", "市水务局", "", "是", "已解决", "满意"]) for i in range(4)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load([path], config, lang="en")
    assert len(result.tickets) == 4
    assert any(i.code == "misnamed_file" and i.severity == "info" for i in result.issues)


# ------------------------------------------------------------------ 3. Chinese date spellings


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年03月15日11时20分", "2024-03-15 11:20:00"),
        ("2024年3月7日11时20分30秒", "2024-03-07 11:20:30"),
        ("2024年3月8日 14时", "2024-03-08 14:00:00"),
        ("2024年3月5日 上午9:05", "2024-03-05 09:05:00"),
        ("２０２４年３月６日　下午３：０５", "2024-03-06 15:05:00"),
        ("2024/03/11 下午 3:05:06", "2024-03-11 15:05:06"),
        ("2024年3月12日 星期二 10:00", "2024-03-12 10:00:00"),
        ("2024年3月13号 下午3点15分", "2024-03-13 15:15:00"),
        ("2024年3月14日（周四）凌晨12:30", "2024-03-14 00:30:00"),
        ("2024年3月15日 中午12:10", "2024-03-15 12:10:00"),
        ("2024年3月16日 晚上8点", "2024-03-16 20:00:00"),
        ("2024年3月17日", "2024-03-17 00:00:00"),
        ("2024.3.9", "2024-03-09 00:00:00"),
    ],
)
def test_chinese_spellings(config, text, expected):
    formats = config.profiles["cn-12345"]["date_formats"]
    parsed = parse_dates(pd.Series([text], dtype=object), formats)
    assert parsed.values[0] == pd.Timestamp(expected), text


def test_labelled_chinese_dates_parse_even_when_the_profile_lists_only_iso():
    parsed = parse_dates(pd.Series(["2024年3月5日 9时5分", "2024-03-05"], dtype=object), ["%Y-%m-%d"])
    assert parsed.values.tolist() == [pd.Timestamp("2024-03-05 09:05"), pd.Timestamp("2024-03-05")]


@pytest.mark.parametrize("text", ["05/03/2024", "2024-02-30", "2024年13月5日", "2024年2月30日 10时"])
def test_ambiguous_or_impossible_dates_are_bad_never_guessed(config, text):
    formats = config.profiles["cn-12345"]["date_formats"]
    assert parse_dates(pd.Series([text], dtype=object), formats).bad.all()


# ------------------------------------------------------------------ 4. agency keys and vocabulary


def test_311_agency_codes_fold_to_one_agency(tmp_path, config):
    rows = [
        [100 + i, "03/05/2024 10:00:00 AM", "03/06/2024 10:00:00 AM", agency, "Noise", "Closed"]
        for i, agency in enumerate(["DSNY", "dsny", "Dsny ", " NYPD", "nypd"])
    ]
    path = write_csv(
        tmp_path / "nyc.csv",
        rows,
        header=["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Status"],
    )
    result = load([path], config, lang="en")
    assert sorted(result.tickets["agency"].unique()) == ["DSNY", "NYPD"]
    assert result.tickets["agency_raw"].tolist()[:3] == ["DSNY", "dsny", "Dsny "]  # as written
    assert validate_profile("p", {"agency_case": "title"})


def test_chinese_answer_synonyms_are_in_the_shipped_vocabulary(tmp_path, config):
    answers = [
        ("已响应", "已解决", True, True),
        ("未响应", "未解决", False, False),
        ("Y", "N", True, False),
        ("1", "0", True, False),
        ("TRUE", "FALSE", True, False),
        ("否", "是", False, True),
    ]
    path = write_csv(
        tmp_path / "answers.csv",
        [
            [f"GD{i}", "2024-03-05 10:00", "市水务局", responded, resolved, "满意"]
            for i, (responded, resolved, _, _) in enumerate(answers)
        ],
        header=["工单编号", "受理时间", "承办单位", "响应情况", "解决情况", "满意度"],
    )
    result = load([path], config, lang="en")
    tickets = tickets_of(result)
    assert tickets["responded"].tolist() == [a[2] for a in answers]
    assert tickets["resolved"].tolist() == [a[3] for a in answers]
    assert "unknown_answer" not in codes(result)


# ------------------------------------------------------------------ 8. a new user's first hour


def test_unknown_answers_are_listed_once_per_value_with_a_count(tmp_path, config):
    path = write_csv(
        tmp_path / "answers.csv",
        [
            [f"GD{i}", "2024-03-05 10:00", "市水务局", "", "待定" if i % 2 else "也许", "已解决", "满意"]
            for i in range(30)
        ],
    )
    result = load([path], config, lang="en")
    unknown = [i for i in result.issues if i.code == "unknown_answer"]
    assert sorted((i.raw_value, i.fields["count"]) for i in unknown) == [("也许", "15"), ("待定", "15")]
    assert {i.row for i in unknown} == {2, 3}  # each at its first row


def test_rows_outside_the_period_are_excluded_without_being_listed(tmp_path, config):
    other_month = [
        [f"GD{i + 2}", "2024-02-05 10:00", "某个新单位", "not a date", "也许", "已解决", "满意"]  # would warn
        for i in range(20)
    ]
    path = write_csv(
        tmp_path / "two_months.csv", [["GD1", "2024-03-05 10:00", "市水务局", "", "是", "已解决", "满意"], *other_month]
    )
    result = load([path], config, period="2024-03", lang="en")
    assert result.reconciliation.excluded == 20 and len(result.tickets) == 1
    listed = [i for i in result.issues if i.severity in ("row", "cell")]
    assert listed == []
    assert [i.code for i in result.issues if i.code == "out_of_period"] == ["out_of_period"]


def test_no_profile_names_the_nearest_profile_and_the_columns_that_matched(tmp_path, config):
    path = tmp_path / "unknown.csv"
    path.write_text("Case Number,Opened,Agency,Complaint Type\n1,03/05/2024,DSNY,Noise\n", encoding="utf-8")
    result = load([path], config, lang="en")
    failure = next(i for i in result.issues if i.severity == "file")
    assert failure.code == "no_profile"
    assert "nearest is nyc-311" in failure.message and "Agency → agency" in failure.message
    assert "created_at" in failure.message and "ticket_id" in failure.message


def test_build_from_the_archive_writes_rejects_xlsx_as_run_does(tmp_path):
    from click.testing import CliRunner

    from citistat.archive import Archive
    from citistat.cli import main
    from citistat.config import load_config
    from citistat.pipeline import _write_rejects
    from citistat.workspace import Workspace

    path = serial_workbook(tmp_path / "in.xlsx", [SERIAL + i for i in range(20)] + [-1])
    outcome = CliRunner().invoke(main, ["ingest", "-w", str(tmp_path), str(path)], catch_exceptions=False)
    assert outcome.exit_code in (0, 1), outcome.output
    archive = Archive.open(tmp_path / "briefings")
    try:
        written = _write_rejects(archive, "2024-03", tmp_path / "out", None, load_config(Workspace(tmp_path)))
    finally:
        archive.close()
    assert sorted(p.suffix for p in written) == [".csv", ".xlsx"]
    book = openpyxl.load_workbook(next(p for p in written if p.suffix == ".xlsx"), read_only=True)
    rejects = list(book["rejects"].values)
    code = rejects[0].index("code")
    assert any(row[code] == "serial_not_a_date" for row in rejects[1:])
