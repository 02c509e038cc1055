"""The chair's page (要点): a small city whose story is known — one street falling significantly, one rising,
one too small to rank, one that moved as much as the faller but not significantly — and what the page says of it."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
import render_fixtures as fx

from citistat.briefing import FocusAgency
from citistat.render.books import BookRenderer
from citistat.render.fonts import find_cjk_font
from citistat.results import Delta
from citistat.score.chair import chair_findings
from citistat.session_settings import focus_agencies, session_problems
from citistat.workspace import DEFAULT_TEMPLATES_DIR

RISING, FALLING, STEADY, SMALL = "上升街道", "下降街道", "波动街道", "小街道"
TOP, FOURTH = "第一街道", "第四街道"


def move(pp: float, p: float) -> Delta:
    return Delta("previous", "2024-02", None, pp, p < 0.05, p)


def story_inputs(lang: str = "zh-CN", edition: str = "internal"):
    """Five ranked streets and a small one; only RISING and FALLING moved significantly."""

    def street(name, rank, moves=(None, None, None), **extra):
        return fx.unit(
            name,
            fx.STREET,
            200,
            (196, 184, 176),
            (4, 16, 24),
            score=95.0 - rank,
            rank=rank,
            rank_of=5,
            moves=moves,
            **extra,
        )

    units = [
        street(TOP, 1),
        street(STEADY, 2, moves=(None, move(-7.9, 0.21), None)),  # as large as the fall, but not significant
        street(RISING, 3, moves=(None, move(6.4, 0.002), move(1.1, 0.48))),
        street(FOURTH, 4),
        street(FALLING, 5, moves=(None, move(-3.0, 0.04), move(-7.5, 0.001))),
        fx.unit(
            SMALL,
            fx.STREET,
            13,
            (13, 12, 11),
            (0, 1, 1),
            score=None,
            rank=None,
            rank_of=5,
            small_n=True,
            moves=(None, move(25.0, 0.09), None),
        ),
    ]
    base = fx.briefing_inputs(lang=lang, edition=edition)
    result = replace(base.result, units=units, unit_types=[fx.STREET])
    return replace(base, result=result, notes={}, followups=[], focus=[FocusAgency(FALLING, "满意率显著下降")])


def chair_section(inputs, tmp_path: Path) -> str:
    renderer = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    found = re.search(r'<section class="chair">.*?</section>', renderer.city_html(), re.S)
    return found.group(0) if found else ""


def point(section: str, name: str) -> str:
    return re.search(rf'<li class="point-{name}">(.*?)</li>', section, re.S).group(1)


def test_findings_tell_the_known_story():
    (group,) = chair_findings(story_inputs().result).groups
    assert [c.agency for c in group.improvers] == [RISING]
    assert [(c.agency, c.metric) for c in group.decliners] == [(FALLING, "satisfaction")]  # its largest fall
    assert group.small == [SMALL] and group.units == 5
    assert [u.agency for u in group.bottom] == [FALLING, FOURTH]  # two of five: the bottom is at most half
    named = {c.agency for c in group.improvers + group.decliners} | {u.agency for u in group.bottom}
    assert STEADY not in named and SMALL not in named


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_chairs_page_names_the_movers_and_the_small_unit_and_nothing_not_significant(tmp_path, lang):
    section = chair_section(story_inputs(lang), tmp_path)
    movers = point(section, "movers")
    assert RISING in movers and "+6.4" in movers and "p\u00a0=\u00a00.002" in movers
    assert FALLING in movers and "−7.5" in movers and "p\u00a0=\u00a00.001" in movers
    assert STEADY not in section  # moved 7.9 points, not significantly, and ranks second: never named
    assert SMALL not in movers and "+25.0" not in section  # its 25-point swing on 13 answers is no news
    assert SMALL in point(section, "targets")  # it is named where it belongs: unranked, below the minimum n
    many = story_inputs(lang)
    smalls = [replace(many.result.unit(SMALL), agency=f"小{i}") for i in range(7)]
    crowded = chair_section(replace(many, result=replace(many.result, units=many.result.units + smalls)), tmp_path)
    assert "小3" not in crowded and "8" in point(crowded, "targets")  # a long list is counted, not recited
    bottom = point(section, "bottom")
    assert FALLING in bottom and FOURTH in bottom and ("5/5" in bottom or "#5 of 5" in bottom) and TOP not in bottom
    assert "满意率显著下降" in section  # the focus agency with the office's reason
    # the page comes first after the cover
    html = BookRenderer(story_inputs(lang), tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font()).city_html()
    assert html.index('class="cover') < html.index('class="chair"') < html.index('class="agenda"')


@pytest.mark.parametrize("edition", ["agency", "public"])
def test_outward_editions_have_no_chairs_page_and_no_focus_reasons(tmp_path, edition):
    inputs = story_inputs("zh-CN", edition)
    renderer = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    html = renderer.city_html() + "".join(renderer.agency_html(a.name) for a in renderer.context["agencies"])
    assert 'class="chair"' not in html and "满意率显著下降" not in html
    assert renderer.context["chair"] is None


def test_without_movers_the_page_says_so_and_without_focus_it_says_how_to_choose(tmp_path):
    inputs = story_inputs("en")
    calm = [
        replace(u, deltas={m: {"previous": replace(d["previous"], significant=False)} for m, d in u.deltas.items()})
        for u in inputs.result.units
    ]
    section = chair_section(replace(inputs, result=replace(inputs.result, units=calm), focus=[]), tmp_path)
    assert "No unit's rate changed significantly" in point(section, "movers").replace("&#39;", "'")
    assert "[session] focus" in section


def test_a_311_city_without_unit_types_or_satisfaction_reads_well(tmp_path):
    inputs = story_inputs("en")

    def three_eleven(unit):
        rates = {m: r for m, r in unit.rates.items() if m != "satisfaction"}
        deltas = {m: d for m, d in unit.deltas.items() if m != "satisfaction"}
        return replace(unit, unit_type=None, rank=None, rates=rates, deltas=deltas)

    result = replace(
        inputs.result,
        units=[three_eleven(u) for u in inputs.result.units],
        unit_types=[],
        city=three_eleven(inputs.result.city),
        topics=[],
    )
    section = chair_section(replace(inputs, result=result), tmp_path)
    assert "all units" in point(section, "targets") and "Satisfaction" not in section
    movers = point(section, "movers")
    assert RISING in movers and FALLING in movers and STEADY not in section
    assert 'class="point-bottom"' not in section and 'class="point-topic"' not in section  # no ranks, no topic

    def untargeted(unit):
        return replace(unit, rates={m: replace(r, target=None, rag=None) for m, r in unit.rates.items()})

    bare = replace(result, units=[untargeted(u) for u in result.units], city=untargeted(result.city))
    section = chair_section(replace(inputs, result=bare), tmp_path)
    assert "below target" not in section and "target" not in point(section, "city")  # no target, no target talk
    assert SMALL in point(section, "targets")


def test_session_focus_is_read_and_checked():
    settings = {"session": {"focus": [{"agency": " 市水务局 ", "reason": "排水投诉集中"}, {"agency": "望京街道"}]}}
    assert [(f.agency, f.reason) for f in focus_agencies(settings)] == [("市水务局", "排水投诉集中"), ("望京街道", "")]
    assert session_problems(settings, "citistat.toml") == []
    bad = {"session": {"focus": [{"reason": "no agency"}, {"agency": "A", "reason": 3}, {"agency": "A"}]}}
    problems = session_problems(bad, "citistat.toml")
    assert len(problems) == 3 and "entry 1" in problems[0] and "entry 2" in problems[1] and "twice" in problems[2]
    assert session_problems({"session": {"focus": "市水务局"}}, "x.toml")[0].startswith("x.toml: [session] focus")
    timed = {"session": {"slot_minutes": 20, "focus": [{"agency": "A"}, {"agency": "B", "minutes": 30}]}}
    assert [f.minutes for f in focus_agencies(timed)] == [20, 30]
    assert "ranking_order" in session_problems({"session": {"ranking_order": "random"}}, "x.toml")[0]
    assert "slot_minutes = 0" in session_problems({"session": {"slot_minutes": 0}}, "x.toml")[0]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_agenda_opens_with_followups_then_focus_slots_then_the_rest_for_the_record(tmp_path, lang):
    inputs = replace(
        fx.briefing_inputs(lang=lang),
        followup_minutes=12,
        focus=[FocusAgency(fx.HOUSING, "物业投诉集中", 20), FocusAgency("名册外单位", "", 15)],
    )
    renderer = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    html = renderer.city_html()
    agenda = unescape(re.search(r'<section class="agenda">.*?</section>', html, re.S).group(0))
    t = renderer.messages
    followups, focus, record = (agenda.index(t(k)) for k in ("agenda.followups", "agenda.focus", "agenda.record"))
    assert followups < focus < record
    assert t("agenda.minutes", n=12) in agenda and t("agenda.minutes", n=20) in agenda
    assert t("agenda.minutes", n=35) in agenda  # the focus block: 20 + 15
    record_part = agenda[record:]
    assert fx.WATER in record_part and fx.HOUSING not in record_part  # a focus agency is not "for the record"
    # one question sheet per focus agency with results: the office's question, the integrity question, the overdue item
    sheets = re.findall(r'<section class="question-sheet">.*?</section>', html, re.S)
    assert len(sheets) == 1 and fx.HOUSING in sheets[0]
    assert "物业管理投诉为何连续三个月上升？" in sheets[0]  # the office's question
    assert "满意率上升而解决率下降" in sheets[0]  # its integrity question
    assert "物业投诉专项整治" in sheets[0]  # its overdue commitment (due 2024-03-20, meeting 2024-04-03)
    assert f'href="#sheet-{renderer.context["anchors"][fx.HOUSING]}"' in agenda


def test_outward_agenda_keeps_the_plain_order_and_has_no_question_sheet(tmp_path):
    renderer = BookRenderer(
        fx.briefing_inputs(edition="public"), tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font()
    )
    html = renderer.city_html()
    assert 'class="question-sheet"' not in html and renderer.messages("agenda.record") not in html
    assert fx.FOCUS_REASON not in html


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_small_unit_is_listed_apart_without_a_rank(tmp_path, lang):
    renderer = BookRenderer(story_inputs(lang), tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
    rankings = re.search(r'<section class="rankings">.*?</section>', renderer.city_html(), re.S).group(0)
    ranked, _, apart = rankings.partition('<table class="list unranked">')
    assert SMALL not in ranked and SMALL in apart and FALLING in ranked and FALLING not in apart
    assert unescape(renderer.messages("ranking.unranked", min_n=30, n=1)) in unescape(rankings)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_rankings_read_worst_first_when_asked_with_integrity_marks_beside_the_rank(tmp_path, lang):
    def rankings(order):
        inputs = replace(story_inputs(lang), ranking_order=order)
        html = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font()).city_html()
        return re.search(r'<section class="rankings">.*?</section>', html, re.S).group(0)

    best, worst = rankings("best_first"), rankings("worst_first")
    order = [TOP, STEADY, RISING, FOURTH, FALLING]
    assert sorted(order, key=best.index) == order and sorted(order, key=worst.index) == order[::-1]
    assert worst.index(FALLING) < worst.index('<table class="list unranked">') < worst.index(SMALL)  # small stay apart

    marked = story_inputs(lang)
    units = [
        replace(
            u,
            flags=[
                fx.Flag("quick_close", "concern", "12 件工单在 5 分钟内办结。", 12.0),
                fx.Flag("perfect_streak", "info", "连续满分。"),
            ],
        )
        if u.agency == FOURTH
        else u
        for u in marked.result.units
    ]
    renderer = BookRenderer(
        replace(marked, result=replace(marked.result, units=units)),
        tmp_path,
        [DEFAULT_TEMPLATES_DIR],
        font=find_cjk_font(),
    )
    section = re.search(r'<section class="rankings">.*?</section>', renderer.city_html(), re.S).group(0)
    row = re.search(rf"<tr>(?:(?!</tr>).)*{FOURTH}(?:(?!</tr>).)*</tr>", section, re.S).group(0)
    assert 'class="chip flag-concern"' in row and f"{renderer.messages('flag.concern')} 2" in row
    assert "flag-concern" not in re.search(rf"<tr>(?:(?!</tr>).)*{TOP}(?:(?!</tr>).)*</tr>", section, re.S).group(0)
