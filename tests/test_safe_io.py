"""Atomic writes and formula-injection neutralisation."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from citistat.safe_io import atomic_write_text, neutralise_cell, write_table_csv, write_table_xlsx


@pytest.mark.parametrize("raw", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '＝HYPERLINK("x")', " =1"])
def test_cells_a_spreadsheet_would_execute_are_neutralised(raw):
    assert neutralise_cell(raw) == "'" + raw


@pytest.mark.parametrize("raw", ["市城管局", "GD2024", "", None, 3, 2.5])
def test_harmless_cells_pass_through(raw):
    assert neutralise_cell(raw) == raw


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a" / "b.txt"
    atomic_write_text(target, "一")
    atomic_write_text(target, "二")
    assert target.read_text(encoding="utf-8") == "二"
    assert [p.name for p in target.parent.iterdir()] == ["b.txt"]


def test_csv_is_excel_friendly_and_inert(tmp_path):
    path = write_table_csv(tmp_path / "r.csv", ["单位", "值"], [["=cmd|' /C calc'!A0", 1], ["朝阳门街道", None]])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[1][0].startswith("'=")
    assert rows[2] == ["朝阳门街道", ""]


def test_xlsx_writes_strings_as_strings(tmp_path):
    path = write_table_xlsx(tmp_path / "t.xlsx", {"排名": (["单位", "公式"], [["A", "=1+1"], ["B", "@x"]])})
    sheet = openpyxl.load_workbook(path).active
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == "'=1+1"
    assert sheet["B3"].value == "'@x"


def test_atomic_write_gives_the_usual_file_mode(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "m.txt", "x")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
