"""Hostile and broken input: each class ends as a clear issue naming its limit, never a crash or a runaway."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from fuzz_inputs import HEADER, OLE2_MAGIC, bomb_sheet, csv_text, lie_about_sizes, sheet_xml, ticket_xlsx, xlsx_bytes

from citistat.config import load_config
from citistat.ingest import load
from citistat.ingest.loader import _sha256
from citistat.ingest.rawtable import FileFailure, Limits
from citistat.ingest.readers import open_table
from citistat.ingest.safety import count_inflated

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
MB = 2**20
SYNONYMS = set(HEADER)


def rows(n: int = 5) -> list[list[str]]:
    return [[f"GD{i}", f"2024/3/{1 + i % 28} 9:10", "市水务局", "是", "已解决", "满意"] for i in range(n)]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def failure(path: Path, limits: Limits | None = None) -> FileFailure:
    with pytest.raises(FileFailure) as caught:
        open_table(str(path), header_synonyms=SYNONYMS, limits=limits, lang="en")
    return caught.value


@pytest.fixture
def config():
    return load_config(None)


# ---------------------------------------------------------------- not regular files


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory"])
def test_what_is_not_a_regular_file_is_refused_without_being_opened(tmp_path, kind):
    path = tmp_path / "input.csv"
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block until a writer came
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")  # reading it would never end
    else:
        path.mkdir()
    caught = failure(path)
    assert caught.code == "not_a_regular_file"
    assert _sha256(str(path)) is None


def test_a_batch_goes_on_past_a_fifo(tmp_path, config):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    good = write(tmp_path, "good.csv", csv_text(rows()).encode())
    result = load([fifo, good], config, lang="en")
    assert [f.status for f in result.files] == ["failed", "ok"]
    assert len(result.tickets) == 5


# ---------------------------------------------------------------- zip bombs that lie


def test_inflated_bytes_are_counted_whatever_the_central_directory_declares(tmp_path):
    honest = xlsx_bytes(bomb_sheet(8 * MB))
    lying = write(tmp_path, "bomb.xlsx", lie_about_sizes(honest, "xl/worksheets/sheet1.xml", 2000))
    declared = zipfile.ZipFile(lying).getinfo("xl/worksheets/sheet1.xml").file_size
    assert declared == 2000  # the directory says 2 KB ...
    with pytest.raises(FileFailure) as caught:
        count_inflated(str(lying), Limits(max_uncompressed_bytes=4 * MB, max_compression_ratio=1e9))
    assert caught.value.code == "zip_bomb"  # ... the count stops at the 4 MB limit
    assert "max_uncompressed_mb" in caught.value.issue.message and "sheet1.xml" in caught.value.issue.message


def test_a_lying_workbook_fails_on_the_real_ratio_while_the_sheet_is_read(tmp_path):
    # A header and tickets first, so the header search (which stops early) finds nothing wrong;
    # then megabytes of repeated rows behind a declared size of 200 KB.
    sheet = sheet_xml(
        [HEADER, *rows()], extra_rows=bomb_sheet(8 * MB).split(b"<sheetData>")[1].split(b"</sheetData>")[0]
    )
    lying = write(tmp_path, "bomb.xlsx", lie_about_sizes(xlsx_bytes(sheet), "xl/worksheets/sheet1.xml", 200 * 1024))
    caught = failure(lying)
    assert caught.code == "zip_bomb" and "max_compression_ratio" in caught.issue.message


def test_a_lie_the_header_search_reaches_is_a_damaged_file(tmp_path):
    lying = write(
        tmp_path, "bomb.xlsx", lie_about_sizes(xlsx_bytes(bomb_sheet(8 * MB)), "xl/worksheets/sheet1.xml", 2000)
    )
    caught = failure(lying)  # the stream ends at the declared size and its checksum fails: refused before any reader
    assert caught.code == "corrupt_file"


def test_an_honest_workbook_counts_what_it_declares():
    with zipfile.ZipFile(FIXTURES / "clean.xlsx") as archive:
        declared = sum(entry.file_size for entry in archive.infolist())
    assert count_inflated(str(FIXTURES / "clean.xlsx"), Limits()) == declared


# ---------------------------------------------------------------- coordinates and native aborts


@pytest.mark.parametrize(
    "extra, words",
    [
        (b'<row r="1048576000"><c r="A1048576000"><v>1</v></c></row>', "outside Excel"),
        (b'<row r="2"><c r="ZZZZZZZ2"><v>1</v></c></row>', "beyond Excel's last column"),
        (b'<row r="7"><c r="A7" t="s"><v>-1</v></c></row>', "negative"),
    ],
)
def test_cell_references_beyond_the_grid_are_a_damaged_file(tmp_path, extra, words):
    path = write(tmp_path, "claims.xlsx", xlsx_bytes(sheet_xml([HEADER, *rows()], extra_rows=extra)))
    caught = failure(path)
    assert caught.code == "corrupt_file" and words in caught.issue.message


def test_a_native_reader_abort_becomes_a_failed_file_and_the_batch_goes_on(tmp_path, config):
    # Cells in A1 and XFD1048576 are inside Excel's grid, but calamine allocates the whole
    # rectangle (~17 billion cells) and Rust aborts its process: here, the child's.
    corner = write(
        tmp_path,
        "corner.xlsx",
        xlsx_bytes(sheet_xml([HEADER, *rows()], extra_rows=b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
    )
    good = write(tmp_path, "good.xlsx", ticket_xlsx(rows()))
    result = load([corner, good], config, lang="en")
    assert [f.status for f in result.files] == ["failed", "ok"]
    assert result.files[0].reason == "reader_limit"
    issue = next(i for i in result.issues if i.code == "reader_limit")
    assert "max_reader_memory_mb" in issue.message
    assert len(result.tickets) == 5


def test_a_declared_dimension_is_only_a_first_check(tmp_path):
    path = write(tmp_path, "dim.xlsx", xlsx_bytes(sheet_xml([HEADER, *rows()], dimension="A1:F4294967296")))
    assert failure(path).code == "too_many_rows"


# ---------------------------------------------------------------- text


def test_a_field_over_the_csv_module_limit_is_cut_at_the_cell_limit_with_a_warning(tmp_path):
    table_rows = rows()
    table_rows[2][5] = "长" * 200_000
    path = write(tmp_path, "long.csv", csv_text(table_rows).encode())
    table = open_table(str(path), header_synonyms=SYNONYMS, limits=Limits(max_cell_chars=1000), lang="en")
    assert table.data.iloc[2, 5] == "长" * 1000
    (issue,) = [i for i in table.issues if i.code == "cell_too_large"]
    assert issue.row == 4 and "max_cell_chars" in issue.message and "200,000" in issue.message


def test_a_quoted_multiline_field_over_the_limit_parses(tmp_path):
    table_rows = rows()
    table_rows[0][4] = "line\n" * 40_000
    path = write(tmp_path, "multi.csv", csv_text(table_rows).encode())
    table = open_table(str(path), header_synonyms=SYNONYMS, lang="en")
    assert table.n_rows == 5 and list(table.row_numbers[:2]) == [2, 40_003]


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_text_is_read(tmp_path, encoding):
    text = csv_text(rows())
    data = text.encode("utf-32") if encoding == "utf-32" else (("\ufeff" + text).encode(encoding))
    table = open_table(str(write(tmp_path, "u32.csv", data)), header_synonyms=SYNONYMS, lang="en")
    assert table.n_rows == 5 and table.encoding == "utf-32" and table.data.iloc[0, 2] == "市水务局"


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xff\xfe", b"\xff\xfe\x00\x00", b"\xef\xbb\xbf\r\n  \r\n"])
def test_a_file_of_only_a_byte_order_mark_is_empty(tmp_path, data):
    assert failure(write(tmp_path, "bom.csv", data)).code == "empty_file"


def test_a_csv_of_100k_columns_is_refused_before_it_is_parsed(tmp_path):
    header = HEADER + [f"c{i}" for i in range(100_000)]
    caught = failure(write(tmp_path, "wide.csv", csv_text(rows(), header).encode()))
    assert caught.code == "too_many_columns" and "max_columns" in caught.issue.message


def test_a_ragged_row_is_bounded_in_cells(tmp_path):
    table_rows = rows(20)
    table_rows[10] = table_rows[10] + ["x"] * 5_000
    caught = failure(write(tmp_path, "ragged.csv", csv_text(table_rows).encode()), Limits(max_cells=50_000))
    assert caught.code == "too_many_cells" and "max_cells" in caught.issue.message


def test_dates_outside_pandas_range_are_rejected_rows(tmp_path, config):
    table_rows = rows(40)
    extremes = ["9999-12-31", "0001-01-01 00:00", "1677-09-21", "2262-04-12", "-1-01-01"]
    for row, value in zip(table_rows, extremes):
        row[1] = value
    result = load([write(tmp_path, "dates.csv", csv_text(table_rows).encode())], config, lang="en")
    assert result.reconciliation.rejected == 5 and len(result.tickets) == 35
    assert set(result.rejects["code"]) == {"bad_date"}


def test_a_very_long_agency_name_loads(tmp_path, config):
    table_rows = rows()
    table_rows[0][2] = "局" * 20_000
    result = load([write(tmp_path, "names.csv", csv_text(table_rows).encode())], config, lang="en")
    assert result.reconciliation.accepted == 5


def test_duplicates_across_files_without_a_closing_time_collapse(tmp_path, config):
    data = csv_text(rows()).encode()
    result = load([write(tmp_path, "a.csv", data), write(tmp_path, "b.csv", data)], config, lang="en")
    assert len(result.tickets) == 5 and result.reconciliation.duplicates == 5


# ---------------------------------------------------------------- HTML, JSON, OLE, xls


def test_html_colspans_are_bounded(tmp_path):
    page = (
        "<table><tr>"
        + "".join(f"<th>{h}</th>" for h in HEADER)
        + "</tr>"
        + ("<tr>" + '<td colspan="999">x</td>' * 10 + "</tr>") * 200
        + "</table>"
    )
    caught = failure(write(tmp_path, "span.html", page.encode()), Limits(max_cells=1_000_000))
    assert caught.code == "too_many_cells" and "colspan" in caught.issue.message


@pytest.mark.parametrize(
    "text, code",
    [
        ("[" * 100_000 + "]" * 100_000, "corrupt_file"),
        ('{"a":' * 50_000 + "1" + "}" * 50_000, "corrupt_file"),
        ('[{"id": ' + "9" * 5000 + "}]", "corrupt_file"),
        (json.dumps({"meta": {"view": {"columns": [1, 2, "x"]}}, "data": [[1, 2, 3]]}), "unknown_format"),
        (json.dumps({"meta": {"view": {"columns": "abc"}}, "data": [[1, 2, 3]]}), "unknown_format"),
        (json.dumps({"meta": {"view": 7}, "data": [[1]]}), "unknown_format"),
    ],
)
def test_hostile_json_is_a_file_issue(tmp_path, text, code):
    assert failure(write(tmp_path, "api.json", text.encode())).code == code


def test_random_bytes_behind_an_ole_header_are_a_damaged_file(tmp_path):
    data = OLE2_MAGIC + bytes(range(256)) * 16
    assert failure(write(tmp_path, "random.xls", data)).code == "corrupt_file"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_a_truncated_legacy_xls_is_a_damaged_file(tmp_path, cut):
    data = (FIXTURES / "legacy.xls").read_bytes()
    caught = failure(write(tmp_path, "cut.xls", data[: int(len(data) * cut)]))
    assert caught.code == "corrupt_file"


def test_bit_flipped_legacy_xls_never_escapes_as_an_exception(tmp_path):
    data = bytearray((FIXTURES / "legacy.xls").read_bytes())
    for position in range(600, len(data), 97):
        data[position] ^= 0x5A
    try:
        open_table(str(write(tmp_path, "flipped.xls", bytes(data))), header_synonyms=SYNONYMS, lang="en")
    except FileFailure as caught:
        assert caught.code in ("corrupt_file", "reader_crashed", "not_a_workbook")


def test_a_legacy_xls_still_reads_through_its_child(tmp_path):
    table = open_table(str(FIXTURES / "legacy.xls"), header_synonyms={"工单编号"}, lang="en")
    assert table.format == "xls" and table.n_rows > 0 and table.file == str(FIXTURES / "legacy.xls")


def test_the_child_reads_formula_errors_back(tmp_path):
    table = open_table(str(FIXTURES / "formula_errors.xlsx"), header_synonyms={"工单编号"}, lang="en")
    texts = set(map(str, pd.unique(table.data.to_numpy().ravel())))
    assert {"#N/A", "#DIV/0!"} & texts


def test_limits_come_from_the_settings():
    from citistat.config import IngestSettings

    limits = Limits.from_settings(
        IngestSettings(max_columns=10, max_cell_chars=5, max_cells=7, max_reader_memory_mb=3, max_read_seconds=4)
    )
    assert (limits.max_columns, limits.max_cell_chars, limits.max_cells) == (10, 5, 7)
    assert (limits.max_reader_memory_bytes, limits.max_read_seconds) == (3 * MB, 4.0)


def test_a_text_file_too_large_for_the_memory_limit_is_refused_before_it_is_read(tmp_path):
    path = write(tmp_path, "big.csv", csv_text(rows(2000)).encode())
    caught = failure(path, Limits(max_reader_memory_bytes=path.stat().st_size * 3))
    assert caught.code == "reader_limit" and "max_reader_memory_mb" in caught.issue.message


def test_a_heavy_honest_workbook_is_refused_early_naming_the_memory_limit(tmp_path):
    many = [[f"GD{i}", f"2024/3/{1 + i % 28} 9:10", "市水务局" * 20, "是", "已解决", "满意"] for i in range(20_000)]
    path = write(tmp_path, "heavy.xlsx", ticket_xlsx(many))
    caught = failure(path, Limits(max_reader_memory_bytes=2 * MB))
    assert caught.code == "reader_limit" and "max_reader_memory_mb" in caught.issue.message


def test_a_shared_string_index_out_of_range_below_the_header_search_is_a_damaged_sheet(tmp_path):
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si></sst>'
    extra = b'<row r="900"><c r="A900" t="s"><v>4294967296</v></c></row>'
    path = write(tmp_path, "sst.xlsx", xlsx_bytes(sheet_xml([HEADER, *rows()], extra_rows=extra), strings))
    caught = failure(path)
    assert caught.code == "corrupt_file" and caught.issue.sheet == "Sheet1"
    assert "\n" not in caught.issue.message  # the reader's own words, on one line
