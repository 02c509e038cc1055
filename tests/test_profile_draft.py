"""`citistat profiles draft FILE`: a first profile for an export no profile reads, every choice with its
reason and what the values cannot tell left as a question; the draft is a valid profile that reads the file."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

from citistat.cli import main
from citistat.config import load_config
from citistat.ingest import load
from citistat.ingest.draft import draft_profile, render_toml
from citistat.ingest.profiles import validate_profile
from citistat.ingest.readers import open_table
from citistat.workspace import open_workspace


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


CASEWORK = [
    "Case Number", "Date Opened", "Date Closed", "Office", "Case Type", "Constituent", "Phone", "Park Facility Name",
]  # fmt: skip


def casework(path: Path) -> Path:
    rows = [
        ["C-101", "03/01/2024", "03/04/2024", "Parks", "Tree", "Jane Roe", "555-0101", "Central Park"],
        ["C-102", "03/02/2024", "", "Roads", "Pothole", "John Doe", "555-0102", ""],
        ["C-103", "03/15/2024", "03/15/2024", "Parks", "Grass", "Ann Poe", "555-0103", "Oak Park"],
        ["C-104", "03/20/2024", "03/29/2024", "Housing", "Heat", "Bo Lee", "555-0104", ""],
    ]
    return write_csv(path / "council_casework.csv", CASEWORK, rows)


def draft_of(path: Path, name: str = "draft") -> tuple[dict, str]:
    config = load_config(None)
    raw = open_table(str(path))
    text = render_toml(draft_profile(raw, config.input_profiles, name))
    return tomllib.loads(text), text


def test_a_casework_export_gets_a_profile_that_reads_it(tmp_path):
    data, text = draft_of(casework(tmp_path))
    assert validate_profile("draft", data) == []
    assert data["columns"]["ticket_id"] == ["Case Number"] and data["columns"]["agency"] == ["Office"]
    assert data["columns"]["created_at"] == ["Date Opened"] and data["columns"]["closed_at"] == ["Date Closed"]
    assert data["columns"]["caller_name"] == ["Constituent"] and data["columns"]["caller_phone"] == ["Phone"]
    assert "Park Facility Name" in text.split("# not mapped:")[1].splitlines()[0]  # a place's name, not a person's
    # a day above 12 (03/15) tells month/day order; no value has a time of day
    assert data["date_order"] == "mdy" and "%m/%d/%Y" in data["date_formats"] and data["date_precision"] == "day"
    assert data["rules"] == {"responded": "closed", "resolved": "closed"}
    assert "a close date means answered" in text and "QUESTION" in text  # the time zone is asked, not assumed


def test_the_written_draft_is_used_by_validate_and_keeps_people_out(tmp_path):
    export = casework(tmp_path)
    ws = tmp_path / "ws"
    assert invoke("init", "-w", ws, "--lang", "en").exit_code == 0
    result = invoke("profiles", "draft", "-w", ws, export)
    assert result.exit_code == 0, result.output
    assert (ws / "config" / "profiles" / "council_casework.toml").is_file()
    again = invoke("profiles", "draft", "-w", ws, export)  # never overwrites a profile someone edited
    assert again.exit_code != 0 and "--force" in again.output
    config = load_config(open_workspace(ws))
    loaded = load([export], config, profile="council_casework", lang="en")
    assert loaded.reconciliation.read == loaded.reconciliation.accepted == 4
    tickets = loaded.tickets.set_index("ticket_id")
    assert tickets.loc["C-103", "created_at"] == pd.Timestamp("2024-03-15")
    assert tickets["responded"].tolist() == [True, False, True, True]
    assert not tickets.astype(str).apply(lambda c: c.str.contains("Jane Roe|555-0101")).any().any()


def test_day_and_month_order_is_asked_when_the_values_cannot_tell(tmp_path):
    rows = [["A1", "03/01/2024 09:00", "Parks"], ["A2", "04/02/2024 10:30", "Roads"]]
    data, text = draft_of(write_csv(tmp_path / "x.csv", ["Request ID", "Created", "Department"], rows))
    assert not any("%m/%d" in f or "%d/%m" in f for f in data["date_formats"])  # never guessed
    assert "month/day and day/month" in text and 'date_order = "dmy"' in text
    assert "date_precision" not in data


def test_a_12345_sheet_reuses_the_known_headers_answers_and_statuses(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["区级热线工单导出"])
    sheet.append(["编号", "登记时间", "承办单位", "工单状态", "是否解决", "满意度", "备注"])
    sheet.append(["Q1", "2024-03-05 09:10:00", "区水务局", "已办结", "是", "满意", ""])
    sheet.append(["Q2", "2024-03-06 10:00:00", "区城管委", "处理中", "否", "不满意", ""])
    sheet.append(["Q3", "2024-03-07 11:00:00", "区水务局", "挂起待办", "否", "一般", ""])
    book.save(tmp_path / "district.xlsx")
    data, text = draft_of(tmp_path / "district.xlsx")
    assert validate_profile("draft", data) == []
    assert data["columns"]["agency"] == ["承办单位"] and data["columns"]["ticket_id"] == ["编号"]
    assert data["columns"]["created_at"] == ["登记时间"] and data["columns"]["satisfaction"] == ["满意度"]
    assert data["status"]["closed"] == ["已办结"] and "挂起待办" in text.split("Questions")[1]
    assert "是" in data["flags"]["true"] and data["rules"]["resolved"] == "answer"  # 是否解决 reads flags too
    assert any("满意" in answers for answers in data["satisfaction"].values())


def test_a_file_without_ids_is_read_row_by_row(tmp_path):
    rows = [["2024-03-01", "Parks", "Good"], ["2024-03-01", "Parks", "Bad"]]
    data, text = draft_of(write_csv(tmp_path / "survey.csv", ["Date Reported", "Department", "Comment"], rows))
    assert data["row_identity"] == "row" and "ticket_id" not in data["required"]
    assert validate_profile("draft", data) == []


def test_a_file_a_profile_already_reads_is_not_drafted_without_force(tmp_path):
    header = ["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Status"]
    export = write_csv(tmp_path / "nyc.csv", header, [["1", "05/01/2022 09:00:00 AM", "", "DSNY", "Noise", "Open"]])
    ws = tmp_path / "ws"
    refused = invoke("profiles", "draft", "-w", ws, export)
    assert refused.exit_code == 2 and "nyc-311 already reads" in refused.output
    assert not (ws / "config" / "profiles" / "nyc.toml").exists()
    assert invoke("profiles", "draft", "-w", ws, export, "--force").exit_code == 0
