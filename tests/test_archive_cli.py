"""The publish, sessions, followup and notes commands: exit codes, messages, --json."""

from __future__ import annotations

import json

import pytest
from builders import MARCH, build, store  # noqa: E402
from click.testing import CliRunner

from citistat.archive import Archive  # noqa: E402
from citistat.cli import main  # noqa: E402


@pytest.fixture
def workspace(tmp_path):
    with Archive.open(tmp_path / "briefings") as archive:
        store(archive, "2024-03", MARCH)
        build(archive, "2024-03", "2024-04-03")
    return tmp_path


def run(workspace, *args):
    result = CliRunner().invoke(main, [*args, "--workspace", str(workspace)], catch_exceptions=False)
    return result


def test_publish_then_sessions_list_and_show(workspace):
    result = run(workspace, "publish", "--period", "2024-03")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("published 2024-03 revision 1 (3 file(s) frozen)")
    assert (workspace / "briefings" / "index.html").is_file()
    listed = json.loads(run(workspace, "sessions", "list", "--json").output)
    assert [(s["period"], s["revision"], s["status"]) for s in listed] == [("2024-03", 1, "published")]
    shown = json.loads(run(workspace, "sessions", "show", "2024-03", "--json").output)
    assert shown["session"]["meeting_date"] == "2024-04-03" and len(shown["outputs"]) == 3
    assert shown["input_files"][0]["reconciliation"]["rejected"] == 1
    again = run(workspace, "publish", "--period", "2024-03")
    assert again.exit_code == 2 and "already published" in again.output


def test_sessions_verify_exit_code(workspace):
    assert run(workspace, "sessions", "verify").exit_code == 0
    (workspace / "briefings" / "2024-03" / "city-book.pdf").write_text("edited")
    result = run(workspace, "sessions", "verify", "2024-03")
    assert result.exit_code == 1 and "2024-03/city-book.pdf has changed since it was recorded" in result.output


def test_show_of_unknown_period_is_an_error(workspace):
    result = run(workspace, "sessions", "show", "2023-01")
    assert result.exit_code == 2 and "no session for period 2023-01" in result.output


def test_followup_add_list_update_close(workspace):
    added = run(
        workspace,
        "followup",
        "add",
        "--period",
        "2024-03",
        "--agency",
        "市城市管理局",
        "--owner",
        "张三",
        "--due",
        "2024-04-15",
        "--metric",
        "resolution",
        "--kind",
        "data_request",
        "清理积存垃圾",
    )
    assert added.exit_code == 0 and added.output.startswith("#1 ")
    listed = json.loads(run(workspace, "followup", "list", "--period", "2024-03", "--json").output)
    assert [(f["id"], f["owner"], f["metric"], f["kind"], f["raised_on"]) for f in listed] == [
        (1, "张三", "resolution", "data_request", "2024-04-03")
    ]
    assert run(workspace, "followup", "update", "1", "--owner", "李四").exit_code == 0
    closed = run(workspace, "followup", "close", "1", "--note", "已清理", "--on", "2024-04-10")
    assert closed.exit_code == 0 and " done " in closed.output
    shown = json.loads(run(workspace, "followup", "show", "1", "--json").output)
    assert shown["owner"] == "李四" and [h["new_status"] for h in shown["history"]] == ["open", "done"]
    bad = run(
        workspace, "followup", "add", "--period", "2024-03", "--agency", "a", "--owner", "b", "--due", "soon", "x"
    )
    assert bad.exit_code == 2 and "not a date of the form YYYY-MM-DD" in bad.output


def test_followup_import_all_or_nothing_then_skip_bad(workspace, tmp_path):
    sheet = tmp_path / "f.csv"
    sheet.write_text(
        "单位,事项,责任人,完成时限\n市水务局,排查管网,李四,2024-04-30\n市水务局,x,李四,明天\n", encoding="utf-8"
    )
    refused = run(workspace, "followup", "import", str(sheet), "--period", "2024-03")
    assert refused.exit_code == 2 and "row 3" in refused.output and "nothing was imported" in refused.output
    done = run(workspace, "followup", "import", str(sheet), "--period", "2024-03", "--skip-bad", "--json")
    report = json.loads(done.stdout)
    assert report["imported"] == [1] and report["problems"][0]["row"] == 3


def test_notes_set_show_import(workspace):
    result = run(
        workspace,
        "notes",
        "set",
        "--period",
        "2024-03",
        "--agency",
        "市水务局",
        "--topic",
        "漏水",
        "--topic",
        "施工",
        "--internal",
        "内部",
    )
    assert result.exit_code == 0 and "2 topic(s)" in result.output
    shown = json.loads(run(workspace, "notes", "show", "--period", "2024-03", "--json").output)
    assert shown["市水务局"]["discussion_topics"] == ["漏水", "施工"] and shown["市水务局"]["internal"] == "内部"
    folder = workspace / "notes" / "2024-04"
    folder.mkdir(parents=True)
    (folder / "市城市管理局.toml").write_text('accomplishments = ["垃圾清运"]\n', encoding="utf-8")
    imported = run(workspace, "notes", "import", "--period", "2024-04")
    assert imported.exit_code == 0 and "市城市管理局" in imported.output


def test_every_archive_command_has_help_text():
    for group in ("sessions", "followup", "notes"):
        command = main.get_command(None, group)
        assert command.help
        for name, sub in command.commands.items():
            assert sub.help, f"{group} {name} has no help"
    assert main.get_command(None, "publish").help
