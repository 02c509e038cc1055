"""The synthetic export generator: determinism, layout, plausible numbers, planted stories and mess."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from citistat.cli import main
from citistat.commands import sample as sample_command
from citistat.commands.sample import parse_periods
from citistat.config import read_csv_table
from citistat.errors import UsageError
from citistat.sample import (
    COLUMNS,
    CSV_HEADER_SYNONYMS,
    codes,
    generate_by_period,
    generate_tickets,
    period_range,
    write_agency_tables,
    write_export,
    write_sample_set,
)
from citistat.sample.agencies import (
    IMPROVING_UNITS,
    SUSPICIOUS_FROM,
    SUSPICIOUS_UNIT,
    WEAK_UNITS,
    alias_rows,
    select_agencies,
)
from citistat.sample.catalog import RENAMED_NEW, RENAMED_OLD
from citistat.sample.generate import resolution_codes, satisfaction_codes, ticket_ids
from citistat.sample.sample_set import IDENTICAL_COPIES, render_readme, split_file_names
from citistat.sample.writers import default_export_time

REPO = Path(__file__).resolve().parent.parent
YEAR = period_range("2023-03", "2024-03")
SATISFIED = ["非常满意", "满意", "基本满意"]
DISSATISFIED = ["不满意", "非常不满意"]


@pytest.fixture(scope="module")
def history() -> dict[str, pd.DataFrame]:
    """A year of the default city at 2,000 tickets a month (about 0.2 s)."""
    return generate_by_period(YEAR, 2000)


@pytest.fixture(scope="module")
def tickets(history) -> pd.DataFrame:
    """All periods in one frame, with the canonical agency and the period beside the raw columns."""
    aliases = {row["alias"]: row["canonical"] for row in alias_rows(select_agencies(60, np.random.default_rng(0)))}
    frames = [frame.assign(period=period) for period, frame in history.items()]
    frame = pd.concat(frames, ignore_index=True)
    folded = frame["承办单位"].map(lambda name: "".join(unicodedata.normalize("NFKC", name).split()))
    frame["agency"] = folded.map(lambda name: aliases.get(name, name))
    frame["created"] = pd.to_datetime(frame["来电时间"].where(frame["来电时间"].map(lambda v: not isinstance(v, str))))
    return frame


def satisfaction_rate(answers: pd.Series) -> float:
    satisfied, dissatisfied = answers.isin(SATISFIED).sum(), answers.isin(DISSATISFIED).sum()
    return satisfied / (satisfied + dissatisfied)


# --- determinism and layout -----------------------------------------------------------------------


def test_same_seed_gives_the_same_frame_and_another_seed_does_not():
    first = generate_tickets(["2024-01", "2024-02"], 300, seed=3)
    again = generate_tickets(["2024-01", "2024-02"], 300, seed=3)
    other = generate_tickets(["2024-01", "2024-02"], 300, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert (first["联系电话"] != other["联系电话"]).mean() > 0.9


def test_frame_has_the_export_columns_and_one_row_per_ticket():
    frame = generate_tickets(["2024-01", "2024-02"], 250)
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 2 * 250
    ids = frame["工单编号"].str.lstrip("\t'")
    assert ids.str.fullmatch(r"GD\d{8}\d{4}").all()
    assert ids.is_unique
    created = frame["来电时间"][frame["来电时间"].map(lambda v: not isinstance(v, str))]
    assert pd.to_datetime(created).dt.strftime("%Y-%m").isin(["2024-01", "2024-02"]).all()


def test_ids_count_within_the_day_and_widen_past_9999():
    morning = np.datetime64("2024-03-05T09:00:00", "s")
    few = np.array([morning, morning, morning + np.timedelta64(1, "D")])
    assert list(ticket_ids(few)) == ["GD202403050001", "GD202403050002", "GD202403060001"]
    busy = np.full(10_000, morning)
    assert ticket_ids(busy)[-1] == "GD2024030510000" and ticket_ids(busy)[0] == "GD2024030500001"


def test_agency_count_is_honoured_and_bounded():
    frame = generate_tickets(["2024-02"], 400, agencies=9, messy=False)
    assert frame["承办单位"].nunique() <= 9
    with pytest.raises(ValueError, match="between 2 and 60"):
        generate_tickets(["2024-02"], 10, agencies=61)


# --- plausible numbers and planted stories --------------------------------------------------------


def test_most_units_answer_between_ninety_and_ninety_nine_percent(tickets):
    rates = tickets.groupby("agency")["满意度"].apply(satisfaction_rate)
    assert len(rates) == 60
    assert (rates.between(0.88, 1.0)).sum() >= 48
    assert rates[list(WEAK_UNITS)].between(0.70, 0.88).all()
    resolved = tickets.groupby("agency")["是否解决"].apply(
        lambda s: s.eq("已解决").sum() / s.isin(["已解决", "未解决", "部分解决"]).sum()
    )
    assert resolved.median() > 0.9 and resolved[list(WEAK_UNITS)].max() < 0.86


def test_improving_units_improve_over_the_year(tickets):
    for unit in IMPROVING_UNITS:
        own = tickets[tickets["agency"] == unit]
        early = satisfaction_rate(own[own["period"] <= "2023-05"]["满意度"])
        late = satisfaction_rate(own[own["period"] >= "2024-01"]["满意度"])
        assert late - early > 0.08, (unit, early, late)  # planted ramp: 78 % → 96.5 %


def test_suspicious_unit_jumps_to_basically_satisfied_and_quick_closes(tickets):
    own = tickets[tickets["agency"] == SUSPICIOUS_UNIT]
    before, after = own[own["period"] < SUSPICIOUS_FROM], own[own["period"] >= SUSPICIOUS_FROM]

    def basic_share(part):
        return part["满意度"].eq("基本满意").sum() / part["满意度"].isin(SATISFIED).sum()

    def quick_share(part):
        minutes = (part["办结时间"] - part["created"]).dt.total_seconds() / 60
        return (minutes < 15).sum() / part["办结时间"].notna().sum()

    assert basic_share(before) < 0.25 and basic_share(after) > 0.45
    assert quick_share(before) < 0.02 and quick_share(after) > 0.2
    assert satisfaction_rate(after["满意度"]) > 0.97


def test_satisfaction_is_calibrated_to_the_target():
    # target 0.90 with 80 % resolved: unresolved tickets are satisfied with p = 0.6 × 0.90 = 0.54,
    # resolved ones with p = (0.90 − 0.20 × 0.54) / 0.80 = 0.99, so overall 0.8 × 0.99 + 0.2 × 0.54 = 0.90
    rng = np.random.default_rng(1)
    n = 200_000
    resolve_p = np.full(n, 0.8)
    resolved = resolution_codes(resolve_p, rng)
    answers = satisfaction_codes(resolved, resolve_p, np.full(n, 0.9), np.full(n, 0.1), rng)
    real = answers <= codes.LAST_REAL_ANSWER
    satisfied = answers <= codes.BASICALLY_SATISFIED
    assert abs(satisfied.sum() / real.sum() - 0.90) < 0.005
    assert abs((answers == codes.BASICALLY_SATISFIED).sum() / satisfied.sum() - 0.10) < 0.005
    assert abs((~real).mean() - 0.06) < 0.003  # 未回访 3 % + 拒绝评价 1 % + 无法联系 1.5 % + blank 0.5 %


def test_unknown_answers_are_present_but_rare(tickets):
    counts = tickets["满意度"].value_counts(dropna=False)
    for answer in ("未回访", "拒绝评价", "无法联系"):
        assert counts[answer] > 0
    assert tickets["满意度"].isna().sum() > 0
    assert tickets["满意度"].isin(SATISFIED + DISSATISFIED).mean() > 0.8


def test_heating_complaints_come_in_winter(tickets):
    heating = tickets[tickets["诉求类别"] == "供暖"].groupby("period").size()
    assert heating["2023-12"] > 5 * heating["2023-07"]


def test_the_rename_shows_in_history(tickets):
    raw = tickets["承办单位"].str.strip(" \t\u3000\u00a0")
    before = tickets["period"] < "2024-01"
    assert raw[before].eq(RENAMED_OLD).sum() > 50 and not raw[before].eq(RENAMED_NEW).any()
    assert raw[~before].eq(RENAMED_NEW).sum() > 50 and not raw[~before].eq(RENAMED_OLD).any()
    renamed = tickets[tickets["agency"] == RENAMED_NEW]  # through the alias table: one history
    assert set(renamed["period"]) == set(YEAR)


def test_repeat_callers_come_back(tickets):
    per_phone = tickets.groupby("联系电话")
    assert (per_phone.size() >= 8).sum() >= 5
    # the same place again and again
    same_place = tickets.groupby(["联系电话", "社区", "诉求子类"]).size()
    assert same_place.max() >= 20
    # dissatisfied again and again
    dissatisfied = tickets[tickets["满意度"].isin(DISSATISFIED)].groupby("联系电话").size()
    assert (dissatisfied >= 4).sum() >= 3
    # a ticket marked 已解决, then the same caller about the same thing later
    ordered = tickets.dropna(subset=["created"]).sort_values("created")
    solved = ordered["是否解决"].eq("已解决").astype(int)
    solved_so_far = solved.groupby([ordered["联系电话"], ordered["诉求子类"]]).cumsum()
    assert (solved_so_far - solved > 0).sum() >= 20  # tickets after an earlier solved one


def test_the_escalating_case_grows(tickets):
    case = tickets[(tickets["诉求子类"] == "拆迁补偿") & (tickets["所属街道"] == "北新桥街道")]
    top_caller = case["联系电话"].value_counts().index[0]
    calls = case[case["联系电话"] == top_caller].groupby("period").size()
    assert calls.reindex(YEAR[-3:], fill_value=0).sum() > 2 * calls.reindex(YEAR[:3], fill_value=0).sum()


def test_agency_names_are_messy_in_the_planned_ways(tickets):
    raw = tickets["承办单位"]
    assert raw.str.contains("\u3000").any() and raw.str.contains("\u00a0").any()
    assert raw.str.endswith(" ").any() and raw.str.contains("（").any()
    assert raw.isin(["城管局", "城管委", "住建委"]).any()
    assert (tickets["agency"] != raw).mean() < 0.1  # mess, not chaos


# --- written files --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_period() -> pd.DataFrame:
    return generate_tickets(["2024-02"], 200)


def test_xlsx_has_the_export_layout_and_the_mess(small_period, tmp_path):
    path = write_export(small_period, tmp_path / "feb.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["工单明细", "字典"] and book["字典"].sheet_state == "hidden"
    sheet = book["工单明细"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "示例市12345市民服务热线工单明细（2024年02月）"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:S1"]
    assert rows[1][0].startswith("导出时间：2024-03-01 08:00:00") and "说明" in rows[1][0]
    assert list(rows[2]) == list(COLUMNS)
    data, footer = rows[3:-2], rows[-2:]
    assert len(data) == 200 + 1  # the tickets plus one stray blank row
    assert sum(all(v is None for v in row) for row in data) == 1
    assert footer[0][:2] == ("合计", "共200件") and footer[1][0].startswith("制表人：")
    ids = [row[0] for row in data if row[0] is not None]
    assert any(i.startswith("\t") for i in ids) and any(i.startswith("'") for i in ids)
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(4, 20))
    created = [row[1] for row in data if row[0] is not None]
    assert "待补录" in created and "2024-02-30 10:00" in created
    assert sum(isinstance(v, datetime) for v in created) == 200 - 2
    assert sheet.cell(row=4, column=2).number_format == "yyyy-mm-dd hh:mm:ss"


def test_csv_is_gb18030_with_synonymous_headers(small_period, tmp_path):
    raw = write_export(small_period, tmp_path / "feb.csv", "csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = list(csv.reader(io.StringIO(raw.decode("gb18030"), newline="")))
    assert lines[0][0] == "示例市12345市民服务热线工单明细（2024年02月）"
    header = lines[1]
    assert header == [CSV_HEADER_SYNONYMS.get(c, c) for c in COLUMNS]
    assert {"受理时间", "主办单位", "回访结果", "问题分类"} <= set(header)
    data = lines[2:-2]
    assert len(data) == 201 and sum(not any(row) for row in data) == 1
    created = [row[1] for row in data if any(row)]
    readable = [c for c in created if re.fullmatch(r"2024/2/\d{1,2} \d{1,2}:\d{2}", c)]
    assert len(readable) == 198
    assert lines[-2][:2] == ["合计", "共200件"] and lines[-1][0].startswith("制表人：")


def test_constant_memory_mode_writes_the_same_cells(small_period, tmp_path):
    normal = write_export(small_period, tmp_path / "normal.xlsx", constant_memory=False)
    streamed = write_export(small_period, tmp_path / "streamed.xlsx", constant_memory=True)

    def cells(path):
        return list(openpyxl.load_workbook(path)["工单明细"].iter_rows(values_only=True))

    assert cells(streamed) == cells(normal)


def test_title_and_period_can_be_given(small_period, tmp_path):
    path = write_export(small_period, tmp_path / "t.xlsx", title="某区12345工单", period="2024-02")
    sheet = openpyxl.load_workbook(path)["工单明细"]
    assert sheet["A1"].value == "某区12345工单"


def test_unknown_format_is_refused(small_period, tmp_path):
    with pytest.raises(ValueError, match="xlsx, csv"):
        write_export(small_period, tmp_path / "x.json", "json")


def test_export_time_is_the_morning_after_the_period():
    assert default_export_time("2024-02") == datetime(2024, 3, 1, 8, 0)
    assert default_export_time("2023-12") == datetime(2024, 1, 1, 8, 0)


# --- the sample set -------------------------------------------------------------------------------


def _read_split_period(out: Path, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    xlsx_name, csv_name = split_file_names(period)
    rows = list(openpyxl.load_workbook(out / xlsx_name)["工单明细"].iter_rows(min_row=3, values_only=True))
    first = pd.DataFrame(rows[1:-2], columns=rows[0]).dropna(how="all")
    text = (out / csv_name).read_bytes().decode("gb18030")
    second = pd.read_csv(io.StringIO(text), skiprows=1, dtype=str, keep_default_na=False).iloc[:-2]
    return first, second[second["工单编号"] != ""]


def test_sample_set_overlaps_in_its_last_period(tmp_path):
    written = write_sample_set(tmp_path, tickets_per_period=150, periods=["2024-02", "2024-03"])
    assert [p.name for p in written] == ["12345_工单_2024-02.xlsx", *split_file_names("2024-03"), "README.md"]
    first, second = _read_split_period(tmp_path, "2024-03")
    assert set(first["所属区"]) <= {"东城区", "西城区"}
    shared = sorted(set(first["工单编号"]) & set(second["工单编号"]))
    assert len(shared) == IDENTICAL_COPIES + 1
    closed_first = first.set_index("工单编号").loc[shared, "办结时间"]
    closed_second = pd.to_datetime(second.set_index("工单编号").loc[shared, "办结时间"], format="%Y/%m/%d %H:%M")
    later = closed_second - closed_first.dt.floor("min")
    assert (later == pd.Timedelta(0)).sum() == IDENTICAL_COPIES  # the CSV drops seconds
    assert (later == pd.Timedelta(days=1, hours=3)).sum() == 1


def test_formats_give_one_file_per_period_and_format(tmp_path):
    written = write_sample_set(
        tmp_path, tickets_per_period=20, periods=["2024-03"], formats=("xlsx", "csv"), readme=False
    )
    assert [p.name for p in written] == ["12345_工单_2024-03.xlsx", "12345_工单_2024-03.csv"]


def test_shipped_sample_data_is_what_the_command_writes(tmp_path):
    shipped = REPO / "sample_data"
    periods = period_range("2023-03", "2024-03")
    files = [f"12345_工单_{p}.xlsx" for p in periods[:-1]] + list(split_file_names("2024-03"))
    assert sorted(p.name for p in shipped.iterdir() if p.is_file()) == sorted([*files, "README.md"])
    readme = render_readme(periods, 2500, 7, 60, files, None, "sample_data")
    assert (shipped / "README.md").read_text(encoding="utf-8") == readme
    assert "fake" in readme.lower() or "made up" in readme
    march = generate_by_period(periods, 2500)["2023-03"]
    write_export(march, tmp_path / files[0], period="2023-03")
    assert (tmp_path / files[0]).read_bytes() == (shipped / files[0]).read_bytes()


def test_agency_tables_match_the_shipped_configuration(tmp_path):
    write_agency_tables(tmp_path)
    for name in ("roster.csv", "aliases.csv"):
        assert (tmp_path / "agencies" / name).read_text(encoding="utf-8") == (
            REPO / "config" / "agencies" / name
        ).read_text(encoding="utf-8")
    problems: list[str] = []
    roster = read_csv_table(REPO / "config/agencies/roster.csv", ("agency", "unit_type"), problems)
    aliases = read_csv_table(REPO / "config/agencies/aliases.csv", ("alias", "canonical"), problems)
    assert problems == []
    assert len(roster) == 60
    assert sum(r["unit_type"] == "委办局" for r in roster) == 20
    assert all(r["district"] for r in roster if r["unit_type"] == "街乡镇")
    assert {"alias": RENAMED_OLD, "canonical": RENAMED_NEW, "valid_to": "2023-12-31"}.items() <= next(
        a for a in aliases if a["alias"] == RENAMED_OLD
    ).items()


def test_every_generated_agency_is_in_the_roster(tickets):
    roster = {row["agency"] for row in read_csv_table(REPO / "config/agencies/roster.csv", ("agency",), [])}
    assert set(tickets["agency"]) == roster


# --- the command ----------------------------------------------------------------------------------


def test_command_writes_files_and_prints_them(tmp_path):
    result = CliRunner().invoke(main, ["sample", str(tmp_path), "--tickets", "30", "--periods", "2024-02..2024-03"])
    assert result.exit_code == 0, result.output
    printed = [line for line in result.stdout.splitlines() if line]
    assert [Path(p).name for p in printed] == ["12345_工单_2024-02.xlsx", *split_file_names("2024-03"), "README.md"]
    assert all(Path(p).is_file() for p in printed)


def test_command_with_format_csv_and_a_seed(tmp_path):
    args = ["sample", str(tmp_path), "-n", "20", "--periods", "2024-01", "--format", "csv", "--seed", "11"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "12345_工单_2024-01.csv").exists()
    assert "--seed 11 --format csv" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_large_sizes_default_to_the_last_period(tmp_path, monkeypatch):
    monkeypatch.setattr(sample_command, "LARGE_TICKETS", 10)
    result = CliRunner().invoke(main, ["sample", str(tmp_path), "--tickets", "25", "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["12345_工单_2024-03.xlsx"]


def test_command_rejects_a_bad_period(tmp_path):
    result = CliRunner().invoke(main, ["sample", str(tmp_path), "--periods", "2024-13"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output
    assert not any(tmp_path.iterdir())


def test_parse_periods():
    assert parse_periods("2023-11..2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert parse_periods("2024-03") == ["2024-03"]
    assert parse_periods("2023-03, 2024-03") == ["2023-03", "2024-03"]
    with pytest.raises(UsageError, match="ends before it starts"):
        parse_periods("2024-03..2023-03")
    with pytest.raises(UsageError, match="twice"):
        parse_periods("2024-03,2024-03")


def test_an_xlsx_export_too_big_for_one_sheet_is_refused_not_truncated(small_period, tmp_path, monkeypatch):
    from citistat.sample import writers

    monkeypatch.setattr(writers, "XLSX_MAX_TICKETS", 150)
    with pytest.raises(ValueError, match="write_export_parts"):
        write_export(small_period, tmp_path / "feb.xlsx")
    assert not (tmp_path / "feb.xlsx").exists()


def test_a_big_month_is_written_as_numbered_parts_that_load_together(small_period, tmp_path, monkeypatch):
    from citistat.config import load_config
    from citistat.ingest import load
    from citistat.sample import writers

    monkeypatch.setattr(writers, "XLSX_MAX_TICKETS", 80)
    paths = writers.write_export_parts(small_period, tmp_path / "feb.xlsx", "xlsx")
    assert [p.name for p in paths] == ["feb-part1of3.xlsx", "feb-part2of3.xlsx", "feb-part3of3.xlsx"]
    footers = [list(openpyxl.load_workbook(p)["工单明细"].iter_rows(values_only=True))[-2][:2] for p in paths]
    assert footers == [("合计", "共80件"), ("合计", "共80件"), ("合计", "共40件")]
    result = load(paths, load_config(None), salt=b"s")
    counts = result.reconciliation
    assert counts.balances() and len(result.files) == 3
    # every ticket is read once (the parts neither overlap nor lose a row); each part's stray blank
    # row, 合计 and 制表人 lines are skipped; 待补录 and 2024-02-30 are the two rejects
    assert (counts.read, counts.skipped, counts.rejected) == (len(small_period) + 3 * 3, 3 * 3, 2)
    assert result.skipped["reason"].tolist().count("blank") == 3
    assert writers.write_export_parts(small_period, tmp_path / "feb.csv", "csv") == [tmp_path / "feb.csv"]


SESSION = Path(__file__).resolve().parents[1] / "sample_data" / "session"


def _session_texts() -> list[tuple[str, str, str]]:
    """(file, agency, text) for every follow-up and note the sample session records."""
    import tomllib

    found = []
    for path in sorted(SESSION.glob("followups-*.csv")):
        for row in csv.DictReader(io.StringIO(path.read_text("utf-8"))):
            found.append((path.name, row["单位"], row["事项"] + " " + (row.get("备注") or "")))
    for path in sorted(SESSION.glob("notes/*/*.toml")):
        notes = tomllib.loads(path.read_text("utf-8"))
        text = " ".join(
            [
                *notes.get("discussion_topics", []),
                *notes.get("accomplishments", []),
                notes.get("response", ""),
                notes.get("internal", ""),
            ]
        )
        found.append((path.name, path.stem, text))
    return found


def test_session_questions_name_only_categories_the_agency_handles(tickets):
    """A question to an agency about a category it never receives (住建委 about 供暖) discredits the book."""
    handled = tickets.groupby("agency")["诉求类别"].agg(set).to_dict()
    categories = set(tickets["诉求类别"].dropna())
    wrong = [
        (name, agency, category)
        for name, agency, text in _session_texts()
        for category in categories
        if category in text and category not in handled.get(agency, set())
    ]
    assert wrong == []
