"""The early-warning export for the hotline centre: every flagged caller and contact, formula-safe."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from click.testing import CliRunner

from citistat.cli import main
from citistat.early_warning_export import write_early_warning
from citistat.errors import CitistatError
from citistat.foresight import EarlyWarning, TimelineEvent

HOSTILE = '=HYPERLINK("http://x","点我")'


def entry(rank: int, key: str, category: str = "物业管理") -> EarlyWarning:
    return EarlyWarning(
        rank=rank,
        caller_key=key,
        caller_ref=f"R-{rank:06d}",
        score=30.0 - rank,
        reasons=["came_back", "unresolved"],
        contacts=3,
        contacts_in_period=2,
        recent_contacts=2,
        earlier_contacts=1,
        after_solved=2,
        agencies=["东华门街道"],
        categories=[category],
        places=["东城区 / 东华门街道"],
        oldest_unresolved_days=45,
        first_seen="2024-02-01",
        last_seen="2024-03-20",
        timeline=[
            TimelineEvent("2024-02-01", f"T{rank}1", category, "东华门街道", "solved", "dissatisfied"),
            TimelineEvent("2024-03-20", f"T{rank}2", category, "东华门街道", "open", "unknown"),
        ],
    )


def test_csv_has_a_row_per_contact_and_no_live_formula(tmp_path):
    path = write_early_warning(tmp_path / "ew.csv", [entry(1, "k1", HOSTILE), entry(2, "k2")], lang="en")
    rows = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["Rank", "Ref", "Caller key (salted)"]
    assert len(rows) == 1 + 4
    assert all(not cell.startswith("=") for row in rows for cell in row)
    assert rows[1][rows[0].index("Category")] == "'" + HOSTILE
    assert rows[1][rows[0].index("Why")] == "back after “solved”; unresolved for long"
    assert rows[2][rows[0].index("Outcome")] == "open"


def test_xlsx_has_callers_and_their_case_histories(tmp_path):
    path = write_early_warning(tmp_path / "ew.xlsx", [entry(1, "k1", HOSTILE), entry(2, "k2")], lang="zh-CN")
    book = openpyxl.load_workbook(path)
    callers, events = book["预警来电人"], book["案件经过"]
    assert [c.value for c in callers[2]][:3] == [1, "R-000001", "k1"]
    assert callers.max_row == 3 and events.max_row == 5
    assert all(c.data_type != "f" for row in events.iter_rows() for c in row)


def test_other_suffixes_are_refused(tmp_path):
    with pytest.raises(CitistatError, match=r"\.csv or \.xlsx"):
        write_early_warning(tmp_path / "ew.json", [entry(1, "k1")])


def test_the_command_writes_the_sample_periods_list(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "sample_data").glob("12345_工单_2024-0[123]*"))
    out = tmp_path / "ew.csv"
    result = CliRunner().invoke(
        main,
        [
            "early-warning",
            "--period",
            "2024-03",
            "--workspace",
            str(tmp_path),
            "--out",
            str(out),
            "--lang",
            "en",
            *map(str, files),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
    assert rows[0]["Rank"] == "1" and rows[0]["Categories"] == "房屋拆迁"
    assert "phone" not in out.read_text("utf-8-sig").lower()


def test_metrics_json_carries_the_entries_by_key_and_the_hot_spot_scan(tmp_path):
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "sample_data").glob("12345_工单_2024-0[123]*"))
    result = CliRunner().invoke(
        main, ["metrics", "--period", "2024-03", "--json", "--workspace", str(tmp_path), *map(str, files)]
    )
    assert result.exit_code == 0, result.output
    foresight = json.loads(result.output)["foresight"]
    top = foresight["early_warning"][0]
    assert top["categories"] == ["房屋拆迁"] and "came_back" in top["reasons"] and len(top["caller_key"]) == 16
    assert set(top["timeline"][0]) == {"date", "ticket_id", "category", "agency", "outcome", "satisfaction"}
    assert foresight["early_warning_flagged"] >= len(foresight["early_warning"])
    # Three months of history: the scan runs on what there is and says the season is unknown.
    scan = foresight["hotspots"]
    assert scan["baseline_periods"] == 2 and scan["seasonal"] is False and scan["cells_tested"] > 0
    assert all({"p_value", "q_value"} <= set(s) for s in scan["hot_spots"])
