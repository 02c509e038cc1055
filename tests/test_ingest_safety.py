"""Untrusted workbooks: zip bombs, XML entity attacks, encrypted and damaged files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from citistat.ingest.rawtable import FileFailure, Limits
from citistat.ingest.readers import open_table
from citistat.ingest.safety import check_xml_parts, check_zip, require_defusedxml

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
MB = 1024 * 1024


def _bomb(path: Path, size: int) -> Path:
    """A workbook-shaped zip whose sheet is `size` bytes of one repeated character."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * size)
    return path


def test_a_highly_compressed_part_is_refused_naming_the_ratio_limit(tmp_path):
    bomb = _bomb(tmp_path / "bomb.xlsx", 2 * MB)
    entry = zipfile.ZipFile(bomb).getinfo("xl/worksheets/sheet1.xml")
    assert entry.file_size / entry.compress_size > 200  # deflate packs repeated bytes ~1000:1
    with pytest.raises(FileFailure) as caught:
        open_table(str(bomb), limits=Limits(max_compression_ratio=200))
    assert caught.value.code == "zip_bomb"
    assert "max_compression_ratio = 200" in caught.value.issue.message
    assert "config/citistat.toml" in caught.value.issue.hint


def test_total_inflated_size_is_bounded(tmp_path):
    bomb = _bomb(tmp_path / "big.xlsx", 2 * MB)
    with pytest.raises(FileFailure) as caught:
        open_table(str(bomb), limits=Limits(max_uncompressed_bytes=1 * MB, max_compression_ratio=1e9))
    assert caught.value.code == "zip_bomb"
    assert "max_uncompressed_mb" in caught.value.issue.message
    assert "2 MB" in caught.value.issue.message  # 2 * MB + 11 bytes, shown in MB


def test_too_many_parts_is_refused():
    with pytest.raises(FileFailure) as caught, zipfile.ZipFile(FIXTURES / "clean.xlsx") as archive:
        check_zip(archive, "clean.xlsx", Limits(max_zip_entries=3))
    assert caught.value.code == "zip_bomb" and "max_zip_entries" in caught.value.issue.hint


def test_small_parts_may_compress_well():
    # styles.xml and friends compress far more than 1.5:1; they are too small to matter.
    with zipfile.ZipFile(FIXTURES / "clean.xlsx") as archive:
        check_zip(archive, "clean.xlsx", Limits(max_compression_ratio=1.5))


@pytest.mark.parametrize("name", ["billion_laughs.xlsx", "external_entity.xlsx"])
def test_entity_declarations_are_refused_before_any_parser_runs(name):
    with pytest.raises(FileFailure) as caught:
        open_table(str(FIXTURES / name), header_synonyms={"工单编号"})
    assert caught.value.code == "xml_entities"
    assert "xl/sharedStrings.xml" in caught.value.issue.message


def test_dtd_in_a_utf16_part_is_found(tmp_path):
    path = tmp_path / "utf16.xlsx"
    part = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><sst/>'.encode("utf-16")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", part)
    with pytest.raises(FileFailure), zipfile.ZipFile(path) as archive:
        check_xml_parts(archive, str(path))


def test_only_the_prolog_is_scanned(tmp_path):
    # The text "<!DOCTYPE" inside a cell, after the root element, is data, not a declaration.
    path = tmp_path / "text.xlsx"
    body = "<sst><si><t>" + "x" * 100_000 + "&lt;!DOCTYPE is fine here</t></si><!DOCTYPE late></sst>"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?>\n<!-- c -->' + body)
    with zipfile.ZipFile(path) as archive:
        check_xml_parts(archive, str(path))


def test_openpyxl_runs_with_defusedxml_and_refuses_the_canary():
    import openpyxl
    from defusedxml import DefusedXmlException

    require_defusedxml()
    with pytest.raises(Exception) as caught:
        openpyxl.load_workbook(FIXTURES / "billion_laughs.xlsx", read_only=True, data_only=True)
    chain, error = [], caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, DefusedXmlException) for e in chain)


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("encrypted.xlsx", "encrypted_file", "password"),
        ("truncated.xlsx", "corrupt_file", "truncated"),
        ("not_a_workbook.xlsx", "not_a_workbook", "zip file but not an Excel workbook"),
        ("empty.csv", "empty_file", "is empty"),
        ("not_text.csv", "unknown_format", "binary"),
    ],
)
def test_file_failures_have_their_own_code_message_and_hint(name, code, words):
    with pytest.raises(FileFailure) as caught:
        open_table(str(FIXTURES / name))
    issue = caught.value.issue
    assert (issue.code, issue.severity) == (code, "file")
    assert words in issue.message and issue.hint
    assert issue.file == str(FIXTURES / name)


def test_malformed_sheet_xml_is_a_corrupt_file(tmp_path):
    source = FIXTURES / "clean.xlsx"
    path = tmp_path / "malformed.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            copy.writestr(item, b"<worksheet><sheetData><row r=" if item.filename.endswith("sheet1.xml") else data)
    with pytest.raises(FileFailure) as caught:
        open_table(str(path))
    assert caught.value.code == "corrupt_file"


def test_missing_file():
    with pytest.raises(FileFailure) as caught:
        open_table("/nonexistent/tickets.xlsx")
    assert caught.value.code == "file_not_found"


@pytest.mark.parametrize("size", [1, 7, 64, 65, 2000])
def test_the_count_keeps_what_follows_a_marker_however_the_part_is_chunked(size):
    import re

    from citistat.ingest.safety import Tail

    data = b"x" * 1000 + b'<row/></sheetData><mergeCells><mergeCell ref="A1:B2"/></mergeCells>'
    tail = Tail("xl/worksheets/sheet1.xml", re.compile(rb"</(?:\w+:)?sheetData>"))
    for start in range(0, len(data), size):
        tail.feed(data[start : start + size])
    assert tail.found == b'<mergeCells><mergeCell ref="A1:B2"/></mergeCells>'
