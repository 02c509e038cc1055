"""The template context is a contract: its keys, the edition rules, and what the summary selects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import render_fixtures as fx

from citistat.messages import load_messages
from citistat.render.books import chart_urls
from citistat.render.context import build_context, is_overdue, significant_movers, slugify

DOC = Path(__file__).resolve().parents[1] / "docs" / "templates.md"


def context(lang: str = "zh-CN", edition: str = "internal") -> dict:
    inputs = fx.briefing_inputs(lang=lang, edition=edition)
    return build_context(inputs, load_messages(lang), charts=chart_urls(inputs.result))


def documented_keys() -> set[str]:
    """Top-level keys listed in docs/templates.md as rows `| `key` | … |` of the context table."""
    table = DOC.read_text("utf-8").split("## Top-level names", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M))


def test_context_keys_are_the_documented_ones():
    # `stylesheet` is added by the renderer and `agency` by the brief; both are documented too.
    assert set(context()) | {"stylesheet", "agency"} == documented_keys()


def test_agencies_in_ranking_order_within_unit_types():
    names = [a.name for a in context()["agencies"]]
    # 委办局: water rank 1, housing rank 2; 街乡镇: wangjing rank 1, jiaodaokou unranked (small n) last
    assert names == [fx.WATER, fx.HOUSING, fx.WANGJING, fx.JIAODAOKOU]
    assert [a.anchor for a in context()["agencies"]] == ["agency-1", "agency-2", "agency-3", "agency-4"]


def test_public_edition_drops_watch_list_internal_notes_followup_notes_and_raw_values():
    public = context(edition="public")
    housing = next(a for a in public["agencies"] if a.name == fx.HOUSING)
    assert housing.unit.watchlist == []
    assert housing.notes.internal == ""
    assert all(view.item.notes == "" for a in public["agencies"] for view in a.followups)
    assert public["quality"]["issues"] == []  # raw cell values may hold phone numbers
    # what the public may see stays: the agency's reply, issue counts by reason
    assert housing.notes.response.startswith("本月解决率下降")
    assert public["quality"]["issue_counts"] == [("bad_date", 6), ("missing_agency", 4)]


def test_internal_edition_keeps_them():
    internal = context()
    housing = next(a for a in internal["agencies"] if a.name == fx.HOUSING)
    assert housing.unit.watchlist[0].caller_ref == fx.CALLER_REF
    assert housing.notes.internal == fx.INTERNAL_NOTE
    assert housing.followups[0].item.notes == fx.FOLLOWUP_NOTE


def test_significant_movers_only_largest_first():
    movers = significant_movers(context()["agencies"])
    # significant in the fixture: housing resolution −4.2, housing satisfaction −3.0,
    # water resolution +2.1, water satisfaction +1.8; wangjing's changes are not significant
    assert [(m.agency, m.metric, m.delta.pp) for m in movers] == [
        (fx.HOUSING, "resolution", -4.2),
        (fx.HOUSING, "satisfaction", -3.0),
        (fx.WATER, "resolution", 2.1),
        (fx.WATER, "satisfaction", 1.8),
    ]


def test_overdue_means_open_past_due_at_the_meeting():
    inputs = fx.briefing_inputs()
    housing_item, water_item, done_item = inputs.followups
    assert is_overdue(housing_item, "2024-04-03")  # due 2024-03-20, still open
    assert not is_overdue(water_item, "2024-04-03")  # due 2024-04-30
    assert not is_overdue(done_item, "2024-04-03")  # done, although its due date has passed
    assert [v.item.id for v in context()["summary"]["overdue"]] == [1]


def test_followup_change_in_percentage_points():
    housing = next(a for a in context()["agencies"] if a.name == fx.HOUSING)
    # resolution 88.0 % when raised → 85.7 % now: −2.3 pp
    assert housing.followups[0].change_pp == pytest.approx(-2.3)


def test_questions_name_declines_red_rates_overdue_items_flags_and_topics():
    housing = next(a for a in context()["agencies"] if a.name == fx.HOUSING)
    joined = "\n".join(housing.questions)
    assert "解决率较上期显著下降 4.2 个百分点" in joined
    # 140 / 170 = 82.4 % < 95 % − 5 → red; short of target: ⌈0.95 × 170 − 140⌉ = ⌈21.5⌉ = 22 tickets, not the 30 "no"s
    assert "满意率低于目标 95%，差 22 件达标" in joined
    assert "已超期（原定 2024年3月20日）" in joined
    # the integrity question itself is listed once, in the integrity block; the questions point to it
    assert "满意率上升而解决率下降" not in joined
    assert "本单位有 1 项数据真实性问题（见下）" in joined
    assert "物业管理投诉为何连续三个月上升？" in joined


def test_target_gap_counts_the_tickets_short_of_target_not_every_failure():
    from citistat.render.context import target_gap

    gap = target_gap(fx.rate("satisfaction", 140, 30, target=0.95))
    assert (gap.tickets, round(gap.points, 2), gap.met) == (22, 12.65, False)
    met = target_gap(fx.rate("response", 170, 6, target=0.95))
    assert met.met and met.tickets == 0 and met.points < 0
    exact = target_gap(fx.rate("response", 95, 5, target=0.95))  # exactly on target: 0 short, not 1 (float noise)
    assert exact.tickets == 0
    assert target_gap(fx.rate("response", 0, 0)) is None and target_gap(None) is None


def test_integrity_questions_most_serious_first():
    from citistat.render.context import by_priority
    from citistat.results import Flag

    flags = [
        Flag("a", "info", "i"),
        Flag("b", "watch", "w1", 0.1),
        Flag("c", "concern", "c"),
        Flag("d", "watch", "w2", 0.5),
    ]
    assert [f.message for f in by_priority(flags)] == ["c", "w2", "w1", "i"]


def test_open_followups_counted_for_the_agenda():
    assert context()["summary"]["open_followups"] == 2  # ids 1 and 2 open, id 3 done


def test_peers_are_the_neighbours_in_the_ranking():
    inputs = fx.with_agencies(fx.briefing_inputs(), 8)  # 街乡镇: 望京 1, 测试街道000–007 ranks 2–9, 交道口 unranked
    agencies = build_context(inputs, load_messages("zh-CN"))["agencies"]
    peers = {a.name: [u.agency for u in a.peers] for a in agencies}
    assert peers[fx.WANGJING] == [fx.WANGJING, "测试街道000", "测试街道001", "测试街道002"]
    assert peers["测试街道004"] == [f"测试街道{i:03d}" for i in range(1, 8)]  # ranks 3..9: three either side
    assert peers[fx.JIAODAOKOU] == ["测试街道005", "测试街道006", "测试街道007", fx.JIAODAOKOU]  # unranked: last
    assert peers[fx.WATER] == [fx.WATER, fx.HOUSING]


def test_slug_keeps_chinese_and_flattens_punctuation():
    assert slugify("市水务局") == "市水务局"
    assert slugify("市园林绿化局(首都绿化办)") == "市园林绿化局-首都绿化办"
    assert slugify("Parks & Recreation") == "parks-recreation"
    assert slugify("../../etc") == "etc"


def test_trend_rows_newest_first_with_gaps_as_none():
    from dataclasses import replace

    from citistat.render.context import trend_rows

    unit = fx.briefing_inputs().result.unit(fx.HOUSING)
    rows = trend_rows(unit)
    assert [r.period for r in rows[:2]] == ["2024-03", "2024-02"] and rows[-1].period == "2023-03" and len(rows) == 13
    assert rows[0].n == 180 and rows[-1].n == 180 - 12  # the fixture's volume climbs by one a period
    assert rows[0].rates["response"] == round(170 / 176, 4)  # the series ends at this period's rate
    # a rate with no point for a period reads as N/A, not as a shifted neighbour
    shorter = replace(unit, series={**unit.series, "satisfaction": unit.series["satisfaction"][1:]})
    assert (
        trend_rows(shorter)[-1].rates["satisfaction"] is None
        and trend_rows(shorter)[0].rates["satisfaction"] is not None
    )
