"""Storing periods: schema, round trips, change summaries, the published-period rule, history."""

from __future__ import annotations

import sqlite3
import sys
import types

import pandas as pd
import pytest
from builders import APRIL, MARCH, agency_counts, build, files, issues, store, tickets  # noqa: E402

from citistat.archive import Archive  # noqa: E402
from citistat.archive.schema import SCHEMA_VERSION  # noqa: E402
from citistat.errors import ArchiveError  # noqa: E402


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "briefings") as opened:
        yield opened


def test_open_creates_database_at_current_schema_version(tmp_path):
    Archive.open(tmp_path / "b").close()
    db = sqlite3.connect(tmp_path / "b" / "archive.sqlite")
    assert db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    Archive.open(tmp_path / "b").close()  # reopening applies nothing twice
    assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_archive_from_newer_citistat_is_refused(tmp_path):
    Archive.open(tmp_path / "b").close()
    db = sqlite3.connect(tmp_path / "b" / "archive.sqlite")
    db.execute("INSERT INTO schema_version VALUES (?, 'later')", (SCHEMA_VERSION + 1,))
    db.commit()
    with pytest.raises(ArchiveError, match="newer than this citistat understands"):
        Archive.open(tmp_path / "b")


def test_first_store_reports_every_ticket_added(archive):
    summary = store(archive, "2024-03", MARCH)
    assert (summary.replaced, summary.tickets_after, summary.tickets_added, summary.revision) == (False, 4, 4, 1)
    assert archive.periods.all() == ["2024-03"]
    session = archive.sessions.get("2024-03")
    assert (session.status, session.revision, session.folder) == ("draft", 1, archive.root / "2024-03")


def test_tickets_and_counts_come_back_as_stored(archive):
    frame = tickets("2024-03", MARCH)
    store(archive, "2024-03", MARCH)
    pd.testing.assert_frame_equal(archive.periods.tickets(["2024-03"]), frame)
    pd.testing.assert_frame_equal(archive.periods.counts("agency"), agency_counts(frame))


def test_counts_of_several_periods_are_stacked_in_period_order(archive):
    store(archive, "2024-04", APRIL)
    store(archive, "2024-03", MARCH)
    counts = archive.periods.counts("agency")
    assert list(counts["period"]) == ["2024-03", "2024-03", "2024-04", "2024-04"]
    assert archive.periods.counts("agency", ["2024-04"])["n_tickets"].tolist() == [3, 1]
    assert archive.periods.counts("no-such-grain").empty


def test_restore_of_draft_says_what_changed(archive):
    store(archive, "2024-03", MARCH)
    # T4 (水务局, very satisfied) goes, T5 (水务局, satisfied) comes: one in, one out, two counts move.
    summary = store(archive, "2024-03", MARCH[:3] + [("T5", "市水务局", True, True, "satisfied")])
    assert summary.replaced
    assert (summary.tickets_before, summary.tickets_after) == (4, 4)
    assert (summary.added_sample, summary.removed_sample) == (["T5"], ["T4"])
    assert summary.moved == {"市水务局": {"very_satisfied": (1, 0), "satisfied_plain": (0, 1)}}
    assert summary.revision == 1 and len(archive.sessions.all()) == 1


def test_restore_leaves_no_old_data_files_behind(archive):
    store(archive, "2024-03", MARCH)
    store(archive, "2024-03", MARCH[:2])
    data_files = sorted(p.name for p in (archive.root / "2024-03" / "data").iterdir())
    assert len(data_files) == 2  # one tickets file and one counts file: the old pair was removed
    assert len(archive.periods.tickets("2024-03")) == 2


def test_personal_columns_never_reach_the_archive(archive):
    frame = tickets("2024-03", MARCH).assign(caller_name="王五", caller_phone="13800000000")
    archive.periods.store("2024-03", frame, {}, [], [])
    stored = pd.read_parquet(next((archive.root / "2024-03" / "data").glob("tickets-*.parquet")))
    assert "caller_name" not in stored and "caller_phone" not in stored


def test_tickets_of_another_period_are_refused(archive):
    with pytest.raises(ArchiveError, match="belong to other periods"):
        archive.periods.store("2024-04", tickets("2024-03", MARCH), {}, [], [])


def test_files_and_issues_are_kept(archive):
    store(archive, "2024-03", MARCH)
    (report,) = archive.periods.file_reports("2024-03")
    assert (report.path, report.status, report.reconciliation.rejected) == ("/inbox/hotline.xlsx", "warnings", 1)
    assert archive.periods.issue_counts("2024-03") == {"bad_date": 1, "subtotal_row": 1}
    assert archive.periods.issues("2024-03") == issues()


def test_issue_sample_takes_a_few_of_each_reason_in_order(archive):
    import dataclasses

    from builders import agency_counts, files, tickets  # noqa: E402

    found = [dataclasses.replace(issues()[0], row=10 + i) for i in range(8)] + issues()[1:]
    frame = tickets("2024-03", MARCH)
    archive.periods.store("2024-03", frame, {"agency": agency_counts(frame)}, files(), found)
    sample = archive.periods.issues("2024-03", per_code=3)
    # the subtotal row comes after eight bad dates, yet shows: every reason gets its examples
    assert [(i.code, i.row) for i in sample] == [
        ("bad_date", 10),
        ("bad_date", 11),
        ("bad_date", 12),
        ("subtotal_row", 9),
    ]
    assert [i.row for i in archive.periods.issues("2024-03", limit=2, per_code=3)] == [10, 11]
    assert len(archive.periods.issues("2024-03")) == 9


def test_rejects_report_lists_row_issues_only(archive, tmp_path):
    store(archive, "2024-03", MARCH)
    path, workbook = archive.periods.write_rejects("2024-03", tmp_path)
    assert workbook.suffix == ".xlsx"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and "bad_date" in lines[1] and "32/13" in lines[1]  # the INFO issue is not a reject


def test_published_period_is_not_replaced_without_a_new_revision(archive):
    store(archive, "2024-03", MARCH)
    build(archive, "2024-03")
    archive.sessions.publish("2024-03")
    with pytest.raises(ArchiveError, match=r"published \(revision 1\).*revision 2"):
        store(archive, "2024-03", MARCH[:2])
    summary = store(archive, "2024-03", MARCH[:2], new_revision=True)
    assert (summary.revision, summary.tickets_removed) == (2, 2)
    assert archive.sessions.get("2024-03").folder == archive.root / "2024-03" / "rev-2"
    assert len(archive.periods.tickets("2024-03")) == 2  # the current data are revision 2's
    assert archive.verify("2024-03") == []  # revision 1's frozen data are intact


def test_history_parts_cover_the_lookback_window(archive):
    for period, rows in (("2023-02", MARCH), ("2024-02", MARCH), ("2024-03", MARCH), ("2024-04", APRIL)):
        store(archive, period, rows)
    counts, recent = archive.periods.history_parts("2024-03", lookback=13, ticket_periods=2)
    # 13 periods ending 2024-03 reach back to 2023-03: 2023-02 is outside, 2024-04 is after.
    assert sorted(counts["agency"]["period"].unique()) == ["2024-02", "2024-03"]
    assert sorted(recent["period"].unique()) == ["2024-02", "2024-03"]


def test_history_builds_the_count_stage_history(archive, monkeypatch):
    made = {}

    class FakeHistory:
        def __init__(self, counts, tickets):
            made.update(counts=counts, tickets=tickets)

    monkeypatch.setitem(sys.modules, "citistat.count", types.SimpleNamespace(History=FakeHistory))
    store(archive, "2024-03", MARCH)
    archive.periods.history("2024-03")
    assert list(made["counts"]) == ["agency"] and len(made["tickets"]) == 4


def test_bad_period_is_a_usage_error(archive):
    with pytest.raises(Exception, match="YYYY-MM"):
        archive.periods.store("2024-3", tickets("2024-03", MARCH), {}, files(), [])


def test_history_with_the_count_stage(archive):
    count = pytest.importorskip("citistat.count")
    for period, rows in (("2024-03", MARCH), ("2024-04", APRIL)):
        frame = tickets(period, rows)
        archive.periods.store(period, frame, count.count_all(frame), files(), issues())
    history = archive.periods.history("2024-04")
    assert isinstance(history, count.History) and history.periods() == ["2024-03", "2024-04"]
    # April: 城管 T10, T11, T12 all responded; 水务 T13 responded.
    april = history.grain("agency").query("period == '2024-04'").set_index("agency")
    assert april.loc["市城市管理局", "responded"] == 3 and april.loc["市水务局", "n_tickets"] == 1
