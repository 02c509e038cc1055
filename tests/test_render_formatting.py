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


def test_one_percentage_path_true_minus_and_no_negative_zero():
    assert f.pct(-0.0004) == "0.0%" and f.pct(-0.012) == "−1.2%"
    assert f.pct_change(-6.19) == "−6.2%"  # a change already in percent is not multiplied again (was "-619.0%")
    assert f.pct_change(-1.25) == "−1.2%" and f.pct_change(12.5) == "+12.5%" and f.pct_change(None) == "—"
    assert f.pp(-0.04) == "0.0" and f.pp(0.04) == "0.0" and f.pp(0.0) == "0.0"  # neither "−0.0" nor "+0.0"
    assert f.points(-2.345) == "2.3" and f.signed(0) == "0"
    assert "-" not in f.pct(-0.5) + f.pp(-3) + f.signed(-4) + f.pct_change(-3)  # never a hyphen for minus


def test_direction_follows_the_printed_value():
    tiny_fall = Delta("previous", "2024-02", 0.9, -0.04, False, 0.9)
    assert (f.direction(tiny_fall), f.arrow(tiny_fall), f.pp(tiny_fall.pp)) == ("flat", "▶", "0.0")
    fall = Delta("previous", "2024-02", 0.9, -0.06, False, 0.9)
    assert (f.direction(fall), f.arrow(fall), f.pp(fall.pp)) == ("down", "▼", "−0.1")


def test_chinese_punctuation_takes_no_space_after_it_in_a_zh_book():
    from citistat.render.formatting import close_cjk_gaps, tidy_for

    assert close_cjk_gaps("未达标：低于临界带。 目标： 响应率") == "未达标：低于临界带。目标：响应率"
    assert close_cjk_gaps("<strong>内部备注：</strong> 局长出差") == "<strong>内部备注：</strong>局长出差"
    assert close_cjk_gaps("朝阳区 / 望京街道 委办局") == "朝阳区 / 望京街道 委办局"  # spaces between words stay
    assert close_cjk_gaps("目标：\n  <td>95%</td>") == "目标：\n  <td>95%</td>"  # layout whitespace stays
    assert tidy_for("en")("Targets: Response 95%") == "Targets: Response 95%"
