"""The one message catalogue: every key in both languages, with the same placeholders, defined once."""

from __future__ import annotations

import string

import pytest

from citistat import messages
from citistat.errors import CitistatError
from citistat.messages import CATALOGUE_FILES, LANGUAGES, load_messages


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name} - {"s", "were"}


def test_every_key_exists_in_zh_cn_and_en():
    zh, en = load_messages("zh-CN").table, load_messages("en").table
    assert len(en) > 600  # books, archive pages, data issues and questions are all here
    assert sorted(set(zh) ^ set(en)) == []


def test_both_languages_fill_the_same_placeholders():
    zh, en = load_messages("zh-CN").table, load_messages("en").table
    differ = {
        key: (_placeholders(zh[key]), _placeholders(en[key]))
        for key in en
        if _placeholders(zh[key]) != _placeholders(en[key])
    }
    assert differ == {}


def test_every_data_issue_has_a_message_and_a_hint():
    table = load_messages("en").table
    issues = {key.rpartition(".")[0] for key in table if key.startswith("issue.")}
    assert len(issues) > 80
    assert sorted(k for k in issues if f"{k}.message" not in table or f"{k}.hint" not in table) == []


def test_a_key_defined_in_two_files_is_refused(tmp_path, monkeypatch):
    for name in CATALOGUE_FILES:
        for lang in LANGUAGES:
            (tmp_path / name.format(lang=lang)).write_text("", "utf-8")
    (tmp_path / "en.toml").write_text('[unit]\ncity = "City"\n', "utf-8")
    (tmp_path / "score.en.toml").write_text('[unit]\ncity = "Citywide"\n', "utf-8")
    monkeypatch.setattr(messages, "LOCALE_DIR", tmp_path)
    load_messages.cache_clear()
    try:
        with pytest.raises(CitistatError, match="unit.city again"):
            load_messages("en")
    finally:
        load_messages.cache_clear()


def test_english_words_agree_with_the_count():
    en = load_messages("en")
    one = en("question.came_back", n=1, days=30)
    assert one.startswith("1 ticket marked solved was followed within 30 days")
    assert en("question.came_back", n=2, days=30).startswith("2 tickets marked solved were followed")
    assert en.issue("blank_rows", count=1)[0] == "skipped 1 blank row"


def test_an_unknown_issue_key_shows_its_reason_code():
    assert load_messages("zh-CN").issue("some_new_code.wording", file="a.csv") == ("some_new_code", "")
