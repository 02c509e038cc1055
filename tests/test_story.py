"""The session's story, built from tickets whose story is known, through the score stage to the books.

A small city of two districts: one street falls significantly this month, one rises, three stay steady, one is
too small to rank; two departments, one unit the roster does not type. Tickets carry second-level categories
and due dates (some still open past them). Nothing here is hand-made in the results: the score stage finds it.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest
import render_fixtures as fx

from citistat.briefing import FocusAgency, FollowUp
from citistat.config import Config
from citistat.count import History, count_all
from citistat.render.books import BookRenderer
from citistat.render.fonts import find_cjk_font
from citistat.render.story_context import prioritised_questions
from citistat.results import Flag
from citistat.score import score_period
from citistat.tickets import conform
from citistat.workspace import DEFAULT_TEMPLATES_DIR

PERIODS = ("2024-01", "2024-02", "2024-03")
PERIOD = PERIODS[-1]
STREET, DEPT = "街乡镇", "委办局"
FALLING, RISING, SMALL, LOOSE = "下降街道", "上升街道", "小街道", "名册外单位"
STEADY = ("平稳一街道", "平稳二街道", "平稳三街道")
WATER, PARKS = "市水务局", "市园林局"
EAST, WEST = "东区", "西区"
ROSTER = (
    [
        {"agency": FALLING, "unit_type": STREET, "district": EAST},
        {"agency": RISING, "unit_type": STREET, "district": WEST},
        {"agency": SMALL, "unit_type": STREET, "district": WEST},
    ]
    + [{"agency": name, "unit_type": STREET, "district": EAST if i % 2 else WEST} for i, name in enumerate(STEADY)]
    + [{"agency": WATER, "unit_type": DEPT, "district": ""}, {"agency": PARKS, "unit_type": DEPT, "district": ""}]
)
TOPIC = {
    "name": "排水防涝",
    "categories": ["排水"],
    "keywords": [],
    "lead": WATER,
    "milestones": [
        {"due": "2024-03-31", "text": "完成积水点排查", "done": True},
        {"due": "2024-05-31", "text": "汛前清掏", "done": False},
    ],
}

# resolution rate per unit and period (every ticket answered; satisfaction follows resolution)
RESOLVED = {
    FALLING: (0.95, 0.95, 0.70),
    RISING: (0.70, 0.70, 0.95),
    SMALL: (0.9, 0.5, 1.0),
    **{name: (0.90, 0.90, 0.90) for name in STEADY},
    WATER: (0.92, 0.92, 0.92),
    PARKS: (0.85, 0.85, 0.85),
    LOOSE: (0.8, 0.8, 0.8),
}
SIZE = {SMALL: 12, LOOSE: 40}


def tickets() -> pd.DataFrame:
    rows = []
    types = {row["agency"]: (row["unit_type"], row["district"] or EAST) for row in ROSTER}
    for agency, rates in RESOLVED.items():
        unit_type, district = types.get(agency, (None, WEST))
        for period, rate in zip(PERIODS, rates):
            n = SIZE.get(agency, 200)
            created = pd.Timestamp(f"{period}-05 09:00")
            for i in range(n):
                good = i < round(rate * n)
                still_open = agency == PARKS and period == PERIOD and i < 30  # open past due at the period's end
                rows.append(
                    {
                        "ticket_id": f"{agency}-{period}-{i}",
                        "created_at": created,
                        "period": period,
                        "agency": agency,
                        "unit_type": unit_type,
                        "district": district,
                        "street": agency if unit_type == STREET else None,
                        "category": "排水" if agency == WATER or i % 3 == 0 else "道路",
                        "subcategory": "积水" if i % 2 else "井盖",
                        "responded": True,
                        "resolved": good,
                        "satisfaction": "satisfied" if good else "dissatisfied",
                        "closed_at": None if still_open else created + pd.Timedelta(days=2),
                        "due_at": created + pd.Timedelta(days=1 if agency == PARKS and i % 2 else 5),
                    }
                )
    return conform(pd.DataFrame(rows))


def config(small_units: str = "unranked", lang: str = "zh-CN") -> Config:
    scoring = {
        "ranking": {"small_units": small_units},
        "targets": [{"metric": "resolution", "unit_type": "*", "target": 0.9, "amber": 0.03}],
    }
    return Config(
        settings={"build": {"lang": lang}}, scoring=scoring, profiles={}, aliases=[], roster=ROSTER, topics=[TOPIC]
    )


@pytest.fixture(scope="module")
def table():
    return tickets()


def result_of(table, **options):
    history = History(counts=count_all(table), tickets=table)
    return score_period(history, PERIOD, config(**options), lang=options.get("lang", "zh-CN"))


@pytest.fixture(scope="module")
def result(table):
    return result_of(table)


@pytest.fixture(scope="module")
def books(result, tmp_path_factory):
    """The city book of the known story, once per language."""
    folder = tmp_path_factory.mktemp("books")
    return {lang: renderer_for(result, folder, lang).city_html() for lang in ("zh-CN", "en")}


def renderer_for(result, tmp_path, lang="zh-CN", edition="internal", **changes) -> BookRenderer:
    base = fx.briefing_inputs(lang=lang, edition=edition)
    inputs = replace(
        base,
        result=result,
        period=PERIOD,
        notes={},
        followups=changes.pop("followups", []),
        focus=[FocusAgency(FALLING, "解决率显著下降")],
        **changes,
    )
    return BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())


def section(html: str, name: str) -> str:
    found = re.search(rf'<section class="{name}">.*?</section>', html, re.S)
    return found.group(0) if found else ""


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_book_opens_with_the_known_story_and_names_nothing_not_significant(books, lang):
    html = books[lang]
    chair = section(html, "chair")
    movers = re.search(r'<li class="point-movers">(.*?)</li>', chair, re.S).group(1)
    assert FALLING in movers and RISING in movers
    assert not any(name in movers for name in (*STEADY, SMALL, WATER, PARKS))  # nothing that did not move
    assert SMALL in re.search(r'<li class="point-targets">(.*?)</li>', chair, re.S).group(1)
    assert "解决率显著下降" in chair  # the focus agency with its reason, and its question sheet after the agenda
    assert html.index('class="chair"') < html.index('class="agenda"') < html.index('class="question-sheet"')


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_unit_type_and_the_districts_have_a_ranking(result, books, lang):
    html = books[lang]
    rankings = section(html, "rankings")
    headings = re.findall(r'<h2 class="bm2" id="ranking-\d+">(.*?)</h2>', rankings)
    assert len(headings) == 3  # the two roster types and the units it gives no type
    assert LOOSE in rankings and SMALL in rankings  # the small street listed apart, unranked
    districts = section(html, "districts")
    assert EAST in districts and WEST in districts
    east = re.search(rf"<tr><td[^>]*>[^<]*</td>\s*<td>{EAST}.*?</tr>", districts, re.S).group(0)
    assert FALLING in east and RISING not in east  # a district lists its own street offices
    ranks = [r.rank for r in result.story.districts]
    assert sorted(ranks) == [1, 2]


def test_worst_first_orders_the_districts_from_the_bottom(result, tmp_path):
    best = renderer_for(result, tmp_path).context["story"]["districts"]
    worst = renderer_for(result, tmp_path, ranking_order="worst_first").context["story"]["districts"]
    assert [d.rank for d in best] == [1, 2] and [d.rank for d in worst] == [2, 1]


def test_an_agency_brief_shows_its_months_with_n_and_rank_and_its_subcategories(result, tmp_path):
    renderer = renderer_for(result, tmp_path, "en")
    brief = renderer.agency_html(FALLING)
    history = re.search(r'<table class="list compact history fixed">.*?</table>', brief, re.S).group(0)
    rows = re.findall(r"<tr><td>(.*?)</td>", history)
    assert rows == ["March 2024", "February 2024", "January 2024"]  # newest first
    falling = result.story.units[FALLING]
    assert [p.rank for p in falling.ranks][-1] == result.unit(FALLING).rank  # this month's rank as ranked
    assert falling.ranks[0].rank < falling.ranks[-1].rank  # it fell down the table
    assert f"{falling.ranks[-1].rank} / 5" in history
    assert "70.0%" in history and "95.0%" in history
    sub = re.search(r'<table class="list compact subcategories fixed">.*?</table>', brief, re.S).group(0)
    assert "积水" in sub and "井盖" in sub
    assert "Call-back coverage" in brief and "100.0%" in text(brief)


def test_consecutive_months_at_the_bottom_and_below_target_are_counted(result):
    # PARKS is the worst department every month: two departments, so it is at the bottom each time
    parks = result.story.units[PARKS]
    assert parks.bottom_months == 3 and parks.below_target_months == 3
    rising = result.story.units[RISING]
    assert rising.bottom_months == 0 and rising.below_target_months == 0  # it left the bottom, and met the target
    assert result.story.units[FALLING].below_target_months == 1


def test_rank_intervals_are_wide_where_ranks_are_close_and_narrow_where_they_are_not(result):
    units = result.story.units
    steady = [units[name] for name in STEADY]  # three streets with the same rate: their order is noise
    assert all(u.rank_high - u.rank_low >= 1 for u in steady)
    assert units[FALLING].rank_low == units[FALLING].rank_high == 5  # far below the others: surely last
    assert result.story.simulations > 0


def test_small_units_pooled_over_three_months_are_ranked_with_a_mark(table, tmp_path):
    pooled = result_of(table, small_units="pooled")
    small = pooled.unit(SMALL)
    assert small.pooled == "2024-01..2024-03" and small.rank is not None and small.small_n
    rates = pooled.story.units[SMALL].pooled_rates["resolution"]
    assert rates.denominator == 36  # 12 answers in each of three months
    html = renderer_for(pooled, tmp_path, "en").city_html()
    rankings = section(html, "rankings")
    assert "3 months" in rankings and "January 2024 – March 2024" in text(rankings)
    row = re.search(rf"<tr>(?:(?!</tr>).)*{SMALL}.*?</tr>", rankings, re.S).group(0)
    assert "80.6%" in row and "n 36" in row  # the table shows the pooled rates its score was made from


def test_small_units_stay_unranked_by_default(result):
    unranked = result
    assert unranked.unit(SMALL).rank is None and unranked.unit(SMALL).pooled is None


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_timeliness_shows_on_time_closure_and_overdue_aging(result, books, lang):
    timeliness = result.story.timeliness
    assert timeliness.has_due_dates and timeliness.open_overdue == 30
    assert timeliness.by_agency == {PARKS: [0, 30, 0, 0]}  # due 6 or 10 March, open at 1 April: 22 or 26 days over
    html = section(books[lang], "timeliness")
    assert PARKS in html and ">30<" in html


def test_without_due_dates_one_line_says_so_instead_of_a_column_of_dashes(table, tmp_path):
    undated = result_of(table.assign(due_at=pd.NaT))
    assert not undated.story.timeliness.has_due_dates
    html = section(renderer_for(undated, tmp_path, "en").city_html(), "timeliness")
    assert "carry no due dates" in html and "<table" not in html


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_topic_of_the_month_has_its_rates_lead_unit_milestones_and_districts(result, books, lang):
    (topic,) = result.story.topics
    assert topic.lead == WATER and topic.lead_configured
    assert topic.rates["resolution"].denominator == sum(n for _, n, _ in topic.by_district)
    assert [m.done for m in topic.milestones] == [True, False]
    html = section(books[lang], "topics")
    assert "完成积水点排查" in html and "汛前清掏" in html and WATER in html and EAST in html


def test_earlier_follow_ups_are_one_table_with_evidence_and_the_rate_then_and_now(result, tmp_path):
    done = FollowUp(
        1,
        FALLING,
        "逐一回访未解决工单",
        "张三",
        "2024-03-15",
        "2024-02",
        "2024-03-06",
        "resolution",
        "done",
        metric_before=0.95,
        metric_now=0.70,
        evidence="回访记录 42 份已上传",
    )
    fresh = replace(done, id=2, raised_period=PERIOD, text="本次会议新提出", evidence="")
    html = renderer_for(result, tmp_path, "en", followups=[done, fresh]).city_html()
    table = section(html, "followups-all")
    assert "回访记录 42 份已上传" in table and "95.0% → 70.0%" in table and "−25.0" in table
    assert "本次会议新提出" not in table  # raised at this session: not yet a follow-up
    public = renderer_for(result, tmp_path, "en", edition="public", followups=[done]).city_html()
    assert "回访记录 42 份已上传" not in public  # a closing note may name people: not in the public edition


def test_integrity_questions_are_ordered_by_severity_times_size_each_once(result, tmp_path):
    renderer = renderer_for(result, tmp_path, "en")
    agencies = renderer.context["agencies"]
    big, small = agencies[0], agencies[1]
    flags = {
        big.name: [
            Flag("perfect_streak", "info", "streak"),
            Flag("quick_close", "watch", "quick", 0.2, {"quick_closed": 5}),
        ],
        small.name: [
            Flag("came_back", "concern", "came back", 3.0, {"came_back": 3}),
            Flag("came_back", "concern", "came back", 3.0, {"came_back": 3}),
        ],
    }
    agencies = [replace(a, unit=replace(a.unit, flags=flags.get(a.name, []))) for a in agencies]
    questions = prioritised_questions(replace(result, flags=[]), agencies)
    own = [(q.agency, q.flag.code, q.priority) for q in questions if q.agency in flags]
    assert own == [
        (big.name, "perfect_streak", big.unit.n_tickets),
        (small.name, "came_back", 30),
        (big.name, "quick_close", 15),
    ]  # note × all tickets, concern × 3 tickets, watch × 5; once each


def test_the_summary_defines_the_order_of_the_questions(books):
    assert "seriousness × size" in section(books["en"], "summary") and "严重程度 × 规模" in section(
        books["zh-CN"], "summary"
    )


def test_a_years_significant_improvement_is_told_once_beside_the_months(result, tmp_path):
    from citistat.results import Delta
    from citistat.score.chair import chair_findings

    def year(unit, pp, p):
        deltas = {
            m: {
                **d,
                "last_year": Delta(
                    "last_year",
                    "2023-03",
                    None,
                    pp if m == "resolution" else None,
                    p < 0.05 if m == "resolution" else None,
                    p,
                ),
            }
            for m, d in unit.deltas.items()
        }
        return replace(unit, deltas=deltas)

    units = [
        year(u, 18.9, 0.0004)
        if u.agency == STEADY[0]
        else year(u, 12.0, 0.3)
        if u.agency == STEADY[1]
        else year(u, 20.0, 0.001)
        if u.agency == FALLING
        else u
        for u in result.units
    ]
    found = chair_findings(replace(result, units=units))
    (streets,) = [g for g in found.groups if g.unit_type == STREET]
    assert [c.agency for c in streets.year_improvers] == [STEADY[0]]  # not the insignificant one, and FALLING
    html = section(renderer_for(replace(result, units=units), tmp_path, "en").city_html(), "chair")  # once only
    point = re.search(r'<li class="point-year">(.*?)</li>', html, re.S).group(1)
    assert STEADY[0] in point and "+18.9" in point and STEADY[1] not in point and FALLING not in point
    assert "p\u00a0&lt;\u00a00.001" in point  # "<" escaped once, so the page shows "<"
