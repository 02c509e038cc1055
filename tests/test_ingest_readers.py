"""Reading each export format into a RawTable: the right sheet, header, rows and row numbers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from real_data import REAL

from citistat.ingest.rawtable import FileFailure, Limits, RawTable
from citistat.ingest.read_xlsx import _restore_cells
from citistat.ingest.readers import open_table
from citistat.ingest.sniff import decode_text, sniff_delimiter

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
SYNONYMS = {"工单编号", "来电时间", "承办单位", "满意度", "是否满意", "是否解决", "备注"}
HEADER = ["工单编号", "来电时间", "承办单位", "满意度"]


def read(name: str, **kwargs) -> RawTable:
    return open_table(str(FIXTURES / name), header_synonyms=kwargs.pop("synonyms", SYNONYMS), limits=Limits(**kwargs))


def codes(table: RawTable) -> list[str]:
    return [issue.code for issue in table.issues]


# ---------------------------------------------------------------- xlsx


def test_clean_workbook():
    table = read("clean.xlsx")
    assert (table.format, table.sheet, table.encoding, table.date1904) == ("xlsx", "工单明细", None, False)
    assert table.header_rows == [1]
    assert table.columns == HEADER
    assert table.column_letters == ["A", "B", "C", "D"]
    assert table.row_numbers.tolist() == [2, 3, 4]
    assert table.data["工单编号"].tolist() == ["GD202403050001", "GD202403050002", "GD202403060003"]
    assert table.data["来电时间"].iloc[0] == pd.Timestamp(2024, 3, 5, 9, 10)


def test_sample_layout_title_rows_footer_and_hidden_sheet():
    table = read("title_footer.xlsx")
    assert table.header_rows == [3]
    assert table.columns == HEADER
    # Rows 4-6 are tickets; the 合计 row (7) and the signature line (8) are kept for the loader to classify.
    assert table.row_numbers.tolist() == [4, 5, 6, 7, 8]
    assert table.data["工单编号"].tolist()[3:] == ["合计", "制表人：张三\u3000审核人：李四"]
    hidden = next(i for i in table.issues if i.code == "hidden_sheet_ignored")
    assert hidden.sheet == "字典" and hidden.severity == "info"
    found = next(i for i in table.issues if i.code == "header_found")
    assert found.row == 3 and "skipped 2 rows above it" in found.message


def test_two_level_merged_header():
    table = read("two_level.xlsx")
    assert table.header_rows == [1, 2]
    assert table.columns == ["工单编号", "承办单位", "回访情况/是否满意", "回访情况/是否解决", "备注"]
    assert table.row_numbers.tolist() == [3, 4]
    assert table.data["回访情况/是否解决"].tolist() == ["已解决", "未解决"]


def test_merged_ranges_are_read_from_the_sheet():
    # Without the merge C1:D1 a parent would run on over the blank E1 and name the last column "回访情况/备注".
    assert read("two_level.xlsx").columns[-1] == "备注"


def test_header_without_data_rows(tmp_path):
    path = tmp_path / "empty_sheet.xlsx"
    with xlsxwriter.Workbook(path) as book:
        book.add_worksheet("工单明细").write_row(0, 0, HEADER)
    table = open_table(str(path), header_synonyms=SYNONYMS)
    assert table.columns == HEADER and len(table.data) == 0 and len(table.row_numbers) == 0


def test_two_candidate_sheets_are_refused_listing_them():
    with pytest.raises(FileFailure) as caught:
        read("ambiguous.xlsx")
    issue = caught.value.issue
    assert issue.code == "ambiguous_sheet"
    assert "'一月'" in issue.message and "'二月'" in issue.message
    assert "草稿" not in issue.message  # hidden sheets are no candidates


def test_1904_date_system_is_reported_and_date_cells_are_already_right():
    table = read("date1904.xlsx")
    assert table.date1904 is True
    assert table.data["来电时间"].iloc[0] == pd.Timestamp(2024, 3, 5, 9, 10)
    # A bare serial stays a number; converted on the 1904 epoch it is 2024-03-04.
    serial = table.data["办结时间"].iloc[0]
    assert serial == 43893.0
    assert dt.date(1904, 1, 1) + dt.timedelta(days=serial) == dt.date(2024, 3, 4)


def test_formula_error_cells_arrive_as_their_error_text():
    table = read("formula_errors.xlsx")
    assert table.data["承办单位"].tolist() == ["市城市管理局", "#N/A", "市水务局"]
    assert table.data["满意度"].tolist() == ["满意", "#DIV/0!", "#REF!"]


def test_restored_cells_leave_the_rest_of_their_column_as_read():
    # A million-row column with a few odd cells: a text column stays Arrow text, a date column keeps its
    # dates (as Python datetimes) and its blanks, and only the odd cells change.
    frame = pd.DataFrame(
        {
            0: pd.Series(["a", None, "c", "d"], dtype=pd.StringDtype("pyarrow", na_value=float("nan"))),
            1: pd.Series(
                pd.to_datetime(["2024-03-01 08:00:01", None, "2024-03-02 00:00:00", "2024-03-03 00:00:00"])
            ).astype("datetime64[ms]"),
            2: [1.0, 2.0, 3.0, 4.0],
        }
    )
    _restore_cells(frame, [[3, 0, "#N/A"], [2, 1, "2024年3月5日"], [0, 1, "#REF!"], [1, 2, "x"]])
    assert isinstance(frame[0].dtype, pd.StringDtype) and frame[0].dtype.storage == "pyarrow"
    assert frame[0].tolist()[::2] == ["a", "c"] and frame[0].iat[3] == "#N/A" and pd.isna(frame[0].iat[1])
    assert frame[1].tolist() == ["#REF!", None, "2024年3月5日", dt.datetime(2024, 3, 3)]
    assert frame[2].tolist() == [1.0, "x", 3.0, 4.0]


def test_a_late_odd_cell_keeps_its_own_value(tmp_path):
    # calamine types a column from its first 1000 rows; a text cell after that must not become missing.
    path = tmp_path / "late.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("s")
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, HEADER)
        for r in range(1, 1206):
            sheet.write_string(r, 0, f"GD{r}")
            sheet.write_datetime(r, 1, dt.datetime(2024, 3, 5), date)
            sheet.write_number(r, 2, r)
        sheet.write_string(1200, 1, "2024年3月5日")  # row 1201
        sheet.write_string(1201, 2, "\t20240305000100")  # row 1202
    table = open_table(str(path), header_synonyms=SYNONYMS)
    by_row = table.data.set_axis(table.row_numbers)
    assert by_row.at[1201, "来电时间"] == "2024年3月5日"
    assert by_row.at[1200, "来电时间"] == pd.Timestamp(2024, 3, 5)
    assert by_row.at[1202, "承办单位"] == "\t20240305000100"
    assert by_row.at[1203, "承办单位"] == 1202.0  # 0-based row r holds r: Excel row 1203 is r = 1202


def test_a_table_that_starts_below_and_right_of_a1(tmp_path):
    path = tmp_path / "offset.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("s")
        sheet.write_blank("A1", None, book.add_format({"bold": True}))  # styled but empty: not data
        sheet.write("B3", "工单明细")
        sheet.write_row("B5", HEADER)
        sheet.write_row("B6", ["GD1", "2024-03-05", "市水务局", "满意"])
        sheet.write_row("B8", ["GD2", "2024-03-06", "市公安局", "不满意"])
    table = open_table(str(path), header_synonyms=SYNONYMS)
    assert table.header_rows == [5]
    assert table.column_letters == ["B", "C", "D", "E"]
    assert table.row_numbers.tolist() == [6, 7, 8]
    assert table.data["工单编号"].iloc[0] == "GD1" and pd.isna(table.data["工单编号"].iloc[1])


def test_row_limit(tmp_path):
    with pytest.raises(FileFailure) as caught:
        read("title_footer.xlsx", max_rows=2)
    assert caught.value.code == "too_many_rows" and "max_rows" in caught.value.issue.hint


def test_sheets_are_listed_with_their_visibility():
    from citistat.ingest.readers import list_sheets

    assert list_sheets(str(FIXTURES / "title_footer.xlsx")) == [("工单明细", "visible"), ("字典", "hidden")]
    if (FIXTURES / "legacy.xls").exists():
        assert list_sheets(str(FIXTURES / "legacy.xls")) == [("工单明细", "visible"), ("字典", "hidden")]
    assert list_sheets(str(FIXTURES / "bom_utf8.csv")) == []


def test_legacy_xls():
    if not (FIXTURES / "legacy.xls").exists():
        pytest.skip("legacy.xls is built only where xlwt is installed")
    table = read("legacy.xls")
    assert (table.format, table.sheet, table.header_rows) == ("xls", "工单明细", [2])
    assert table.row_numbers.tolist() == [3, 4, 5]
    assert table.data["来电时间"].iloc[0] == dt.datetime(2024, 3, 5, 9, 10)
    assert "hidden_sheet_ignored" in codes(table)


# ---------------------------------------------------------------- HTML, CSV, TSV, JSON


def test_html_saved_as_xls_is_read_as_html_with_a_warning():
    table = read("html_saved_as.xls")
    assert table.format == "html"
    assert table.header_rows == [2] and table.row_numbers.tolist() == [3, 4, 5]
    assert table.columns == HEADER
    warning = next(i for i in table.issues if i.code == "html_table")
    assert "HTML table saved as .xls" in warning.message and warning.severity == "cell"


def test_utf8_csv_with_bom():
    table = read("bom_utf8.csv")
    assert (table.format, table.encoding) == ("csv", "utf-8-sig")
    assert table.columns[0] == "工单编号"  # no U+FEFF glued to the first name
    assert table.data["来电时间"].tolist() == ["2024/3/5 9:10", "2024/3/5 10:00", "2024/3/6 14:30"]
    assert table.row_numbers.tolist() == [2, 3, 4]


def test_gb18030_csv_with_a_rare_character_and_a_title_line():
    table = read("gb18030.csv")
    assert table.encoding == "gb18030"
    assert table.header_rows == [2] and table.row_numbers.tolist() == [3, 4, 5]
    assert table.data["承办单位"].iloc[1] == "朝阳门街道（刘䶮）"


def test_utf8_is_tried_before_gb18030():
    # These UTF-8 bytes also decode as GB18030 (to mojibake): UTF-8 must win.
    raw = "工单编号".encode()
    raw.decode("gb18030")
    assert decode_text(raw, "x.csv") == ("工单编号", "utf-8")
    assert decode_text(b"\xef\xbb\xbf" + raw, "x.csv") == ("工单编号", "utf-8-sig")
    assert decode_text("工单编号".encode("utf-16"), "x.csv") == ("工单编号", "utf-16")


def test_undecodable_text_names_the_byte_offset():
    with pytest.raises(FileFailure) as caught:
        read("bad_encoding.csv")
    # "工单编号,满意度\n" is 4*3 + 1 + 3*3 + 1 = 23 bytes, "GD1," 4 more: the bad byte is at 27.
    assert caught.value.code == "unknown_encoding" and "offset 27" in caught.value.issue.message


def test_tsv():
    table = read("tickets.tsv")
    assert table.format == "tsv" and table.columns == HEADER and len(table.data) == 3
    assert table.encoding == "utf-8"


def test_blank_cells_are_missing_and_blank_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("工单编号,承办单位,满意度\nGD1,,满意\n\nGD2,市水务局,\n", encoding="utf-8")
    table = open_table(str(path), header_synonyms=SYNONYMS)
    assert table.row_numbers.tolist() == [2, 3, 4]
    assert pd.isna(table.data["承办单位"].iloc[0]) and table.data["工单编号"].iloc[2] == "GD2"
    assert table.data.iloc[1].isna().all()  # the blank line is a row, for the loader to count as skipped


def test_regular_csv_parses_the_same_on_the_fast_path_as_on_the_general_one():
    import io

    from citistat.ingest import read_delimited as readers

    rest = (
        'GD1,"市水务局,东区",满意,=1+1\r\n'
        'GD2,"他说""好""",, \u3000\r\n'
        ",,,\r\n"  # a blank record: kept as a row of missing values
        'GD3,"",基本满意,\t7\r\n'
    ).encode("utf-8")
    fast = readers._parse_one_record_per_line(rest, ",")
    general = pd.read_csv(
        io.BytesIO(rest),
        sep=",",
        header=None,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        engine="c",
    )
    general.columns = range(general.shape[1])
    assert fast is not None
    pd.testing.assert_frame_equal(fast, general)
    assert fast.iloc[1, 1] == '他说"好"' and fast.iloc[2].isna().all() and pd.isna(fast.iloc[3, 1])
    # an empty line is a row of missing values here too, so line numbers still follow records
    assert readers._parse_one_record_per_line(b"GD1,a\n\nGD2,b\n", ",").iloc[1].isna().all()


@pytest.mark.parametrize(
    "rest",
    [
        'GD1,"a\nb"\nGD2,c\n',  # a line break inside quotes: records and lines differ
        "GD1,a\nGD2,b,extra\n",  # a ragged row: the general path pads it
    ],
)
def test_irregular_csv_leaves_the_fast_path(rest):
    from citistat.ingest import read_delimited as readers

    assert readers._parse_one_record_per_line(rest.encode("utf-8"), ",") is None


def test_quoted_cell_over_two_lines_keeps_physical_line_numbers():
    table = read("multiline.csv")
    assert table.row_numbers.tolist() == [2, 4]
    assert table.data["承办单位"].iloc[0] == "市城市管理局\r\n（城管执法）"


def test_ragged_rows_are_padded_not_dropped(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("工单编号,满意度\nGD1,满意\nGD2,满意,extra\nGD3\n", encoding="utf-8")
    table = open_table(str(path), header_synonyms=SYNONYMS)
    assert table.columns == ["工单编号", "满意度", "column_C"]
    assert table.data["column_C"].tolist()[1] == "extra"
    assert table.row_numbers.tolist() == [2, 3, 4]


def test_csv_named_xls_is_read_as_csv(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes("工单编号,满意度\r\nGD1,满意\r\n".encode("gb18030"))
    table = open_table(str(path), header_synonyms=SYNONYMS)
    assert table.format == "csv" and "misnamed_file" in codes(table)


def test_text_size_limit():
    with pytest.raises(FileFailure) as caught:
        open_table(str(FIXTURES / "bom_utf8.csv"), limits=Limits(max_uncompressed_bytes=100))
    assert caught.value.code == "file_too_large" and "max_uncompressed_mb" in caught.value.issue.hint


def test_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes((FIXTURES / "clean.xlsx").read_bytes())
    table = open_table(str(path), header_synonyms=SYNONYMS)
    assert table.format == "xlsx" and codes(table)[0] == "misnamed_file" and len(table.data) == 3


def test_csv_row_limit():
    with pytest.raises(FileFailure) as caught:
        read("bom_utf8.csv", max_rows=2)
    assert caught.value.code == "too_many_rows"


def test_open311_json():
    table = read("open311.json")
    assert table.format == "json" and table.header_rows == []
    assert table.columns[:3] == ["service_request_id", "status", "status_notes"]
    assert "media_url" in table.columns and "attributes" in table.columns  # keys of later records too
    assert table.row_numbers.tolist() == [1, 2]
    assert table.data["agency_responsible"].tolist() == ["Department of Public Works", "Sanitation"]
    assert table.data["attributes"].iloc[1] == '[{"code": "size", "value": "large"}]'


def test_socrata_rows_json(tmp_path):
    path = tmp_path / "rows.json"
    document = {
        "meta": {"view": {"columns": [{"name": "Unique Key"}, {"name": "Agency"}]}},
        "data": [["1", "NYPD"], ["2", "DSNY"]],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    table = open_table(str(path))
    assert table.columns == ["Unique Key", "Agency"] and table.data["Agency"].tolist() == ["NYPD", "DSNY"]


def test_json_that_is_not_records(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"status": "ok"}', encoding="utf-8")
    with pytest.raises(FileFailure) as caught:
        open_table(str(path))
    assert caught.value.code == "unknown_format"


def test_delimiter_sniffing():
    assert sniff_delimiter(["a;b;c", "1;2;3"]) == ";"
    assert sniff_delimiter(["a\tb,c\td", "1\t2,5\t3"]) == "\t"
    assert sniff_delimiter(["a,b", "1,2"]) == ","


def test_limits_from_settings():
    from citistat.config import Settings

    ingest = Settings.from_dict(
        {"ingest": {"max_uncompressed_mb": 10, "max_compression_ratio": 50, "max_rows": 7}}
    ).ingest
    limits = Limits.from_settings(ingest)
    assert limits == Limits(max_uncompressed_bytes=10 * 1024 * 1024, max_compression_ratio=50.0, max_rows=7)


# ---------------------------------------------------------------- real public exports (when present)


@pytest.mark.parametrize(
    ("name", "synonyms", "first_column", "rows"),
    [
        ("la311_myla311_2020-01-01_to_01-03.csv", {"srnumber", "createddate", "owner"}, "srnumber", 10_000),
        (
            "nyc311_service_requests_2022-05-01_0000-0206.csv",
            {"Unique Key", "Created Date", "Agency"},
            "Unique Key",
            924,
        ),
        ("cn_petition_board_messages_2011-2020.xlsx", {"留言编号", "留言时间"}, "留言编号", 2816),
    ],
)
def test_real_exports(name, synonyms, first_column, rows):
    if not (REAL / name).exists():
        pytest.skip("the shared real exports are not available here")
    table = open_table(str(REAL / name), header_synonyms=synonyms)
    assert table.header_rows == [1] and table.columns[0] == first_column
    assert len(table.data) == rows and table.row_numbers[0] == 2


def test_a_legacy_workbook_has_its_two_level_header_read_with_its_merged_ranges():
    # As two_level.xlsx: without the merge C1:D1 a parent would run on over the blank E1 ("回访情况/备注").
    table = read("two_level.xls")
    assert table.header_rows == [1, 2]
    assert table.columns == ["工单编号", "承办单位", "回访情况/是否满意", "回访情况/是否解决", "备注"]
    assert table.data["回访情况/是否解决"].tolist() == ["已解决", "未解决"]
