"""Notes per session and agency: set, read for the briefing, import from TOML files."""

from __future__ import annotations

import pytest

from citistat.archive import Archive
from citistat.briefing import AgencyNotes
from citistat.errors import ArchiveError


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "briefings") as opened:
        yield opened


def test_set_changes_only_the_fields_given(archive):
    archive.notes.set("2024-03", "市水务局", discussion_topics=["漏水投诉为何翻倍"], internal="内部")
    notes = archive.notes.set("2024-03", "市水务局", response="已完成管网排查")
    assert notes == AgencyNotes("市水务局", ["漏水投诉为何翻倍"], [], "已完成管网排查", "内部")
    assert archive.notes.get("2024-04", "市水务局") == AgencyNotes("市水务局")


def test_notes_for_briefing_are_per_period(archive):
    archive.notes.set("2024-03", "市水务局", accomplishments=["a"])
    archive.notes.set("2024-04", "市城市管理局", accomplishments=["b"])
    assert list(archive.notes.for_briefing("2024-03")) == ["市水务局"]


def test_import_reads_one_toml_per_agency(archive, tmp_path):
    folder = tmp_path / "notes" / "2024-03"
    folder.mkdir(parents=True)
    (folder / "市水务局.toml").write_text(
        'discussion_topics = ["漏水投诉为何翻倍", "夜间施工扰民"]\naccomplishments = ["完成管网排查"]\n'
        'response = """本局已整改。"""\n',
        encoding="utf-8",
    )
    (folder / "市城市管理局.toml").write_text('internal = "仅供内部"\n', encoding="utf-8")
    assert archive.notes.import_folder(folder, "2024-03") == ["市城市管理局", "市水务局"]
    notes = archive.notes.for_briefing("2024-03")
    assert notes["市水务局"].discussion_topics == ["漏水投诉为何翻倍", "夜间施工扰民"]
    assert notes["市水务局"].response == "本局已整改。" and notes["市城市管理局"].internal == "仅供内部"


def test_import_with_a_bad_file_imports_nothing(archive, tmp_path):
    (tmp_path / "市水务局.toml").write_text('accomplishments = ["a"]\n', encoding="utf-8")
    (tmp_path / "市交通委.toml").write_text('topics = ["typo in the key"]\nresponse = 3\n', encoding="utf-8")
    with pytest.raises(ArchiveError) as caught:
        archive.notes.import_folder(tmp_path, "2024-03")
    assert "unknown key 'topics'" in caught.value.message and "response must be a text" in caught.value.message
    assert archive.notes.for_briefing("2024-03") == {}
