"""Importing follow-ups from a sheet a clerk filled in: Chinese or English headers, bad rows reported."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from citistat.archive import Archive, FollowUpImportError

GOOD_AND_BAD = (
    "单位,事项,责任人,完成时限,指标,类型\n"
    "市城市管理局,清理积存垃圾,张三,2024-04-15,解决率,承诺\n"
    "市水务局,提供漏水工单明细,李四,2024年4月30日,,数据需求\n"
    ",,,,,\n"  # a blank line is skipped, not an error
    "市交通委,调整公交线路,王五,下个月,速度,承诺\n"
)


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "briefings") as opened:
        yield opened


def _write(path, text, encoding="utf-8-sig"):
    path.write_bytes(text.encode(encoding))
    return path


def test_bad_row_imports_nothing_and_names_row_and_column(archive, tmp_path):
    sheet = _write(tmp_path / "跟进事项.csv", GOOD_AND_BAD)
    with pytest.raises(FollowUpImportError) as caught:
        archive.followups.import_sheet(sheet, "2024-03")
    problems = [(p.row, p.column, p.code, p.raw_value) for p in caught.value.report.problems]
    # Row 5 is the physical line: header 1, two good rows, the blank line 4.
    assert problems == [(5, "完成时限", "bad_date", "下个月"), (5, "指标", "bad_metric", "速度")]
    assert "row 5" in caught.value.message and "--skip-bad" in caught.value.message
    assert archive.followups.find() == []


def test_skip_bad_imports_the_good_rows(archive, tmp_path):
    sheet = _write(tmp_path / "followups.csv", GOOD_AND_BAD)
    report = archive.followups.import_sheet(sheet, "2024-03", skip_bad=True)
    assert report.rows_read == 3 and len(report.imported) == 2 and len(report.problems) == 2
    first, second = archive.followups.find()
    assert (first.agency, first.due, first.metric, first.kind) == (
        "市城市管理局",
        "2024-04-15",
        "resolution",
        "commitment",
    )
    assert (second.due, second.metric, second.kind) == ("2024-04-30", None, "data_request")


def test_gbk_csv_from_chinese_excel(archive, tmp_path):
    sheet = _write(tmp_path / "gbk.csv", "单位,事项,责任人\n市水务局,排查管网,李四\n", encoding="gb18030")
    report = archive.followups.import_sheet(sheet, "2024-03")
    assert [r.text for r in archive.followups.find()] == ["排查管网"] and report.problems == []


def test_missing_required_column_is_reported_on_the_header(archive, tmp_path):
    sheet = _write(tmp_path / "f.csv", "单位,事项\n市水务局,排查管网\n")
    with pytest.raises(FollowUpImportError) as caught:
        archive.followups.import_sheet(sheet, "2024-03")
    (problem,) = caught.value.report.problems
    assert (problem.row, problem.code) == (1, "missing_column") and "责任人" in problem.message


def test_xlsx_with_english_headers_and_date_cells(archive, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Agency", "Text", "Owner", "Due", "Metric", "Kind", "Notes"])
    sheet.append(["市水务局", "Fix leaks", "Li Si", datetime(2024, 4, 30), "satisfaction", "data request", "ask twice"])
    sheet.append(["市水务局", "", "Li Si", None, None, None, None])
    path = tmp_path / "followups.xlsx"
    book.save(path)
    report = archive.followups.import_sheet(path, "2024-03", skip_bad=True)
    (problem,) = report.problems
    assert (problem.row, problem.column, problem.code) == (3, "Text", "missing_value")
    (record,) = archive.followups.find()
    assert (record.due, record.metric, record.kind, record.notes) == (
        "2024-04-30",
        "satisfaction",
        "data_request",
        "ask twice",
    )
