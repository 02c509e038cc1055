"""Numbers as the books print them: N/A is "—", rates in %, deltas in signed percentage points."""

from __future__ import annotations

from citistat.render import formatting as f
from citistat.results import Delta


def test_rates_and_na():
    assert f.pct(0.97345) == "97.3%"
    assert f.pct(None) == "—"
    assert f.pct(1.0) == "100.0%"


def test_deltas_signed_with_a_true_minus():
    assert f.pp(1.25) == "+1.2"  # banker's rounding of the float 1.25 → 1.2
    assert f.pp(-4.2) == "−4.2"
    assert f.pp(None) == "—"
    assert f.signed(-10) == "−10" and f.signed(20) == "+20"


def test_arrow_and_significance():
    up = Delta("previous", "2024-02", 0.9, 2.1, True, 0.01)
    flat = Delta("previous", "2024-02", 0.9, 0.01, False, 0.9)
    na = Delta("previous", None, None, None, None, None, "new")
    assert (f.arrow(up), f.significance(up)) == ("▲", "*")
    assert (f.arrow(flat), f.significance(flat)) == ("▶", "")
    assert (f.arrow(na), f.significance(na)) == ("", "")


def test_interval_in_percent():
    assert f.interval(0.9512, 0.9744) == "95.1–97.4"
    assert f.interval(None, 0.9) == "—"


def test_periods_and_dates_in_both_languages():
    assert f.period_label("2024-03", "zh-CN") == "2024年3月"
    assert f.period_label("2024-03", "en") == "March 2024"
    assert f.period_label("2023-12..2024-02", "en") == "December 2023–February 2024"
    assert f.date_label("2024-04-03", "zh-CN") == "2024年4月3日"
    assert f.date_label("2024-04-03", "en") == "3 April 2024"
    assert f.date_label(None, "en") == "—"


def test_numbers_grouped():
    assert f.num(1234567) == "1,234,567"
    assert f.num(None) == "—"
