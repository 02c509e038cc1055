"""`citistat validate` and `citistat profiles`: exit codes, JSON keys, rejects files, messages."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from citistat.cli import main

HEADER = ["工单编号", "受理时间", "主办单位", "是否响应", "是否解决", "回访结果"]
AGENCY_KEYS = [
    "agency",
    "n_tickets",
    "responded",
    "not_responded",
    "response_unknown",
    "resolved",
    "not_resolved",
    "resolution_unknown",
    "satisfied",
    "dissatisfied",
    "not_surveyed",
    "refused",
    "unreachable",
]


def write_csv(path: Path, rows) -> Path:
    with path.open("w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def good_rows(n=40):
    return [[f"GD{i}", f"2024/3/{1 + i % 28} 9:10", "市水务局", "是", "已解决", "满意"] for i in range(n)]


def run(tmp_path, *args):
    return CliRunner().invoke(main, ["validate", "-w", str(tmp_path), *map(str, args)], catch_exceptions=False)


@pytest.fixture
def clean(tmp_path):
    return write_csv(tmp_path / "clean.csv", good_rows())


def test_clean_file_exits_0_with_a_table(tmp_path, clean):
    result = run(tmp_path, "--lang", "en", clean)
    assert result.exit_code == 0, result.output
    assert "clean.csv" in result.output and "balances" in result.output
    assert "40" in result.output


def test_json_report_keys_and_agency_counts(tmp_path):
    rows = good_rows(38) + [
        ["GD90", "2024/3/9 9:10", "市水务局", "否", "部分解决", "不满意"],
        ["GD91", "2024/3/9 9:10", "市水务局", "", "", "拒绝评价"],
    ]
    path = write_csv(tmp_path / "mixed.csv", rows)
    result = run(tmp_path, "--json", path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= {"ok", "period", "files", "reconciliation", "issues", "issue_counts", "agencies"}
    file = report["files"][0]
    assert file["status"] == "ok" and file["reason"] is None and file["profile"] == "cn-12345"
    assert report["reconciliation"] == {
        "read": 40,
        "accepted": 40,
        "rejected": 0,
        "excluded": 0,
        "duplicates": 0,
        "skipped": 0,
        "balances": True,
    }
    (agency,) = report["agencies"]
    assert list(agency) == AGENCY_KEYS
    # 38 clean rows + one "否/部分解决/不满意" + one blank/blank/拒绝评价.
    assert (agency["n_tickets"], agency["responded"], agency["not_responded"], agency["response_unknown"]) == (
        40,
        38,
        1,
        1,
    )
    assert (agency["resolved"], agency["not_resolved"], agency["resolution_unknown"]) == (38, 1, 1)
    assert (agency["satisfied"], agency["dissatisfied"], agency["refused"]) == (38, 1, 1)
    for issue in report["issues"]:
        assert {"code", "severity", "message", "hint", "file", "row", "column", "raw_value"} <= set(issue)


def test_rejected_rows_exit_1_and_write_the_rejects_files(tmp_path):
    rows = good_rows(39) + [["GD99", "2024-02-30 10:00", "市水务局", "是", "已解决", '=HYPERLINK("x")']]
    path = write_csv(tmp_path / "one_bad.csv", rows)
    out = tmp_path / "rejects"
    result = run(tmp_path, "--json", "--rejects", out, path)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["files"][0]["status"] == "quarantined" and report["issue_counts"]["bad_date"] == 1
    issue = next(i for i in report["issues"] if i["code"] == "bad_date")
    assert (issue["row"], issue["column"], issue["raw_value"]) == (
        41,
        "受理时间",
        "2024-02-30 10:00",
    )  # header = line 1
    text = (out / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "GD99" in text and "'=HYPERLINK" in text  # the formula is neutralised
    assert (out / "rejects.xlsx").stat().st_size > 0


def test_too_many_rejects_fail_the_file(tmp_path):
    rows = good_rows(3) + [[f"X{i}", "not a date", "市水务局", "是", "已解决", "满意"] for i in range(3)]
    result = run(tmp_path, "--json", write_csv(tmp_path / "bad.csv", rows))
    assert result.exit_code == 1
    file = json.loads(result.stdout)["files"][0]
    assert (file["status"], file["reason"]) == ("failed", "too_many_rejects")


def test_strict_turns_warnings_into_failure(tmp_path):
    rows = good_rows(39) + [["GD99", "2024/3/9 9:10", "市水务局", "也许", "已解决", "满意"]]
    path = write_csv(tmp_path / "warn.csv", rows)
    assert run(tmp_path, path).exit_code == 0
    assert run(tmp_path, "--strict", path).exit_code == 1


def test_period_excludes_other_months(tmp_path, clean):
    result = run(tmp_path, "--json", "--period", "2024-04", clean)
    report = json.loads(result.stdout)
    assert report["reconciliation"]["excluded"] == 40 and report["reconciliation"]["accepted"] == 0
    assert report["issue_counts"]["out_of_period"] == 1


def test_a_failed_file_exits_1_and_the_others_are_still_read(tmp_path, clean):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated")
    result = run(tmp_path, "--json", broken, clean)
    assert result.exit_code == 1
    statuses = [f["status"] for f in json.loads(result.stdout)["files"]]
    assert statuses == ["failed", "ok"]


def test_usage_errors_exit_2(tmp_path, clean):
    assert run(tmp_path, "--period", "2024-13", clean).exit_code == 2
    assert run(tmp_path, tmp_path / "missing.csv").exit_code == 2


def test_messages_follow_the_language(tmp_path):
    rows = good_rows(39) + [["GD99", "待补录", "市水务局", "是", "已解决", "满意"]]
    path = write_csv(tmp_path / "x.csv", rows)
    assert "不是可识别的日期" in run(tmp_path, "--lang", "zh-CN", path).output
    assert "is not a valid date" in run(tmp_path, "--lang", "en", path).output


def test_profiles_command_lists_sources_and_fields(tmp_path):
    result = CliRunner().invoke(main, ["profiles", "-w", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert {"cn-12345", "nyc-311", "la-311", "open311"} <= set(rows)
    assert rows["nyc-311"]["source"].endswith("nyc-311.toml")
    assert "due_at" in rows["nyc-311"]["fields"] and "agency" in rows["cn-petition-board"]["derived"]
    text = CliRunner().invoke(main, ["profiles", "-w", str(tmp_path)]).output
    assert "la-311" in text and "fields:" in text


def test_every_reason_code_has_both_languages_and_a_formatted_message():
    from citistat.messages import load_messages

    keys = {key.removesuffix(".message") for key in load_messages("en").table if key.endswith(".message")}
    assert len(keys) > 80
    for lang in ("zh-CN", "en"):
        for key in sorted(keys):
            text, hint = load_messages(lang).issue(
                key.removeprefix("issue."), column="C", value="v", count=2, period="2024-03", kept="k", formats="f"
            )
            assert "{" not in text + hint, (key, lang)


def test_english_counts_agree_with_their_nouns():
    from citistat.messages import load_messages

    en, zh = load_messages("en"), load_messages("zh-CN")
    assert "(1 ticket); kept" in en.issue("unknown_agency", value="BSS", count=1)[0]
    assert "(3 tickets); kept" in en.issue("unknown_agency", value="BSS", count=3)[0]
    assert en.issue("blank_rows", count=1)[0] == "skipped 1 blank row"
    assert "1 件工单" in zh.issue("unknown_agency", value="某局", count=1)[0]


def test_the_chinese_table_lines_up_on_a_terminal(tmp_path, clean):
    from citistat.terminal import display_width

    result = run(tmp_path, "--lang", "zh-CN", clean)
    table = result.output.splitlines()[:3]  # header, the file, the total
    assert table[1].split()[1] == "正常" and table[2].startswith("合计")
    assert len({display_width(line) for line in table}) == 1, table
