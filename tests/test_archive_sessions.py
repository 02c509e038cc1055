"""Builds, manifests, publishing, immutability and corruption detection."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from builders import MARCH, build, store  # noqa: E402

from citistat.archive import Archive  # noqa: E402
from citistat.archive.files import is_read_only, sha256_file  # noqa: E402
from citistat.errors import ArchiveError  # noqa: E402


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "briefings") as opened:
        store(opened, "2024-03", MARCH)
        yield opened


def test_build_needs_stored_data(archive):
    with pytest.raises(ArchiveError, match="no data stored for period 2024-04"):
        archive.sessions.begin_build("2024-04")


def test_draft_build_goes_to_the_period_folder_and_records_outputs(archive):
    session_build = build(archive, "2024-03", "2024-04-03")
    assert session_build.folder == archive.root / "2024-03" and session_build.revision == 1
    session = archive.sessions.get("2024-03")
    assert (session.build_state, session.meeting_date) == ("built", "2024-04-03")
    roles = {Path(o.path).name: o.role for o in archive.sessions.outputs(session)}
    assert roles == {"city-book.pdf": "city_book", "city-book.html": "city_book", "市城市管理局.pdf": "agency_brief"}


def test_manifest_records_inputs_configuration_versions_and_outputs(archive):
    session_build = build(archive, "2024-03")
    manifest = json.loads((session_build.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"] == [{"name": "hotline.xlsx", "sha256": "ab" * 32, "size": None, "status": "warnings"}]
    assert manifest["config"] == {"weights": [0.1, 0.5, 0.4]} and len(manifest["config_hash"]) == 64
    assert {"citistat", "pandas", "pyarrow"} <= set(manifest["versions"])
    book = session_build.folder / "city-book.pdf"
    assert {
        "path": "2024-03/city-book.pdf",
        "role": "city_book",
        "sha256": sha256_file(book),
        "size": book.stat().st_size,
    } in manifest["outputs"]
    assert manifest["data"]["tickets"]["sha256"] == sha256_file(archive.root / manifest["data"]["tickets"]["path"])
    assert archive.sessions.manifest(archive.sessions.get("2024-03"))["period"] == "2024-03"


def test_outputs_outside_the_build_folder_are_refused(archive, tmp_path):
    session_build = archive.sessions.begin_build("2024-03")
    stray = tmp_path / "elsewhere.pdf"
    stray.write_text("x")
    with pytest.raises(ArchiveError, match="outside"):
        archive.sessions.record_outputs(session_build, {}, [stray])


def test_publish_needs_a_finished_build(archive):
    with pytest.raises(ArchiveError, match="no finished build"):
        archive.sessions.publish("2024-03")
    archive.sessions.begin_build("2024-03")  # started, never recorded: as after a crash
    with pytest.raises(ArchiveError, match="no finished build"):
        archive.sessions.publish("2024-03")


def test_publish_freezes_files_and_a_rebuild_makes_revision_2(archive):
    first = build(archive, "2024-03", "2024-04-03", text="first")
    published = archive.sessions.publish("2024-03")
    assert published.status == "published" and published.published_at
    frozen = {
        p: p.read_bytes() for p in first.folder.rglob("*") if p.is_file() and p.suffix in (".pdf", ".html", ".json")
    }
    assert frozen and all(is_read_only(p) for p in frozen)
    assert all(is_read_only(p) for p in (first.folder / "data").iterdir())

    second = build(archive, "2024-03", text="second")
    assert second.folder == archive.root / "2024-03" / "rev-2" and second.revision == 2
    assert {p: p.read_bytes() for p in frozen} == frozen  # the published books did not change
    assert (second.folder / "city-book.pdf").read_text(encoding="utf-8") == "second city-book.pdf"
    assert [(s.revision, s.status) for s in archive.sessions.all()] == [(1, "published"), (2, "draft")]
    assert archive.sessions.get("2024-03", 1).status == "published"
    assert archive.sessions.publish("2024-03").revision == 2
    with pytest.raises(ArchiveError, match="revision 2 is already published"):
        archive.sessions.publish("2024-03")


def test_rebuild_of_a_draft_replaces_its_outputs(archive):
    build(archive, "2024-03", text="one")
    build(archive, "2024-03", text="two")
    session = archive.sessions.get("2024-03")
    assert session.revision == 1 and len(archive.sessions.outputs(session)) == 3
    assert archive.verify() == []


def test_verify_reports_a_hand_edited_output(archive):
    session_build = build(archive, "2024-03")
    (session_build.folder / "city-book.html").write_text("edited by hand", encoding="utf-8")
    (problem,) = archive.verify("2024-03")
    assert (problem.code, problem.path) == ("hash_mismatch", "2024-03/city-book.html")


def test_verify_reports_missing_and_corrupted_data_and_reading_refuses_them(archive):
    data = archive.root / "2024-03" / "data"
    tickets_file = next(data.glob("tickets-*.parquet"))
    counts_file = next(data.glob("counts-*.parquet"))
    tickets_file.write_bytes(tickets_file.read_bytes()[:-10] + b"0123456789")
    counts_file.unlink()
    problems = {(p.code, Path(p.path).name) for p in archive.verify()}
    assert problems == {("hash_mismatch", tickets_file.name), ("missing", counts_file.name)}
    with pytest.raises(ArchiveError, match="changed since it was stored"):
        archive.periods.tickets("2024-03")
    with pytest.raises(ArchiveError, match="missing"):
        archive.periods.counts("agency")


def test_publish_refuses_files_changed_after_the_build(archive):
    session_build = build(archive, "2024-03")
    (session_build.folder / "city-book.pdf").write_text("tampered", encoding="utf-8")
    with pytest.raises(ArchiveError, match="cannot publish 2024-03"):
        archive.sessions.publish("2024-03")
    assert archive.sessions.get("2024-03").status == "draft"


def test_restoring_a_draft_makes_its_build_stale(archive):
    build(archive, "2024-03")
    store(archive, "2024-03", MARCH[:2])
    assert archive.sessions.get("2024-03").build_state == "none"
    with pytest.raises(ArchiveError, match="no finished build"):
        archive.sessions.publish("2024-03")


def test_outputs_of_a_build_overtaken_by_new_data_are_refused(archive):
    session_build = archive.sessions.begin_build("2024-03")
    book = session_build.folder / "city-book.pdf"
    book.write_text("built from the old data")
    store(archive, "2024-03", MARCH[:2])
    with pytest.raises(ArchiveError, match="stored again after this build began"):
        archive.sessions.record_outputs(session_build, {}, [book])


def test_meeting_date_is_kept_and_inherited_by_the_next_revision(archive):
    assert archive.sessions.meeting_date("2024-03") == date(2024, 4, 3)  # none recorded: the first Wednesday
    build(archive, "2024-03", "2024-04-10")
    assert archive.sessions.meeting_date("2024-03") == date(2024, 4, 10)  # the recorded one wins
    archive.sessions.publish("2024-03")
    assert archive.sessions.begin_build("2024-03").meeting_date == "2024-04-10"


def test_one_meeting_date_rule_follows_the_configured_weekday(tmp_path):
    with Archive.open(tmp_path / "monday", meeting_weekday=0) as archive:
        store(archive, "2024-03", MARCH)
        # March 2024 ends on Sunday 31st; 3 days after is Wednesday 3 April; the next Monday is 8 April.
        assert archive.sessions.meeting_date("2024-03") == date(2024, 4, 8)
        archive.followups.add("市水务局", "x", "李四", period="2024-03")
        assert archive.followups.find("2024-03")[0].raised_on == "2024-04-08"
