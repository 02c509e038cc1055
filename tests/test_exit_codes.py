"""Exit codes as documented: one table (citistat/exit_codes.py, printed in the README and docs/archive.md),
checked on every command of the CLI, each in the situations that give 0, 1 and 2."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import click
from click.testing import CliRunner

from citistat.archive import Archive
from citistat.cli import main
from citistat.exit_codes import DONE, PROBLEMS, REFUSED, markdown_table
from citistat.workspace import DEFAULT_CONFIG_DIR

REPO = Path(__file__).parents[1]
HEADER = ["工单编号", "受理时间", "主办单位", "是否响应", "是否解决", "回访结果"]


def test_the_readme_and_the_docs_print_the_one_table():
    for doc in ("README.md", "docs/archive.md"):
        assert markdown_table().split("\n", 2)[2] in (REPO / doc).read_text(encoding="utf-8"), doc


def leaf_commands(group: click.Group = main, prefix: str = "") -> set[str]:
    names = set()
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        if isinstance(command, click.Group):
            names |= leaf_commands(command, f"{prefix}{name} ")
        else:
            names.add(f"{prefix}{name}")
    return names


def write_csv(path: Path, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def test_every_command_exits_as_documented(tmp_path):
    ws = tmp_path / "ws"
    (ws / "config").mkdir(parents=True)
    settings = (DEFAULT_CONFIG_DIR / "citistat.toml").read_text(encoding="utf-8")
    settings = settings.replace('formats = ["pdf", "html"]', 'formats = ["html"]').replace("workers = 2", "workers = 1")
    (ws / "config" / "citistat.toml").write_text(settings, encoding="utf-8")
    broken = tmp_path / "broken"
    (broken / "config").mkdir(parents=True)
    (broken / "config" / "citistat.toml").write_text("[build\nformats = 3", encoding="utf-8")
    clean = write_csv(
        tmp_path / "clean.csv",
        [[f"GD{i}", f"2024/3/{1 + i % 28} 9:10", "市水务局", "是", "已解决", "满意"] for i in range(30)],
    )
    with_bad_rows = write_csv(
        tmp_path / "bad-rows.csv",
        [
            [f"GB{i}", "不是日期" if i % 3 == 0 else "2024/3/5 9:10", "市水务局", "是", "已解决", "满意"]
            for i in range(30)
        ],
    )
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not a workbook")
    followups = tmp_path / "followups.csv"
    followups.write_text("单位,事项,责任人\n市水务局,清理积存垃圾,张三\n", encoding="utf-8")
    bad_followups = tmp_path / "bad-followups.csv"
    bad_followups.write_text("单位,事项,责任人,完成时限\n市水务局,清理,张三,明天\n", encoding="utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "市水务局.toml").write_text('accomplishments = ["完成管网改造"]\n', encoding="utf-8")
    bad_notes = tmp_path / "bad-notes"
    bad_notes.mkdir()
    (bad_notes / "市水务局.toml").write_text("unknown_key = 1\n", encoding="utf-8")
    W = ["--workspace", str(ws)]

    # (command, arguments, expected exit) in order: later steps use the archive earlier ones made.
    steps = [
        ("init", [*W], DONE),
        ("init", ["--workspace", str(clean)], REFUSED),
        ("sample", [str(tmp_path / "sample"), "--tickets", "5", "--periods", "2024-03", "--agencies", "2"], DONE),
        ("sample", [str(tmp_path / "sample2"), "--periods", "2024-13"], REFUSED),
        ("profiles", [*W], DONE),
        ("profiles", ["--workspace", str(broken)], REFUSED),
        ("profiles draft", [str(clean), "--stdout", *W], DONE),
        ("profiles draft", [str(clean), *W], REFUSED),  # cn-12345 reads it already: a draft would compete
        ("config", [*W], DONE),
        ("config", ["--workspace", str(broken)], REFUSED),
        ("validate", [str(clean), *W], DONE),
        ("validate", [str(with_bad_rows), *W], PROBLEMS),
        ("validate", [str(garbage), *W], PROBLEMS),
        ("validate", [str(tmp_path / "missing.csv"), *W], REFUSED),
        ("ingest", [str(garbage), *W], PROBLEMS),  # every file failed: still "files failed", as the table says
        ("ingest", [str(clean), "--period", "2024-05", *W], REFUSED),  # no ticket of the period asked for
        ("ingest", [str(clean), *W], DONE),
        ("ingest", [str(clean), str(with_bad_rows), *W], PROBLEMS),
        ("metrics", ["--period", "2024-03", *W], DONE),
        ("metrics", ["--period", "2023-01", *W], REFUSED),
        ("run", ["--period", "2024-03", str(clean), *W], DONE),
        ("run", ["--period", "2024-03", str(clean), str(garbage), *W], PROBLEMS),
        ("run", ["--period", "2024-03", *W], REFUSED),
        ("build", ["--period", "2024-03", *W], DONE),
        ("build", ["--period", "2023-01", *W], REFUSED),
        ("notes set", ["--period", "2024-03", "--agency", "市水务局", "--topic", "积水", *W], DONE),
        ("notes set", ["--period", "2024-03", *W], REFUSED),
        ("notes show", ["--period", "2024-03", *W], DONE),
        ("notes import", ["--period", "2024-03", str(notes), *W], DONE),
        ("notes import", ["--period", "2024-03", str(bad_notes), *W], REFUSED),
        ("agenda set", ["--period", "2024-03", "--focus", "市水务局", "--reason", "积水", *W], DONE),
        ("agenda set", ["--period", "2024-03", "--focus", "不在名册的局", *W], REFUSED),
        ("agenda show", ["--period", "2024-03", *W], DONE),
        ("agenda clear", ["--period", "2024-02", *W], DONE),
        ("agenda show", ["--period", "2024-03", "--workspace", str(broken)], REFUSED),
        ("followup add", ["x", "--period", "2024-03", "--agency", "市水务局", "--owner", "张三", *W], DONE),
        (
            "followup add",
            ["x", "--period", "2024-03", "--agency", "市水务局", "--owner", "张三", "--due", "soon", *W],
            REFUSED,
        ),
        ("followup list", [*W], DONE),
        ("followup show", ["1", *W], DONE),
        ("followup show", ["99", *W], REFUSED),
        ("followup update", ["1", "--owner", "李四", *W], DONE),
        ("followup close", ["1", "--note", "done", *W], DONE),
        ("followup close", ["99", *W], REFUSED),
        ("followup import", [str(followups), "--period", "2024-03", *W], DONE),
        ("followup import", [str(bad_followups), "--period", "2024-03", *W], REFUSED),
        ("recount", ["--periods", "2024-03", "--engine", "duckdb", *W], DONE),
        ("recount", ["--periods", "2024-13", *W], REFUSED),
        ("publish", ["--period", "2024-03", *W], DONE),
        ("publish", ["--period", "2024-03", *W], REFUSED),  # already published
        ("memo", ["--period", "2024-03", *W], DONE),
        ("memo", ["--period", "2023-01", *W], REFUSED),
        ("early-warning", ["--period", "2024-03", "--out", str(tmp_path / "ew.csv"), *W], DONE),
        ("early-warning", ["--period", "2023-01", *W], REFUSED),
        ("export", ["--period", "2024-03", "--public", *W], DONE),
        ("export", ["--period", "2023-01", "--public", *W], REFUSED),
        ("report", ["--year", "2024", *W], DONE),
        ("report", ["--year", "2019", *W], REFUSED),
        ("sessions list", [*W], DONE),
        ("sessions show", ["2024-03", *W], DONE),
        ("sessions show", ["2023-01", *W], REFUSED),
        ("sessions index", [*W], DONE),
        ("sessions gc", [*W], DONE),
        ("sessions verify", [*W], DONE),
        ("sessions verify", ["2024-13", *W], REFUSED),
        ("tamper", [], None),
        ("sessions verify", [*W], PROBLEMS),
        ("sessions list", ["--workspace", str(tmp_path / "no-archive")], REFUSED),
    ]
    assert leaf_commands() <= {name for name, _, _ in steps}, "a command without its exit codes tested"

    wrong = []
    for name, args, expected in steps:
        if name == "tamper":
            book = next((ws / "briefings" / "2024-03").glob("*.html"))
            os.chmod(book, 0o644)
            book.write_text("edited", encoding="utf-8")
            continue
        result = CliRunner().invoke(main, [*name.split(), *args])
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if result.exit_code != expected or crashed:
            wrong.append(
                f"citistat {name} {' '.join(args)} → {result.exit_code} (expected {expected})"
                f"\n{result.output[-400:]}{result.exception!r}"
            )
    assert not wrong, "\n\n".join(wrong)


def test_a_writer_refused_by_the_lock_exits_2(tmp_path):
    with Archive.open(tmp_path / "briefings"):
        result = CliRunner().invoke(
            main,
            [
                "followup",
                "add",
                "x",
                "--period",
                "2024-03",
                "--agency",
                "a",
                "--owner",
                "o",
                "--workspace",
                str(tmp_path),
            ],
        )
    assert result.exit_code == REFUSED and "is in use by process" in result.output
