"""Integrity screens, repeat callers, recurring places and topics."""

from __future__ import annotations

import pandas as pd

from citistat.count import History, count_all
from citistat.results import Delta
from citistat.score.definitions import Scoring, ScreenSettings, parse_scoring
from citistat.score.history import CountBook
from citistat.score.repeat import caller_ref, came_back, recurring_places, watchlists
from citistat.score.screens import (
    basic_share_jump,
    callback_coverage_drop,
    perfect_streak,
    quick_close,
    satisfaction_up_resolution_down,
)
from citistat.score.topics import category_rows, category_rows_by_agency, rising_topics, topic_mask, topic_result
from citistat.tickets import conform

SCORING = Scoring()


def frame(rows: list[dict]) -> pd.DataFrame:
    full = [{"ticket_id": f"t{i}", "agency": "A", **row} for i, row in enumerate(rows)]
    for row in full:
        row.setdefault("created_at", pd.Timestamp(f"{row.get('period', '2024-03')}-10"))
        row.setdefault("period", row["created_at"].strftime("%Y-%m"))
    return conform(pd.DataFrame(full))


def test_quick_close_share_above_threshold():
    counts = {"closed": 40, "quick_closed": 5}
    flag = quick_close(counts, SCORING, "en")
    assert flag.code == "quick_close" and flag.value == 5 / 40  # 12.5 % > 10 %
    assert "5 of 40" in flag.message and "10 minutes" in flag.message
    assert quick_close({"closed": 40, "quick_closed": 4}, SCORING, "en") is None  # exactly 10 %
    assert quick_close({"closed": 9, "quick_closed": 9}, SCORING, "en") is None  # below min_tickets = 10
    assert quick_close({"closed": 10, "quick_closed": 9}, SCORING, "en").value == 9 / 10


def test_satisfaction_up_while_resolution_falls():
    def delta(pp, significant=True):
        return {"previous": Delta("previous", "2024-02", 0.9, pp, significant, 0.01)}

    flag = satisfaction_up_resolution_down({"satisfaction": delta(3.0), "resolution": delta(-2.5)}, SCORING, "zh-CN")
    assert flag.code == "sat_up_resolution_down" and flag.value == 3.0 - (-2.5)
    assert "2024-02" in flag.message
    assert (
        satisfaction_up_resolution_down({"satisfaction": delta(3.0), "resolution": delta(-1.0)}, SCORING, "en") is None
    )
    noise = {"satisfaction": delta(3.0, False), "resolution": delta(-2.5, False)}
    assert satisfaction_up_resolution_down(noise, SCORING, "en") is None  # neither change is told apart from noise


def test_basic_share_jump():
    before = {"very_satisfied": 20, "satisfied_plain": 60, "basically_satisfied": 20}  # 20 %
    after = {"very_satisfied": 10, "satisfied_plain": 50, "basically_satisfied": 40}  # 40 %
    flag = basic_share_jump(after, {"2024-02": before}, SCORING, "en")
    assert flag.value == (40 / 100 - 20 / 100) * 100
    assert "2024-02" in flag.message
    assert basic_share_jump(before, {"2024-02": after}, SCORING, "en") is None  # a fall is no question
    assert basic_share_jump(after, {}, SCORING, "en") is None
    # 2 of 10 → 4 of 10 is the same jump in points, but not told apart from noise
    small_before = {"satisfied_plain": 8, "basically_satisfied": 2}
    small_after = {"satisfied_plain": 6, "basically_satisfied": 4}
    assert basic_share_jump(small_after, {"2024-02": small_before}, SCORING, "en") is None
    # steady since last month, but a jump against a year ago
    year_ago = {"satisfied_plain": 90, "basically_satisfied": 10}
    flag = basic_share_jump(after, {"2024-02": after, "2023-03": year_ago}, SCORING, "en")
    assert flag.evidence["against"] == "2023-03"


def test_callback_coverage_drop():
    before = {"n_tickets": 100, "satisfied_plain": 80, "dissatisfied_plain": 10}  # 90 % answered
    after = {"n_tickets": 100, "satisfied_plain": 70, "dissatisfied_plain": 5}  # 75 %
    flag = callback_coverage_drop(after, before, SCORING, "en")
    assert flag.evidence == {"before": 0.9, "after": 0.75}
    assert callback_coverage_drop(before, after, SCORING, "en") is None
    tiny_before = {"n_tickets": 10, "satisfied_plain": 9}
    tiny_after = {"n_tickets": 10, "satisfied_plain": 7}
    assert callback_coverage_drop(tiny_after, tiny_before, SCORING, "en") is None  # 20 points, but on 10 tickets


def perfect_book(resolutions: dict[str, tuple[int, int]]) -> CountBook:
    rows = []
    for period, (yes, no) in resolutions.items():
        rows += [{"period": period, "resolved": True}] * yes + [{"period": period, "resolved": False}] * no
    return CountBook(History(counts=count_all(frame(rows))))


def test_perfect_streak_needs_enough_answers_each_period():
    b = perfect_book({"2024-01": (30, 1), "2024-02": (30, 0), "2024-03": (31, 0), "2024-04": (40, 0)})
    flag = perfect_streak(b, "A", "2024-04", "resolution", SCORING, "en")
    assert flag.evidence == {"metric": "resolution", "periods": 3}
    small = perfect_book({"2024-02": (30, 0), "2024-03": (29, 0), "2024-04": (40, 0)})
    assert perfect_streak(small, "A", "2024-04", "resolution", SCORING, "en") is None


def test_solved_ticket_that_comes_back_within_the_window():
    rows = [
        # solved on 2 March, same caller and category on 20 March: came back
        {
            "created_at": pd.Timestamp("2024-03-01"),
            "closed_at": pd.Timestamp("2024-03-02"),
            "resolved": True,
            "caller_key": "k1",
            "category": "noise",
        },
        {"created_at": pd.Timestamp("2024-03-20"), "caller_key": "k1", "category": "noise", "agency": "B"},
        # solved in February, same place in March within 30 days: came back
        {"created_at": pd.Timestamp("2024-02-20"), "resolved": True, "caller_key": "k2", "place": "P1"},
        {"created_at": pd.Timestamp("2024-03-05"), "caller_key": "k2", "place": "P1"},
        # other topic, or after the window, or unsolved: not counted
        {"created_at": pd.Timestamp("2024-03-01"), "resolved": True, "caller_key": "k3", "category": "road"},
        {"created_at": pd.Timestamp("2024-03-02"), "caller_key": "k3", "category": "heat"},
        {"created_at": pd.Timestamp("2024-01-10"), "resolved": True, "caller_key": "k4", "category": "road"},
        {"created_at": pd.Timestamp("2024-03-01"), "caller_key": "k4", "category": "road"},
        {"created_at": pd.Timestamp("2024-03-01"), "resolved": False, "caller_key": "k5", "category": "road"},
        {"created_at": pd.Timestamp("2024-03-03"), "caller_key": "k5", "category": "road"},
    ]
    back = came_back(frame(rows), "2024-03", 30)
    assert sorted(back["ticket_id"]) == ["t0", "t2"]
    assert set(back["agency"]) == {"A"}  # attributed to the unit that marked it solved


def test_watchlist_orders_by_urgency_and_hides_the_caller_key():
    rows = (
        [{"created_at": pd.Timestamp(f"2024-03-0{d}"), "caller_key": "calm", "category": "road"} for d in (1, 2, 3, 4)]
        + [
            {"created_at": pd.Timestamp("2024-03-01"), "caller_key": "angry", "resolved": True, "category": "home"},
            {
                "created_at": pd.Timestamp("2024-03-05"),
                "caller_key": "angry",
                "satisfaction": "very_dissatisfied",
                "category": "home",
            },
            {"created_at": pd.Timestamp("2024-03-09"), "caller_key": "angry", "category": "heat"},
        ]
        + [{"created_at": pd.Timestamp("2024-03-01"), "caller_key": "once"}]
    )
    lists = watchlists(frame(rows), "2024-03", SCORING)
    items = lists["A"]
    assert [i.caller_ref for i in items] == [caller_ref("angry"), caller_ref("calm")]
    angry = items[0]
    assert (angry.tickets, angry.after_solved, angry.dissatisfied) == (3, 2, 1)
    assert angry.categories == ["home", "heat"]
    assert (angry.first_seen, angry.last_seen) == ("2024-03-01", "2024-03-09")
    assert all("angry" not in repr(i) and "calm" not in repr(i) for i in items)
    city = watchlists(frame(rows), "2024-03", SCORING, by_agency=False)
    assert len(city[""]) == 2


def test_recurring_places():
    rows = []
    for period, n in (("2024-01", 2), ("2024-02", 1), ("2024-03", 3)):
        rows += [{"period": period, "district": "D", "street": "S", "place": "P"}] * n
    rows += [{"period": "2024-03", "district": "D", "street": "S", "place": "Q"}]
    places = recurring_places(count_all(frame(rows))["place"], "2024-03", SCORING)["A"]
    assert [(p.place, p.n, p.repeat_periods) for p in places] == [("D / S / P", 3, 3)]


def test_categories_hot_and_rising():
    rows = (
        [{"period": "2024-02", "category": "noise"}] * 5
        + [{"period": "2024-03", "category": "noise"}] * 30
        + [{"period": "2024-03", "category": "road"}] * 10
        + [{"period": "2024-02", "category": "road"}] * 12
    )
    counts = count_all(frame(rows))["category"]
    rows_now = category_rows(counts, "2024-03")
    assert [(r.category, r.n, r.previous_n, r.change) for r in rows_now] == [("noise", 30, 5, 25), ("road", 10, 12, -2)]
    assert rows_now[0].share == 30 / 40
    assert [r.category for r in rising_topics(rows_now, 5, 20)] == ["noise"]
    assert category_rows(counts, "2024-03", previous_known=False)[0].previous_n is None
    assert category_rows_by_agency(counts, "2024-03") == {"A": rows_now}
    assert category_rows_by_agency(counts, "2024-03", size=1) == {"A": rows_now[:1]}


def test_monthly_topic_by_category_or_keyword_against_last_year():
    rows = (
        [{"period": "2024-03", "category": "heating"}] * 4
        + [{"period": "2024-03", "category": "other", "title": "no heating at night", "agency": "B"}]
        + [{"period": "2023-03", "category": "heating"}] * 10
        + [{"period": "2024-03", "category": "road"}]
    )
    tickets = frame(rows)
    topic = {"name": "Winter heating", "categories": ["heating"], "keywords": ["heating"]}
    assert topic_mask(tickets, topic).sum() == 4 + 1 + 10
    result = topic_result(topic, tickets, count_all(tickets)["category"], "2024-03", ["2023-03", "2024-03"])
    assert (result.n, result.last_year_n) == (5, 10)
    assert result.change_pct == (5 - 10) / 10 * 100
    assert result.by_agency == [("A", 4, 10), ("B", 1, 0)]
    # Keywords need tickets: without last year's tickets there is no comparison.
    this_year = tickets.loc[tickets["period"] == "2024-03"]
    alone = topic_result(topic, this_year, count_all(tickets)["category"], "2024-03", ["2023-03", "2024-03"])
    assert alone.last_year_n is None and alone.change_pct is None
    by_category = topic_result(
        {"name": "h", "categories": ["heating"]},
        this_year,
        count_all(tickets)["category"],
        "2024-03",
        ["2023-03", "2024-03"],
    )
    assert (by_category.n, by_category.last_year_n) == (4, 10)


def test_thresholds_come_from_configuration():
    scoring = parse_scoring({"screens": {"quick_close_share": 0.5}})
    assert scoring.screens == ScreenSettings(quick_close_share=0.5)
    assert quick_close({"closed": 40, "quick_closed": 10}, scoring, "en") is None


def test_agency_names_that_appear_or_disappear_are_questions():
    from citistat.score.screens import agency_changes

    rows = [
        {"agency": "A", "period": "2024-02"},
        {"agency": "Old", "period": "2024-02"},
        {"agency": "A", "period": "2024-03"},
        {"agency": "New", "period": "2024-03"},
    ]
    tickets = frame(rows)
    book = CountBook(History(counts=count_all(tickets), tickets=tickets))
    flags = {f.code: f for f in agency_changes(book, "2024-03", "en")}
    assert flags["agencies_appeared"].evidence["names"] == ["New"]
    assert flags["agencies_disappeared"].evidence["names"] == ["Old"]
    assert "2024-02" in flags["agencies_appeared"].message
    assert agency_changes(book, "2024-02", "en") == []  # no previous period known: nothing to compare
