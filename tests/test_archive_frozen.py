"""Published means frozen down to the last file; verify checks disk, database and manifest.json against
each other; memos are records of their own; what a killed store leaves is listed and collected."""

from __future__ import annotations

import json
import os
import stat

import pytest
from builders import APRIL, MARCH, build, store
from click.testing import CliRunner

from citistat.archive import Archive
from citistat.archive.files import sha256_file
from citistat.cli import main
from citistat.errors import ArchiveError


def build_with_charts(archive, period, text="book"):
    """A build whose HTML book loads a chart and whose PDF has a reuse key, as the render stage writes them."""
    session_build = archive.sessions.begin_build(period)
    folder = session_build.folder
    outputs = [
        folder / "city-book.pdf",
        folder / "city-book.html",
        folder / "charts" / "zh-CN" / "city-trend.png",
        folder / "charts" / "zh-CN" / ".keys" / "city-trend.png.sha256",
        folder / ".keys" / "city-book.pdf.sha256",
    ]
    for path in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{text} {path.name}", encoding="utf-8")
    archive.sessions.record_outputs(session_build, {"config": {}}, outputs)
    return session_build


@pytest.fixture
def published(tmp_path):
    root = tmp_path / "briefings"
    with Archive.open(root) as archive:
        store(archive, "2024-03", MARCH)
        build_with_charts(archive, "2024-03")
        archive.sessions.publish("2024-03")
    return root


def codes(root, period=None):
    with Archive.open(root, readonly=True) as archive:
        return sorted((p.code, p.path) for p in archive.verify(period))


def writable(path):
    os.chmod(path, path.stat().st_mode | stat.S_IWUSR)
    return path


def test_a_clean_published_revision_verifies(published):
    assert codes(published) == []


def test_a_file_added_under_a_published_revision_is_reported(published):
    (published / "2024-03" / "charts" / "zh-CN" / "extra.png").write_bytes(b"png")
    (published / "2024-03" / "data" / "tickets-000000000000.parquet").write_bytes(b"x")
    assert codes(published) == [
        ("unexpected", "2024-03/charts/zh-CN/extra.png"),
        ("unexpected", "2024-03/data/tickets-000000000000.parquet"),
    ]


def test_a_swapped_chart_and_an_edited_key_file_are_reported(published):
    writable(published / "2024-03" / "charts" / "zh-CN" / "city-trend.png").write_bytes(b"another chart")
    writable(published / "2024-03" / ".keys" / "city-book.pdf.sha256").write_text("0" * 64)
    assert codes(published) == [
        ("hash_mismatch", "2024-03/.keys/city-book.pdf.sha256"),
        ("hash_mismatch", "2024-03/charts/zh-CN/city-trend.png"),
    ]


def test_a_missing_file_is_reported(published):
    path = published / "2024-03" / "city-book.html"
    path.unlink()
    assert codes(published) == [("missing", "2024-03/city-book.html")]


def test_a_file_changed_together_with_its_database_hash_disagrees_with_the_manifest(published):
    path = writable(published / "2024-03" / "city-book.pdf")
    path.write_text("forged", encoding="utf-8")
    with Archive.open(published) as archive:
        archive.db.execute("UPDATE outputs SET sha256 = ? WHERE path = ?", (sha256_file(path), "2024-03/city-book.pdf"))
    found = codes(published)
    assert ("disagreement", "2024-03/city-book.pdf") in found
    assert ("hash_mismatch", "2024-03/city-book.pdf") in found  # against the manifest's hash


def test_a_manifest_rewritten_with_its_database_row_breaks_the_chain_of_the_next_build(published):
    with Archive.open(published) as archive:
        store(archive, "2024-04", APRIL)
        build_with_charts(archive, "2024-04")  # its manifest records the hash of 2024-03's
        archive.sessions.publish("2024-04")
    # Forge 2024-03 everywhere it is recorded: file, manifest.json and the database (hash and copy).
    pdf = writable(published / "2024-03" / "city-book.pdf")
    pdf.write_text("forged", encoding="utf-8")
    manifest_path = writable(published / "2024-03" / "manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for output in manifest["outputs"]:
        if output["path"] == "2024-03/city-book.pdf":
            output["sha256"] = sha256_file(pdf)
    text = json.dumps(manifest)
    manifest_path.write_text(text, encoding="utf-8")
    with Archive.open(published) as archive:
        archive.db.execute("UPDATE outputs SET sha256 = ? WHERE path = ?", (sha256_file(pdf), "2024-03/city-book.pdf"))
        archive.db.execute(
            "UPDATE runs SET manifest = ?, manifest_sha256 = ? WHERE manifest_path = ?",
            (text, sha256_file(manifest_path), "2024-03/manifest.json"),
        )
    assert codes(published) == [("chain", "2024-03/manifest.json")]


def test_the_next_revision_of_a_period_chains_the_published_manifest(published):
    with Archive.open(published) as archive:
        build_with_charts(archive, "2024-03", text="again")
        revision_2 = archive.sessions.manifest(archive.sessions.get("2024-03"))
        first = archive.sessions.get("2024-03", 1)
        assert {
            "period": "2024-03",
            "revision": 1,
            "path": "2024-03/manifest.json",
            "sha256": sha256_file(first.folder / "manifest.json"),
        } in revision_2["chain"]


def test_publish_refuses_a_folder_holding_a_file_the_build_did_not_record(tmp_path):
    with Archive.open(tmp_path / "b") as archive:
        store(archive, "2024-03", MARCH)
        session_build = build(archive, "2024-03")
        (session_build.folder / "dropped-in.pdf").write_text("?")
        with pytest.raises(ArchiveError, match="dropped-in.pdf is not part of the published revision"):
            archive.sessions.publish("2024-03")


def test_a_rebuild_of_a_draft_removes_what_the_earlier_build_wrote_and_this_one_did_not(tmp_path):
    with Archive.open(tmp_path / "b") as archive:
        store(archive, "2024-03", MARCH)
        first = build_with_charts(archive, "2024-03")
        build(archive, "2024-03")  # writes no chart this time
        assert not (first.folder / "charts" / "zh-CN" / "city-trend.png").exists()
        archive.sessions.publish("2024-03")
        assert archive.verify() == []


def test_the_memo_after_publishing_writes_nothing_into_the_published_folder(published):
    before = {p: p.read_bytes() for p in (published / "2024-03").rglob("*") if p.is_file()}
    with Archive.open(published) as archive:
        first = archive.memos.next_path("2024-03", "citistat-2024-03-memo-zh-CN.pdf")
        first.parent.mkdir(parents=True)
        first.write_text("memo one")
        archive.memos.record("2024-03", "zh-CN", first)
        second = archive.memos.next_path("2024-03", "citistat-2024-03-memo-zh-CN.pdf")
        assert second != first and second.parent.name == "memo-2"
        assert not os.access(first, os.W_OK) or os.geteuid() == 0
        assert not first.stat().st_mode & stat.S_IWUSR  # frozen as it is recorded
    after = {p: p.read_bytes() for p in (published / "2024-03").rglob("*") if p.is_file()}
    assert after == before
    assert codes(published) == []
    writable(first).write_text("edited memo")
    (first.parent / "slipped-in.pdf").write_text("?")
    assert codes(published) == [
        ("hash_mismatch", "memos/2024-03/memo-1/citistat-2024-03-memo-zh-CN.pdf"),
        ("unexpected", "memos/2024-03/memo-1/slipped-in.pdf"),
    ]


def test_unreferenced_files_are_listed_by_verify_and_removed_by_gc_only_in_drafts(published):
    with Archive.open(published) as archive:
        store(archive, "2024-04", APRIL)
    draft_data = published / "2024-04" / "data"
    orphan = draft_data / "tickets-123456789abc.parquet"
    orphan.write_bytes(b"left by a killed store")
    temp = published / "2024-04" / ".citistat-2024-04-book.pdf.x1y2.tmp"
    temp.write_bytes(b"half a book")
    invoke = lambda *args: CliRunner().invoke(main, [*args, "--workspace", str(published.parent)])  # noqa: E731

    verified = invoke("sessions", "verify")
    assert verified.exit_code == 0, verified.output  # leftovers are not damage
    assert "unreferenced: 2024-04/data/tickets-123456789abc.parquet" in verified.output
    dry = invoke("sessions", "gc")
    assert dry.exit_code == 0 and "would remove 2024-04/data/tickets-123456789abc.parquet" in dry.output
    assert orphan.exists() and temp.exists()  # a dry run by default
    applied = invoke("sessions", "gc", "--apply")
    assert applied.exit_code == 0, applied.output
    assert not orphan.exists() and not temp.exists()
    assert invoke("sessions", "gc").output.strip() == "no unreferenced files"
    assert codes(published) == []


def test_an_archive_of_the_previous_schema_verifies_read_only_before_any_upgrade(tmp_path):
    import sqlite3

    root = tmp_path / "b"
    with Archive.open(root) as archive:
        store(archive, "2024-03", MARCH)
    db = sqlite3.connect(root / "archive.sqlite")
    db.execute("DROP TABLE memos")
    db.execute("DELETE FROM schema_version WHERE version = 2")
    db.commit()
    db.close()
    with Archive.open(root, readonly=True) as reader:
        assert reader.verify() == [] and reader.memos.all() == []
    with Archive.open(root) as writer:  # the next writer upgrades it
        assert writer.memos.all() == [] and writer.verify() == []
