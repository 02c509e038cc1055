"""The follow-up ledger: lifecycle, overdue, what the next briefing shows, with metrics before and now."""

from __future__ import annotations

from datetime import date

import pytest
from builders import APRIL, MARCH, build, store  # noqa: E402

from citistat.archive import Archive, default_meeting_date  # noqa: E402
from citistat.briefing import FollowUp  # noqa: E402
from citistat.errors import ArchiveError, UsageError  # noqa: E402


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "briefings") as opened:
        store(opened, "2024-03", MARCH)
        build(opened, "2024-03", "2024-04-03")
        store(opened, "2024-04", APRIL)
        build(opened, "2024-04", "2024-05-08")
        yield opened


def test_add_takes_the_session_meeting_date_and_starts_open(archive):
    new_id = archive.followups.add(
        "市城市管理局", "清理积存垃圾", "张三", "2024-04-15", period="2024-03", metric="resolution"
    )
    record = archive.followups.get(new_id, as_of=date(2024, 4, 10))
    assert (record.raised_on, record.status, record.kind, record.metric) == (
        "2024-04-03",
        "open",
        "commitment",
        "resolution",
    )
    assert archive.followups.history(new_id)[0]["new_status"] == "open"


def test_open_item_is_overdue_after_its_due_date_only(archive):
    new_id = archive.followups.add("市城市管理局", "清理积存垃圾", "张三", "2024-04-15", period="2024-03")
    assert archive.followups.get(new_id, as_of=date(2024, 4, 15)).status == "open"  # due today is not late yet
    assert archive.followups.get(new_id, as_of=date(2024, 4, 16)).status == "overdue"
    assert [r.id for r in archive.followups.find(status="overdue", as_of=date(2024, 5, 1))] == [new_id]


def test_lifecycle_update_close_and_history(archive):
    new_id = archive.followups.add("市水务局", "提供漏水工单明细", "李四", period="2024-03", kind="data_request")
    archive.followups.update(new_id, owner="王五", due="2024-04-30", note="owner changed")
    closed = archive.followups.close(new_id, note="明细已提交", on="2024-04-20")
    assert (closed.owner, closed.due, closed.status, closed.closed_on) == ("王五", "2024-04-30", "done", "2024-04-20")
    reopened = archive.followups.update(new_id, status="open", note="明细不全")
    assert reopened.closed_on is None
    assert archive.followups.get(new_id, as_of=date(2024, 4, 21)).status == "open"
    dropped = archive.followups.close(new_id, status="dropped", note="不再需要")
    history = archive.followups.history(new_id)
    assert [(h["old_status"], h["new_status"]) for h in history] == [
        (None, "open"),
        ("open", "open"),
        ("open", "done"),
        ("done", "open"),
        ("open", "dropped"),
    ]
    assert dropped.status == "dropped"


def test_bad_values_are_refused_with_every_problem_named(archive):
    with pytest.raises(UsageError) as caught:
        archive.followups.add("市水务局", " ", "李四", "2024-13-01", period="2024-03", metric="speed")
    assert "text is empty" in caught.value.message and "2024-13-01" in caught.value.message
    assert "metric 'speed'" in caught.value.message
    new_id = archive.followups.add("市水务局", "x", "李四", period="2024-03")
    with pytest.raises(UsageError, match="overdue is not set by hand"):
        archive.followups.update(new_id, status="overdue")
    with pytest.raises(ArchiveError, match="no follow-up with id 99"):
        archive.followups.close(99)


def test_list_filters_by_period_agency_and_status(archive):
    a = archive.followups.add("市城市管理局", "a", "张三", period="2024-03")
    b = archive.followups.add("市水务局", "b", "李四", period="2024-03")
    c = archive.followups.add("市水务局", "c", "李四", period="2024-04")
    archive.followups.close(b)
    assert [r.id for r in archive.followups.find()] == [a, b, c]
    assert [r.id for r in archive.followups.find(period="2024-03", agency="市水务局")] == [b]
    assert [r.id for r in archive.followups.find(status="open")] == [a, c]


def test_briefing_shows_earlier_open_items_with_age_overdue_and_metrics(archive):
    # March resolution of 城管: T1 resolved, T2 not, T3 unknown -> 1 / (1 + 1) = 0.5.
    # April: T10, T11, T12 resolved -> 3 / 3 = 1.0. Meeting 2024-05-08, raised 2024-04-03: 35 days.
    new_id = archive.followups.add(
        "市城市管理局", "清理积存垃圾", "张三", "2024-04-15", period="2024-03", metric="resolution"
    )
    archive.followups.add("市城市管理局", "raised this session", "张三", period="2024-04")
    (item,) = archive.followups.for_briefing("2024-04")
    assert item == FollowUp(
        id=new_id,
        agency="市城市管理局",
        text="清理积存垃圾",
        owner="张三",
        due="2024-04-15",
        raised_period="2024-03",
        raised_on="2024-04-03",
        metric="resolution",
        status="overdue",
        kind="commitment",
        notes="",
        age_days=35,
        metric_before=0.5,
        metric_now=1.0,
    )


def test_briefing_satisfaction_uses_the_three_satisfied_levels(archive):
    # April 城管: satisfied + basically satisfied = 2 of (2 + 1 dissatisfied) -> 2/3.
    # March 水务: one very satisfied, nothing else -> 1/1.
    archive.followups.add("市城市管理局", "s", "张三", period="2024-03", metric="satisfaction")
    archive.followups.add("市水务局", "r", "李四", period="2024-03", metric="response")
    by_agency = {f.agency: f for f in archive.followups.for_briefing("2024-04")}
    assert by_agency["市城市管理局"].metric_now == pytest.approx(2 / 3)
    assert by_agency["市城市管理局"].metric_before == pytest.approx(1 / 2)  # March: 1 satisfied, 1 dissatisfied
    assert (by_agency["市水务局"].metric_before, by_agency["市水务局"].metric_now) == (1.0, 1.0)


def test_briefing_keeps_recently_closed_items_and_drops_old_ones(archive):
    recent = archive.followups.add("市水务局", "recent", "李四", period="2024-03")
    old = archive.followups.add("市水务局", "old", "李四", period="2024-03")
    archive.followups.close(recent, on="2024-04-20")  # 18 days before the 2024-05-08 meeting
    archive.followups.close(old, on="2024-03-01")  # 68 days before: past the 45-day window
    assert [(f.id, f.status) for f in archive.followups.for_briefing("2024-04")] == [(recent, "done")]


def test_meeting_date_defaults_when_the_session_has_none(tmp_path):
    # April 2024 ends on Tuesday 30th; 3 days after is Friday 3 May; the next Wednesday is 8 May.
    assert default_meeting_date("2024-04").isoformat() == "2024-05-08"
    with Archive.open(tmp_path / "b") as archive:
        store(archive, "2024-03", MARCH)
        store(archive, "2024-04", APRIL)
        archive.followups.add("市水务局", "x", "李四", period="2024-03", raised_on="2024-04-08")
        (item,) = archive.followups.for_briefing("2024-04")
        assert item.age_days == 30


def test_followups_raised_in_a_session_for_its_memo(archive):
    archive.followups.add("市水务局", "x", "李四", period="2024-04", metric="response")
    (item,) = archive.followups.raised_in("2024-04")
    assert (item.text, item.metric_before, item.metric_now) == ("x", 1.0, 1.0)


def test_briefing_item_carries_the_note_of_its_latest_change_as_evidence(archive):
    new_id = archive.followups.add("市城市管理局", "清理积存垃圾", "张三", "2024-04-15", period="2024-03")
    plain = archive.followups.add("市城市管理局", "补充台账", "张三", "2024-04-15", period="2024-03")
    archive.followups.update(new_id, note="已清理 12 处，附照片")
    archive.followups.close(new_id, note="复查通过，回访 30 户", on="2024-04-20")
    items = {f.id: f for f in archive.followups.for_briefing("2024-04")}
    assert items[new_id].evidence == "复查通过，回访 30 户"  # the latest note, not the first
    assert items[plain].evidence == ""  # "raised" is not evidence
