"""Deltas, volume changes and series: hand-computed values and every N/A reason."""

from __future__ import annotations

import pandas as pd
import pytest

from citistat.count import History, count_all
from citistat.score.definitions import Scoring
from citistat.score.history import CountBook, shift_period
from citistat.score.trends import comparison_base, rate_delta, unit_deltas, unit_series, volume_delta
from citistat.tickets import conform

SCORING = Scoring()


def batch(period: str, agency: str, resolved: int = 0, not_resolved: int = 0, unanswered: int = 0) -> list[dict]:
    """Tickets of one agency in one period: so many resolved, not resolved and unanswered."""
    answers = [True] * resolved + [False] * not_resolved + [None] * unanswered
    created = pd.Timestamp(f"{period}-10")
    return [
        {
            "ticket_id": f"{agency}-{period}-{i}",
            "created_at": created,
            "period": period,
            "agency": agency,
            "unit_type": "街乡镇",
            "resolved": answer,
        }
        for i, answer in enumerate(answers)
    ]


def book(*batches: list[dict]) -> CountBook:
    rows = [row for b in batches for row in b]
    return CountBook(History(counts=count_all(conform(pd.DataFrame(rows)))))


def test_shift_period_crosses_years():
    assert shift_period("2024-01", -1) == "2023-12"
    assert shift_period("2024-03", -12) == "2023-03"
    assert shift_period("2023-12", 1) == "2024-01"


def test_delta_against_previous_in_points_with_a_test():
    b = book(batch("2024-02", "A", 80, 20), batch("2024-03", "A", 90, 10))
    base = comparison_base(b, "A", "2024-03", "previous")
    delta = rate_delta("resolution", b.counts("A", "2024-03"), base, SCORING)
    assert delta.base_period == "2024-02"
    assert delta.base_value == 80 / 100
    assert delta.pp == pytest.approx((90 / 100 - 80 / 100) * 100)
    assert delta.p_value is not None and delta.significant is True  # z ≈ 1.98
    assert delta.reason is None


def test_mean3_pools_counts_not_rates():
    b = book(
        batch("2024-01", "A", 9, 1),
        batch("2024-02", "A", 50, 50),
        batch("2024-03", "A", 1, 0),
        batch("2024-04", "A", 60, 40),
    )
    base = comparison_base(b, "A", "2024-04", "mean3")
    delta = rate_delta("resolution", b.counts("A", "2024-04"), base, SCORING)
    assert delta.base_period == "2024-01..2024-03"
    pooled = (9 + 50 + 1) / (10 + 100 + 1)  # not the mean of 0.9, 0.5 and 1.0
    assert delta.base_value == pytest.approx(pooled)
    assert delta.pp == pytest.approx((60 / 100 - pooled) * 100)
    volume = volume_delta(b.counts("A", "2024-04"), base)
    mean = (10 + 100 + 1) / 3
    assert volume.base_count == round(mean)
    assert volume.change_pct == pytest.approx((100 - mean) / mean * 100)


def test_reasons_for_na():
    b = book(
        batch("2024-01", "old", 5, 5),
        batch("2024-02", "A", 5, 5),
        batch("2024-02", "quiet", 0, 0, 4),
        batch("2024-03", "A", 6, 4),
        batch("2024-03", "fresh", 3, 1),
        batch("2024-03", "quiet", 1, 1),
    )
    period = "2024-03"

    def reason(agency: str, against: str = "previous") -> str | None:
        base = comparison_base(b, agency, period, against)
        return rate_delta("resolution", b.counts(agency, period), base, SCORING).reason

    assert reason("fresh") == "new"  # first tickets this period
    assert reason("old") == "no tickets"  # no tickets now
    assert reason("quiet") == "no answers"  # tickets before, but nobody answered
    assert reason("A", "last_year") == "no history"  # 2023-03 is not in the archive
    assert reason("A", "mean3") == "no history"  # 2023-12 is not either
    assert reason("A") is None


def test_volume_delta_is_never_a_silent_hundred_percent():
    b = book(batch("2024-02", "A", 1, 0), batch("2024-03", "A", 3, 0), batch("2024-03", "B", 2, 0))
    new = volume_delta(b.counts("B", "2024-03"), comparison_base(b, "B", "2024-03", "previous"))
    assert (new.change, new.change_pct, new.reason) == (2, None, "new")
    grown = volume_delta(b.counts("A", "2024-03"), comparison_base(b, "A", "2024-03", "previous"))
    assert (grown.base_count, grown.change, grown.change_pct) == (1, 3 - 1, (3 - 1) / 1 * 100)
    unknown = volume_delta(b.counts("A", "2024-03"), comparison_base(b, "A", "2024-03", "last_year"))
    assert (unknown.change, unknown.reason) == (None, "no history")


def test_delta_of_a_period_with_itself_is_zero():
    b = book(batch("2024-02", "A", 7, 3), batch("2024-03", "A", 7, 3))
    deltas, volume = unit_deltas(b, "A", "2024-03", b.counts("A", "2024-03"), SCORING, ("resolution",))
    assert deltas["resolution"]["previous"].pp == 0
    assert deltas["resolution"]["previous"].significant is False
    assert volume["previous"].change == 0 and volume["previous"].change_pct == 0


def test_series_holds_up_to_thirteen_periods_with_gaps_as_na():
    periods = [shift_period("2024-01", k) for k in range(15) if k != 10]  # 2024-11 missing
    b = book(*(batch(p, "A", 3, 1) for p in periods))
    series = unit_series(b, "A", "2025-03", SCORING, ("resolution",))
    points = series["resolution"]
    assert [p.period for p in points] == [shift_period("2024-03", k) for k in range(13)]
    gap = next(p for p in points if p.period == "2024-11")
    assert (gap.value, gap.n) == (None, 0)
    assert points[-1].value == 3 / 4 and points[-1].n == 4
    assert series["volume"][-1].value == 4.0


def test_city_counts_include_tickets_without_agency():
    rows = batch("2024-03", "A", 1, 0) + [
        {
            "ticket_id": "x",
            "created_at": pd.Timestamp("2024-03-02"),
            "period": "2024-03",
            "agency": None,
            "resolved": False,
        }
    ]
    b = CountBook(History(counts=count_all(conform(pd.DataFrame(rows)))))
    assert b.counts(None, "2024-03")["n_tickets"] == 2
    assert b.agencies("2024-03") == ["A"]
