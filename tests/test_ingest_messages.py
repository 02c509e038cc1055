"""Every message of a load is worded in the run's language, file-level failures included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from citistat import ingest
from citistat.ingest.rawtable import FileFailure
from citistat.ingest.readers import open_table
from citistat.messages import load_messages

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
INGEST_SOURCES = sorted((Path(ingest.__file__).parent).glob("*.py"))
CATALOGUE = {
    key.removeprefix("issue.").removesuffix(".message")
    for key in load_messages("en").table
    if key.startswith("issue.") and key.endswith(".message")
}
_CALLS = re.compile(r"""(?:FileFailure\.of|_info|_plain_issue|\.issue)\(\s*"([a-z0-9_.]+)\"""")
_WORDED = re.compile(r"""_worded\(\s*"([a-z0-9_]+)\"""")


def test_every_key_the_readers_use_is_in_the_catalogue():
    source = "\n".join(path.read_text("utf-8") for path in INGEST_SOURCES)
    used = (
        set(_CALLS.findall(source))
        | {f"{code}.table" for code in _WORDED.findall(source)}
        | set(_WORDED.findall(source))
    )
    assert len(used) > 30  # the pattern still finds the call sites
    assert sorted(used - set(CATALOGUE)) == []


@pytest.mark.parametrize(
    ("fixture", "code", "chinese", "english"),
    [
        ("empty.csv", "empty_file", "是空文件", "is empty"),
        ("truncated.xlsx", "corrupt_file", "损坏或不完整", "damaged or truncated"),
        ("encrypted.xlsx", "encrypted_file", "设有密码保护", "protected by a password"),
        ("billion_laughs.xlsx", "xml_entities", "声明了 DTD", "declares a DTD"),
        ("not_a_workbook.xlsx", "not_a_workbook", "不是 Excel 工作簿", "not an Excel workbook"),
    ],
)
def test_file_failures_follow_the_language(fixture, code, chinese, english):
    worded = {}
    for lang in ("zh-CN", "en"):
        with pytest.raises(FileFailure) as raised:
            open_table(FIXTURES / fixture, lang=lang)
        assert raised.value.code == code
        worded[lang] = raised.value.issue
    assert chinese in worded["zh-CN"].message and english not in worded["zh-CN"].message
    assert english in worded["en"].message
    assert worded["zh-CN"].hint and worded["zh-CN"].hint != worded["en"].hint


def test_notes_about_a_readable_file_follow_the_language():
    table = open_table(FIXTURES / "title_footer.xlsx", lang="zh-CN")
    by_code = {issue.code: issue.message for issue in table.issues}
    assert by_code["header_found"] == "表头位于第 3 行；其上方 2 行（标题、说明、空行）已跳过"
    assert "已隐藏" in by_code["hidden_sheet_ignored"]


def test_the_language_is_given_and_english_without_one():
    for lang, words in (("zh-CN", "是空文件"), (None, "is empty")):
        with pytest.raises(FileFailure) as raised:
            open_table(FIXTURES / "empty.csv", **({"lang": lang} if lang else {}))
        assert words in raised.value.issue.message and words in str(raised.value)


def test_the_ingest_stage_words_messages_only_through_the_catalogue():
    """One catalogue and one way to word: no language state, no catalogue of its own, no import cycle."""
    source = "\n".join(path.read_text("utf-8") for path in INGEST_SOURCES)
    assert "ContextVar" not in source and "CATALOGUE" not in source
    quality = ast.parse((Path(ingest.__file__).parent.parent / "quality.py").read_text("utf-8"))
    imported = {node.module or "" for node in ast.walk(quality) if isinstance(node, ast.ImportFrom)}
    assert not any(module.startswith("ingest") for module in imported), imported  # quality is below ingest


def test_a_wording_key_keeps_its_reason_code():
    with pytest.raises(FileFailure) as raised:
        open_table(FIXTURES / "truncated.xlsx")
    assert raised.value.code == "corrupt_file"
    assert (
        load_messages("en").issue("corrupt_file.json", file="a.json", detail="x")[0] == "a.json is not valid JSON (x)"
    )


def _issues_of_a_load(tmp_path, lang):
    import csv

    from citistat.config import load_config
    from citistat.ingest import load

    path = tmp_path / "exports.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["工单编号", "受理时间", "主办单位", "是否响应", "是否解决", "回访结果"],
                ["GD1", "2024/3/1 9:10", "市水务局", "是", "已解决", "满意"],
                ["GD2", "2024/2/30 9:10", "市水务局", "是", "已解决", "满意"],
                ["GD3", "2024/3/2 9:10", "某某新设局", "是", "已解决", "满意"],
            ]
        )
    result = load([path], load_config(None), lang=lang, period="2024-03")
    return {issue.code: issue for issue in result.issues}


def test_an_issue_stored_in_one_language_is_worded_again_in_another(tmp_path):
    """A book in English shows an English appendix although the period was loaded in Chinese."""
    import json

    from citistat.quality import DataIssue

    chinese, english = _issues_of_a_load(tmp_path, "zh-CN"), _issues_of_a_load(tmp_path, "en")
    for code in ("bad_date", "unknown_agency", "header_found", "profile_chosen"):
        stored = DataIssue(
            **json.loads(json.dumps(chinese[code].to_dict(), ensure_ascii=False))
        )  # as the archive keeps it
        assert stored.message != english[code].message  # it was Chinese
        assert stored.worded_in("en").message == english[code].message, code
        assert stored.worded_in("en").hint == english[code].hint
        assert stored.worded_in("zh-CN") == chinese[code]


def test_an_issue_worded_by_hand_stays_as_it_is():
    from citistat.quality import DataIssue

    old = DataIssue(code="bad_date", severity="row", message="旧档案里的说明")  # archived before keys were kept
    assert old.worded_in("en") is old
