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
    parsed = parse_dates(
        pd.Series(["2024-03-15 09:00:00", text], dtype=object), cn_formats(config), timezone="Asia/Shanghai"
    )
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


# ------------------------------------------------------------------ serials however the workbook was written

READERS = Path(__file__).parent / "fixtures" / "readers"
CREATED = pd.Timestamp("2024-03-26 06:05:00")


@pytest.mark.parametrize("name", ["serials_1900.xls", "serials_1904.xls"])
def test_legacy_xls_serials_use_its_datemode_and_typed_answers_map(tmp_path, config, name):
    """General-format serials and date cells in BIFF, in either DATEMODE; booleans, 1/0, Y/N and √/× answers."""
    result = load([READERS / name], config, lang="en")
    tickets = result.tickets.set_index("ticket_id")
    assert len(tickets) == 6 and result.reconciliation.balances()
    assert tickets["created_at"].tolist() == [CREATED + pd.Timedelta(days=d) for d in range(6)]
    assert tickets.loc["GD1", "closed_at"] == CREATED + pd.Timedelta(hours=12)
    assert tickets["responded"].tolist() == [True] * 6
    assert tickets["resolved"].tolist() == [False] * 5 + [True]
    assert not [i for i in result.issues if i.severity != "info"]


def xml_workbook(path: Path, rows: list[list], *, date1904: bool, cell_refs: bool = True) -> Path:
    """A workbook written by hand, as small export systems write one: inline strings, cells typed
    n / b / str / d / e, style 1 the built-in date format 22, style 2 a custom date format, and
    (cell_refs=False) no r attributes at all. A cell is a value (text or number) or (type, value, style)."""
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"

    def cell(ref: str, value: object) -> str:
        kind, text, style = value if isinstance(value, tuple) else ("s" if isinstance(value, str) else "n", value, None)
        at = f' r="{ref}"' if cell_refs else ""
        at += f' s="{style}"' if style is not None else ""
        if kind == "s":
            return f'<c{at} t="inlineStr"><is><t>{text}</t></is></c>'
        return f"<c{at}{'' if kind == 'n' else f' t={chr(34)}{kind}{chr(34)}'}><v>{text}</v></c>"

    sheet_rows = "".join(
        f"<row{f' r={chr(34)}{r}{chr(34)}' if cell_refs else ''}>"
        + "".join("<c/>" if v is None else cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{package}"><Relationship Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rels}"><workbookPr{" date1904=" + chr(34) + "1" + chr(34) if date1904 else ""}/>'
        '<sheets><sheet name="工单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rels}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet xmlns="{main}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/m/d h:mm"/></numFmts>'
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/>'
        '<xf numFmtId="22" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + text)
    return path


@pytest.mark.parametrize("date1904", [False, True])
@pytest.mark.parametrize("cell_refs", [True, False])
def test_a_hand_written_workbook_reads_every_cell_type(tmp_path, config, date1904, cell_refs):
    base = 45377.253472222 - (1462 if date1904 else 0)
    rows = [
        HEADER,
        ["GD0", base, "市水务局", base + 1, ("b", 1, None), ("b", 0, None), "满意"],
        ["GD1", ("n", base + 0.1, 1), "市水务局", ("n", base + 1, 2), ("n", 1, None), ("n", 0, None), "满意"],
        ["GD2", ("str", "2024-03-26 09:00", None), "市水务局", None, ("str", "是", None), ("str", "否", None), "满意"],
        ["GD3", ("d", "2024-03-26T10:00:00", None), "市水务局", ("d", "2024-03-27T10:00:00", None), "Y", "N", "满意"],
        ["GD4", ("n", f"{base:.10E}", None), "市水务局", None, "1.0", "0.0", "满意"],
        ["GD5", ("e", "#N/A", None), "市水务局", None, "是", "否", "满意"],
    ]
    path = xml_workbook(tmp_path / "hand.xlsx", rows, date1904=date1904, cell_refs=cell_refs)
    result = load([path], config, lang="en")
    tickets = result.tickets.set_index("ticket_id")
    assert tickets["created_at"].tolist() == [
        CREATED,
        CREATED + pd.Timedelta(minutes=144),
        pd.Timestamp("2024-03-26 09:00"),
        pd.Timestamp("2024-03-26 10:00"),
        CREATED,  # 4.5377253472E+04: exponent notation, rounded to the second
    ]
    assert tickets["closed_at"].dropna().tolist() == [CREATED + pd.Timedelta(days=1)] * 2 + [
        pd.Timestamp("2024-03-27 10:00")
    ]
    assert tickets["responded"].tolist() == [True] * 5 and tickets["resolved"].tolist() == [False] * 5
    assert result.rejects["code"].tolist() == ["formula_error"]
    assert "unknown_answer" not in {i.code for i in result.issues}


@pytest.mark.parametrize("serial", [99999.0, 200000.0, 2958465.0, 3e6, 1e12])
def test_absurd_serials_are_implausible_dates_never_a_crash(tmp_path, config, serial):
    """Beyond 2262 a serial does not fit a datetime64[ns]: one such cell once ended the whole load."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(["GD0", 45377.5, "市水务局", serial, "是", "已解决", "满意"])
    book.active.append(["GD1", serial, "市水务局", 45378.5, "是", "已解决", "满意"])
    book.save(tmp_path / "absurd.xlsx")
    result = load([tmp_path / "absurd.xlsx"], config, lang="en")
    assert result.tickets["ticket_id"].tolist() == ["GD0"] and result.tickets["closed_at"].isna().all()
    assert {(i.code, i.severity) for i in result.issues if i.severity != "info"} >= {
        ("implausible_date", "cell"),
        ("implausible_date", "row"),
    }
    assert "bad_date" not in {i.code for i in result.issues}


def test_date_cells_after_2262_are_implausible_not_silently_blank(tmp_path, config):
    """A date-formatted cell holding 200000 or 2958465 (9999-12-31) reads as a date no datetime64[ns] holds."""
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    closes = [200000, 45378, 2958465, dt.datetime(2500, 1, 1)]
    for i, closed in enumerate(closes):
        book.active.append([f"GD{i}", 45377.5, "市水务局", closed, "是", "已解决", "满意"])
        book.active.cell(row=i + 2, column=4).number_format = "yyyy-mm-dd hh:mm"
    book.save(tmp_path / "typed.xlsx")
    mixed = tmp_path / "mixed.xlsx"  # the same, with one text cell: the column is no longer typed as dates
    book.active.append(["GD9", 45377.5, "市水务局", "2024-03-27 10:00", "是", "已解决", "满意"])
    book.save(mixed)
    for path in (tmp_path / "typed.xlsx", mixed):
        result = load([path], config, lang="en")
        # a mixed column comes as text ("2447-07-30 00:00:00"): a bad date then, still said with its raw value
        flagged = sorted(i.row for i in result.issues if i.code in ("implausible_date", "bad_optional_date"))
        assert flagged == [2, 4, 5], path.name
        assert result.tickets["closed_at"].notna().sum() == len(result.tickets) - 3


# ------------------------------------------------------------------ headers as templates write them


@pytest.mark.parametrize(
    "header",
    [
        [
            "工单编号(必填)",
            "来电时间（yyyy-mm-dd hh:mm）",
            "承办单位",
            "是否响应（是/否）",
            "是否解决[是/否]",
            "满意度评价",
        ],
        ["工单编号", "来电时间", "承办单位", "回访情况/是否响应(是/否)", "解决结果", "回访满意度"],
    ],
)
def test_headers_with_a_note_in_brackets_and_more_synonyms_are_mapped(tmp_path, config, header):
    rows = [["GD1", "2024-03-05 10:00", "市水务局", "是", "否", "基本满意"]]
    result = load([write_csv(tmp_path / "notes.csv", rows, header)], config, lang="en")
    ticket = result.tickets.iloc[0]
    assert result.files[0].profile == "cn-12345"
    assert (ticket["responded"], ticket["resolved"], ticket["satisfaction"]) == (True, False, "basically_satisfied")


# ------------------------------------------------------------------ web pages saved as .xls

NYC_HEADER = ["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Status"]


def html_page(header: list[str], rows: list[list[str]], *, before: str = "", charset: str = "utf-8") -> str:
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    head = "".join(f"<th>{h}</th>" for h in header)
    return (
        f'{before}<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>'
        f"<body><table><tr>{head}</tr>{cells}</table></body></html>"
    )


@pytest.mark.parametrize(
    "before, encoding",
    [
        ("<!-- exported by the report server -->\r\n", "utf-8"),
        ('<style>td {mso-number-format:"\\@";}</style>\n', "utf-8"),
        ('<?xml version="1.0" encoding="gb2312"?>\n<!DOCTYPE html>', "gb18030"),
        ("", "utf-16"),  # a BOM, then UTF-16
    ],
)
def test_a_web_page_named_xls_is_read_as_html_whatever_comes_first(tmp_path, config, before, encoding):
    rows = [[f"GD{i}", "2024-03-05 10:00", "市水务局", "", "是", "已解决", "满意"] for i in range(3)]
    path = tmp_path / "export.xls"
    path.write_bytes(html_page(HEADER, rows, before=before).encode(encoding))
    result = load([path], config, lang="en")
    assert result.files[0].format == "html" and len(result.tickets) == 3
    assert result.tickets["agency"].tolist() == ["市水务局"] * 3
    assert any(i.code == "html_table" and ".xls" in i.message for i in result.issues)


@pytest.mark.parametrize("charset, text", [("windows-1252", "Café – noise"), ("big5", "臺北市 噪音")])
def test_a_web_page_in_the_charset_its_meta_declares(tmp_path, config, charset, text):
    """Not UTF-8, not GB: the declared charset, not GB18030 (which accepts any bytes and makes mojibake)."""
    path = tmp_path / "export.xls"
    rows = [["1", "03/05/2024 10:00:00 AM", "", "DSNY", text, "Closed"]]
    path.write_bytes(html_page(NYC_HEADER, rows, charset=charset).encode(charset))
    result = load([path], config, lang="en")
    assert result.tickets["category"].tolist() == [text]
    assert result.files[0].encoding == {"windows-1252": "cp1252"}.get(charset, charset)


# ------------------------------------------------------------------ Excel 2003 XML named .xls


def spreadsheetml(rows: str, *, encoding: str = "UTF-8", extra_sheets: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:html="http://www.w3.org/TR/REC-html40">'
        f'{extra_sheets}<Worksheet ss:Name="工单明细"><Table>{rows}</Table></Worksheet></Workbook>'
    )


def xml_cell(value: str, kind: str = "String", attributes: str = "") -> str:
    return f'<Cell{attributes}><Data ss:Type="{kind}">{value}</Data></Cell>'


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_excel_2003_xml_named_xls_is_read_as_what_it_is(tmp_path, config, encoding):
    title = '<Row><Cell ss:MergeAcross="6"><Data ss:Type="String">示例市12345工单明细</Data></Cell></Row>'
    header = "<Row>" + "".join(xml_cell(h) for h in HEADER) + "</Row>"
    rows = [
        # a date typed DateTime, a General serial, booleans, an answer in rich text
        xml_cell("GD1")
        + xml_cell("2024-03-05T10:00:00.000", "DateTime")
        + xml_cell("市水务局")
        + xml_cell("45356.5", "Number")
        + xml_cell("1", "Boolean")
        + xml_cell("0", "Boolean")
        + '<Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><Font>满意</Font></ss:Data></Cell>',
        # ss:Index skips the empty 办结时间 cell
        xml_cell("GD2")
        + xml_cell("2024/3/6 9:00")
        + xml_cell("市水务局")
        + xml_cell("是", attributes=' ss:Index="5"')
        + xml_cell("否")
        + xml_cell("不满意"),
        xml_cell("GD3") + xml_cell("#N/A", "Error") + xml_cell("市水务局"),
    ]
    body = title + header + "".join(f"<Row>{r}</Row>" for r in rows)
    hidden = (
        '<Worksheet ss:Name="字典"><Table><Row>' + xml_cell("x") + "</Row></Table>"
        '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible>'
        "</WorksheetOptions></Worksheet>"
    )
    path = tmp_path / "export.xls"
    declared = "GB2312" if encoding == "gb18030" else "UTF-8"
    path.write_bytes(spreadsheetml(body, encoding=declared, extra_sheets=hidden).encode(encoding))
    result = load([path], config, lang="en")
    report = result.files[0]
    assert (report.format, report.sheet, report.header_rows) == ("xml", "工单明细", [2])
    tickets = result.tickets.set_index("ticket_id")
    assert tickets["created_at"].tolist() == [pd.Timestamp("2024-03-05 10:00"), pd.Timestamp("2024-03-06 09:00")]
    assert tickets.loc["GD1", "closed_at"] == pd.Timestamp("2024-03-05 12:00")
    assert tickets["responded"].tolist() == [True, True] and tickets["resolved"].tolist() == [False, False]
    assert tickets["satisfaction"].astype(str).tolist() == ["satisfied", "dissatisfied"]
    assert result.rejects.set_index("row").loc[5, "code"] == "formula_error"
    codes_ = {i.code for i in result.issues}
    assert {"misnamed_file", "hidden_sheet_ignored"} <= codes_
    assert next(i for i in result.issues if i.code == "misnamed_file").severity == "info"


def test_excel_2003_xml_with_an_entity_is_refused(tmp_path, config):
    body = "<Row>" + xml_cell("&big;") + "</Row>"
    text = spreadsheetml(body).replace("?>\n<?mso", '?>\n<!DOCTYPE Workbook [<!ENTITY big "xxxx">]>\n<?mso', 1)
    path = tmp_path / "bomb.xls"
    path.write_text(text, encoding="utf-8")
    result = load([path], config, lang="en")
    assert result.files[0].status == "failed" and result.files[0].reason == "corrupt_file"


# ------------------------------------------------------------------ declared meanings met in the wild

SURVEY = """
required = ["created_at", "agency"]
row_identity = "row"
date_formats = ["%Y-%m-%d", "%Y-%m-%d %H:%M"]

[columns]
created_at = ["回访日期"]
agency = ["被评价单位"]
satisfaction = ["评价结果"]

[derive.title]
from = "created_at"
pattern = "^(\\\\d{4}-\\\\d{2})"

[satisfaction]
satisfied = ["满意"]
neutral = ["一般"]
"""


def survey_config(tmp_path: Path):
    from citistat.workspace import open_workspace

    profiles = tmp_path / "config" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "survey.toml").write_text(SURVEY, encoding="utf-8")
    return load_config(open_workspace(tmp_path))


def test_files_of_one_name_without_ticket_ids_never_merge(tmp_path):
    """east/survey.csv and west/survey.csv once made the same row ids, and one district's rows were dropped
    as duplicates of the other's; the same file given twice still collapses."""
    config = survey_config(tmp_path)
    paths = []
    for district in ("east", "west"):
        (tmp_path / district).mkdir()
        path = tmp_path / district / "survey.csv"
        path.write_text(
            f"回访日期,被评价单位,评价结果\n2024-03-05,{district}水务所,满意\n2024-03-06,{district}水务所,一般\n",
            encoding="utf-8",
        )
        paths.append(path)
    result = load(paths, config, lang="en")
    assert len(result.tickets) == 4 and result.reconciliation.duplicates == 0
    twice = load([paths[0], paths[0]], config, lang="en")
    assert len(twice.tickets) == 2 and twice.reconciliation.duplicates == 2 and twice.reconciliation.balances()


def test_a_file_given_twice_still_balances(tmp_path, config):
    """Rows were counted per path: both copies claimed the accepted rows and the duplicates (read 4 = 4 + 4)."""
    path = write_csv(
        tmp_path / "march.csv",
        [[f"GD{i}", "2024-03-05 10:00", "市水务局", "", "是", "已解决", "满意"] for i in range(3)],
    )
    result = load([path, path], config, lang="en")
    assert result.reconciliation.balances() and len(result.tickets) == 3
    assert all(f.reconciliation.balances() for f in result.files)
    assert [f.reconciliation.duplicates for f in result.files] == [3, 0]


def test_a_workbook_date_column_mixing_cells_reads_under_any_profile(tmp_path):
    """xlsx hands a column mixing date cells, numbers and text over as text ("2024-03-05 10:00:00", "45356.25"):
    those are the reader's renderings, read whatever formats and serial setting the profile declares;
    a [derive] rule reads such cells as their date, not as "45356.25"."""
    import datetime as dt

    import openpyxl

    config = survey_config(tmp_path)
    book = openpyxl.Workbook()
    book.active.append(["回访日期", "被评价单位", "评价结果"])
    for when in (dt.datetime(2024, 3, 5, 10, 0, 7), 45356.25, "2024-03-05"):
        book.active.append([when, "市水务局", "满意"])
    book.save(tmp_path / "mixed.xlsx")
    typed = openpyxl.Workbook()
    typed.active.append(["回访日期", "被评价单位", "评价结果"])
    typed.active.append([dt.datetime(2024, 4, 5, 10, 0), "市水务局", "满意"])
    typed.save(tmp_path / "typed.xlsx")
    result = load([tmp_path / "mixed.xlsx", tmp_path / "typed.xlsx"], config, lang="en")
    assert result.tickets["created_at"].tolist() == [
        pd.Timestamp("2024-03-05 10:00:07"),
        pd.Timestamp("2024-03-05 06:00"),
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-04-05 10:00"),
    ]
    assert result.tickets["title"].tolist() == ["2024-03"] * 3 + ["2024-04"]
    assert not [i for i in result.issues if i.severity != "info"]


# ------------------------------------------------------------------ packages that are not xlsx


@pytest.mark.parametrize(
    "parts, words",
    [
        ({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "\x00"}, "Excel binary workbook (.xlsb)"),
        (
            {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office:document/>"},
            "OpenDocument spreadsheet (.ods)",
        ),
        ({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}, "OpenDocument document"),
        ({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}, "Word document"),
    ],
)
def test_a_package_that_is_another_format_says_which(tmp_path, config, parts, words):
    import zipfile

    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    result = load([path], config, lang="en")
    assert result.files[0].status == "failed" and result.files[0].reason == "not_a_workbook"
    assert words in next(i for i in result.issues if i.severity == "file").message


@pytest.mark.parametrize("profile", ["cn-12345", "cn-petition-board", "nyc-311", "la-311", "open311"])
def test_every_shipped_profile_reads_java_timestamps_and_offsets(config, profile):
    """A Java export writes 2024-03-15 11:20:00.0 (Timestamp.toString); an API writes an offset."""
    declared = config.input_profiles[profile]
    parsed = parse_dates(
        pd.Series(["2024-03-15 11:20:00.0", "2024-03-15T03:20:00Z"], dtype=object),
        declared.date_formats,
        timezone=declared.timezone,
    )
    assert parsed.values[0] == pd.Timestamp("2024-03-15 11:20:00") and parsed.values.notna().all()


def test_a_sentinel_no_declared_format_reads_is_reported_at_load(config):
    from citistat.ingest.profiles import validate_profile

    nyc = dict(config.profiles["nyc-311"])
    problems = validate_profile("p", {**nyc, "sentinels": ["1 Jan 1900", "01/01/1900", 0]})
    assert problems == [
        "profile 'p': sentinel '1 Jan 1900' fits none of date_formats; write it as the export writes it"
    ]
    assert validate_profile("p", {**nyc, "sentinels": [True]})  # a boolean is no sentinel
    assert not any(validate_profile(name, data) for name, data in config.profiles.items())


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_byte_order_mark_is_read(tmp_path, config, encoding):
    rows = [[f"GD{i}", "2024-03-05 10:00", "市水务局", "", "是", "已解决", "满意"] for i in range(3)]
    path = tmp_path / "unicode.txt"
    path.write_bytes("\r\n".join("\t".join(r) for r in [HEADER, *rows]).encode(encoding))
    result = load([path], config, lang="en")
    assert len(result.tickets) == 3 and result.files[0].encoding == encoding


@pytest.mark.parametrize("name", ["export.csv", "export.txt", "export", "export.XLS"])
def test_a_workbook_under_any_name_is_read_and_the_mismatch_said(tmp_path, config, name):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(["GD1", 45377.25, "市水务局", None, "是", "已解决", "满意"])
    path = tmp_path / name
    book.save(path)
    result = load([path], config, lang="en")
    assert result.files[0].format == "xlsx" and result.tickets["created_at"].tolist() == [
        pd.Timestamp("2024-03-26 06:00")
    ]
    note = next(i for i in result.issues if i.code == "misnamed_file")
    assert note.severity == "info" and "xlsx" in note.message


def test_serials_in_a_csv_whose_profile_does_not_declare_them_get_a_hint_that_says_so(tmp_path):
    """Still rejected (a profile decides), but the hint names the setting instead of listing formats."""
    config = survey_config(tmp_path)
    path = tmp_path / "saved_from_excel.csv"
    path.write_text(
        "回访日期,被评价单位,评价结果\n45377.25,市水务局,满意\n2024-03-26,市水务局,满意\n", encoding="utf-8"
    )
    result = load([path], config, lang="en")
    assert result.rejects["code"].tolist() == ["bad_date"]
    issue = next(i for i in result.issues if i.code == "bad_date")
    assert "serial_dates = true" in issue.hint and "Excel serial" in issue.message
    zh = load([path], config, lang="zh-CN")
    assert "serial_dates = true" in next(i for i in zh.issues if i.code == "bad_date").hint


@pytest.mark.parametrize("transfer", ["quoted-printable", "base64"])
def test_a_single_file_web_page_named_xls_is_read_as_its_html(tmp_path, config, transfer):
    """Excel's "Single File Web Page" (.mht): MIME multipart/related around the HTML, often named .xls."""
    import base64
    import quopri

    rows = [[f"GD{i}", "2024-03-05 10:00", "市水务局", "", "是", "已解决", "满意"] for i in range(3)]
    page = html_page(HEADER, rows, charset="gb2312").encode("gb18030")
    body = quopri.encodestring(page) if transfer == "quoted-printable" else base64.encodebytes(page)
    mime = (
        b'MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary="----=_NextPart_01"\r\n\r\n'
        b"This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n"
        b"------=_NextPart_01\r\nContent-Location: file:///C:/export.htm\r\n"
        b"Content-Transfer-Encoding: "
        + transfer.encode()
        + b'\r\nContent-Type: text/html; charset="gb2312"\r\n\r\n'
        + body
        + b"\r\n------=_NextPart_01--\r\n"
    )
    path = tmp_path / "export.xls"
    path.write_bytes(mime)
    result = load([path], config, lang="en")
    assert result.files[0].format == "html" and result.tickets["agency"].tolist() == ["市水务局"] * 3
    assert any(i.code == "html_table" and ".xls" in i.message for i in result.issues)


def test_an_optional_date_column_of_durations_is_one_warning_per_value(tmp_path, config):
    """办理时限 written as "3个工作日": once a warning per row (a million lines, minutes of work); now one per value."""
    header = ["工单编号", "来电时间", "承办单位", "办理时限"]
    rows = [
        [f"GD{i}", f"2024-03-{1 + i % 28:02d}", "市水务局", "3个工作日" if i % 3 else "5个工作日"] for i in range(3000)
    ]
    rows[7][3] = "2024-03-20 18:00"
    result = load([write_csv(tmp_path / "deadlines.csv", rows, header)], config, lang="en")
    warnings = sorted((i.raw_value, i.row) for i in result.issues if i.code == "bad_optional_date")
    assert warnings == [("3个工作日", 3), ("5个工作日", 2)]
    counts = {i.raw_value: i.fields["count"] for i in result.issues if i.code == "bad_optional_date"}
    assert counts == {"3个工作日": "1999", "5个工作日": "1000"}
    tickets = result.tickets.set_index("ticket_id")
    assert tickets["due_at"].notna().sum() == 1 and tickets.loc["GD7", "due_at"] == pd.Timestamp("2024-03-20 18:00")
    assert tickets.loc["GD29", "created_at"] == pd.Timestamp("2024-03-02")  # day-only dates, parsed once per value


# ------------------------------------------------------------------ ids Excel rounded


def test_ids_longer_than_15_digits_are_never_collapsed_as_duplicates(tmp_path, config):
    """18-digit ids stored as numbers: Excel's doubles make neighbours equal, and 46,499 of 50,000 tickets were
    once dropped as duplicates with one warning per row. Now every row is a ticket and the file gets two notes."""
    import xlsxwriter

    path = tmp_path / "long_ids.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ["工单编号", "来电时间", "承办单位"])
        for i in range(1, 501):
            sheet.write_number(i, 0, 202403050000000000 + 7 * i)
            sheet.write_row(i, 1, [f"2024-03-05 10:{i % 60:02d}", "市水务局"])
    result = load([path], config, lang="en")
    assert len(result.tickets) == 500 and result.tickets["ticket_id"].is_unique
    assert result.reconciliation.duplicates == 0 and result.reconciliation.balances()
    notes = [i for i in result.issues if i.code == "id_precision"]
    assert [i.fields["count"] for i in notes] == ["500", "500"]  # the rounded ids, then the rows kept apart
    assert "202403050000000000#2" in notes[1].message


def test_ids_excel_wrote_in_scientific_notation_are_kept_apart(tmp_path, config):
    """A CSV opened in Excel and saved again: "2.02403E+17" for every id."""
    rows = [["2.02403E+17", f"2024-03-05 10:0{i}", "市水务局", "", "是", "已解决", "满意"] for i in range(4)]
    rows.append(["GD9", "2024-03-05 11:00", "市水务局", "", "是", "已解决", "满意"])
    rows.append(["GD9", "2024-03-05 11:00", "市水务局", "", "是", "已解决", "满意"])  # a true duplicate still collapses
    result = load([write_csv(tmp_path / "resaved.csv", rows)], config, lang="en")
    assert len(result.tickets) == 5 and result.reconciliation.duplicates == 1
    assert {i.code for i in result.issues} >= {"id_precision"}


def test_placeholder_close_dates_are_one_warning_per_value(tmp_path, config):
    """A system writing 1970-01-01 08:00:00 (the Unix epoch in Beijing time) for "not closed yet"."""
    rows = [
        [f"GD{i}", "2024-03-05 10:00", "市水务局", "1970-01-01 08:00:00", "是", "已解决", "满意"] for i in range(400)
    ]
    rows[5][3] = "2024-03-06 10:00"
    result = load([write_csv(tmp_path / "epoch.csv", rows)], config, lang="en")
    notes = [i for i in result.issues if i.code == "implausible_date"]
    assert len(notes) == 1 and notes[0].fields["count"] == "399" and notes[0].row == 2
    assert result.tickets["closed_at"].notna().sum() == 1 and len(result.tickets) == 400


@pytest.mark.parametrize("name", ["export.xls", "export.xlsx", "export.csv"])
def test_a_password_protected_workbook_under_any_name_says_so(tmp_path, config, name):
    """An encrypted xlsx is an OLE2 container like a legacy .xls: its streams tell them apart, whatever the name."""
    import shutil

    path = tmp_path / name
    shutil.copy(READERS / "encrypted.xlsx", path)
    result = load([path], config, lang="en")
    assert result.files[0].status == "failed" and result.files[0].reason == "encrypted_file"
    assert "password" in next(i for i in result.issues if i.severity == "file").message


def test_a_web_page_with_cells_merged_down_reads_each_row_as_the_page_shows_it(tmp_path, config):
    """An agency merged down its tickets (rowspan) once shifted every later cell of those rows one column left."""
    page = (
        "<table><tr><th>工单编号</th><th>来电时间</th><th>承办单位</th><th>满意度</th></tr>"
        '<tr><td>A1</td><td rowspan="3">2024-03-05 10:00</td><td rowspan="2">市水务局</td><td>满意</td></tr>'
        "<tr><td>A2</td><td>不满意</td></tr>"
        '<tr><td>A3</td><td>市城管委</td><td rowspan="2">满意</td></tr>'
        "<tr><td>A4</td><td>2024-03-06 09:00</td><td>市城管委</td></tr>"
        "<tr><td>A5</td><td>2024-03-07 09:00</td><td>市城管委</td><td>一般</td></tr></table>"
    )
    path = tmp_path / "merged.xls"
    path.write_text(page, encoding="utf-8")
    result = load([path], config, lang="en")
    tickets = result.tickets.set_index("ticket_id")
    assert tickets["agency"].tolist() == ["市水务局", "市水务局", "市城管委", "市城管委", "市城管委"]
    assert tickets["created_at"].dt.day.tolist() == [5, 5, 5, 6, 7]
    assert tickets["satisfaction"].astype(str).tolist() == [
        "satisfied",
        "dissatisfied",
        "satisfied",
        "satisfied",
        "neutral",
    ]
    assert result.reconciliation.rejected == 0


def test_a_workbook_cell_merged_down_its_tickets_names_each_of_them(tmp_path, config):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电时间", "承办单位", "满意度"])
    sheet.append(["A1", "2024-03-05 10:00", "市水务局", "满意"])
    sheet.append(["A2", "2024-03-05 11:00", None, "不满意"])
    sheet.append(["A3", "2024-03-05 12:00", None, "满意"])
    sheet.append(["A4", "2024-03-05 12:00", "市城管委", "满意"])
    sheet.merge_cells("C2:C4")
    sheet.merge_cells("A6:B6")  # a merge with nothing in it changes nothing
    sheet.append([])
    book.save(tmp_path / "merged.xlsx")
    result = load([tmp_path / "merged.xlsx"], config, lang="en")
    assert result.tickets["agency"].tolist() == ["市水务局", "市水务局", "市水务局", "市城管委"]
    assert result.reconciliation.rejected == 0
    [note] = [i for i in result.issues if i.code == "merged_cells_filled"]
    assert note.fields["count"] == "1" and "as Excel shows it" in note.message


def test_excel_2003_xml_cells_merged_down_name_each_row(tmp_path, config):
    header = "<Row>" + "".join(xml_cell(h) for h in ["工单编号", "来电时间", "承办单位", "满意度"]) + "</Row>"
    rows = [
        xml_cell("A1")
        + xml_cell("2024-03-05 10:00")
        + xml_cell("市水务局", attributes=' ss:MergeDown="2"')
        + xml_cell("满意"),
        xml_cell("A2") + xml_cell("2024-03-05 11:00") + xml_cell("不满意", attributes=' ss:Index="4"'),
        xml_cell("A3") + xml_cell("2024-03-05 12:00") + xml_cell("满意", attributes=' ss:Index="4"'),
        xml_cell("A4") + xml_cell("2024-03-05 13:00") + xml_cell("市城管委") + xml_cell("满意"),
    ]
    path = tmp_path / "merged.xls"
    path.write_text(spreadsheetml(header + "".join(f"<Row>{r}</Row>" for r in rows)), encoding="utf-8")
    result = load([path], config, lang="en")
    assert result.tickets["agency"].tolist() == ["市水务局", "市水务局", "市水务局", "市城管委"]
    assert result.tickets["satisfaction"].astype(str).tolist() == [
        "satisfied",
        "dissatisfied",
        "satisfied",
        "satisfied",
    ]


@pytest.mark.parametrize("ragged", [False, True])
def test_excel_text_formulas_in_a_csv_are_their_text(tmp_path, config, ragged):
    """="202403050001" keeps Excel from turning an id into 2.02403E+11 or a date into a serial: it is that text."""
    lines = [",".join(HEADER)]
    lines += [f'="20240305000{i}",="2024-03-05 10:0{i}",市水务局,,是,已解决,满意' for i in range(3)]
    if ragged:  # a quoted line break sends the file to the row-by-row parser
        lines.append('GD9,2024-03-05 11:00,市水务局,,是,已解决,"满意\n（电话回访）"')
    path = tmp_path / "forced_text.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load([path], config, lang="en")
    tickets = result.tickets.set_index("ticket_id")
    assert tickets.index[:3].tolist() == ["202403050000", "202403050001", "202403050002"]
    assert tickets["created_at"].iloc[:3].tolist() == [pd.Timestamp(f"2024-03-05 10:0{i}") for i in range(3)]
    assert result.reconciliation.rejected == 0


def test_a_day_first_profile_may_declare_year_first_formats_too(config):
    """05/03/2024 is 5 March for the whole column; 2024-03-05 is never ambiguous, so dmy may list it."""
    from citistat.ingest.profiles import build_profile, validate_profile

    data = {
        "date_order": "dmy",
        "date_formats": ["%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"],
        "columns": {"ticket_id": ["Ref"], "created_at": ["Reported"], "agency": ["Department"]},
    }
    assert validate_profile("uk", data) == []
    assert validate_profile("uk", {**data, "date_formats": ["%m/%d/%Y"]})  # month first still contradicts dmy
    profile = build_profile("uk", data)
    parsed = parse_dates(pd.Series(["05/03/2024 10:00", "2024-03-06 09:00:00", "13/03/2024"]), profile.date_formats)
    assert parsed.values.dt.strftime("%m-%d").tolist() == ["03-05", "03-06", "03-13"]


def test_more_chinese_survey_and_status_answers_are_in_the_vocabulary(tmp_path, config):
    header = ["工单编号", "来电时间", "承办单位", "满意度", "工单状态"]
    answers = [
        ("很满意", "已归档"),
        ("很不满意", "已派单"),
        ("未评价", "已签收"),
        ("拒评", "已退单"),
        ("未接通", "已回访"),
    ]
    rows = [[f"GD{i}", "2024-03-05 10:00", "市水务局", a, s] for i, (a, s) in enumerate(answers)]
    result = load([write_csv(tmp_path / "survey.csv", rows, header)], config, lang="en")
    tickets = result.tickets
    assert tickets["satisfaction"].astype(str).tolist() == [
        "very_satisfied", "very_dissatisfied", "not_surveyed", "refused", "unreachable",
    ]  # fmt: skip
    assert tickets["status"].tolist() == ["closed", "in_progress", "in_progress", "returned", "closed"]
    assert not {"unknown_answer", "unknown_status"} & {i.code for i in result.issues}


def test_a_csv_column_mixing_serials_and_text_dates_reads_both(tmp_path, config):
    """Rows pasted from two sources into one sheet, saved as CSV: serials and text dates in one column."""
    cells = ["2024-03-05 10:00", "45377.253472222", "2024年3月6日 下午3点", "45378", "0", "2024/3/7 9:05"]
    rows = [[f"GD{i}", cell, "市水务局", "", "是", "已解决", "满意"] for i, cell in enumerate(cells)]
    result = load([write_csv(tmp_path / "pasted.csv", rows)], config, lang="en")
    assert result.tickets["created_at"].tolist() == [
        pd.Timestamp("2024-03-05 10:00"),
        pd.Timestamp("2024-03-26 06:05"),
        pd.Timestamp("2024-03-06 15:00"),
        pd.Timestamp("2024-03-27"),
        pd.Timestamp("2024-03-07 09:05"),
    ]
    assert result.rejects["code"].tolist() == ["serial_not_a_date"]


def test_a_legacy_workbook_cell_merged_down_its_tickets_names_each_of_them(config):
    result = load([READERS / "merged_down.xls"], config, lang="en")
    assert result.tickets["agency"].tolist() == ["市水务局", "市水务局", "市水务局", "市城管委"]
    assert result.reconciliation.rejected == 0
    assert [i.fields["count"] for i in result.issues if i.code == "merged_cells_filled"] == ["1"]
