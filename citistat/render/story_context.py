"""The session's story as the templates read it: `story` in the context.

From `PeriodResult.story` (score/story.py) and the book's own views: the district
roll-up in the office's ranking order, timeliness (or the one line saying the data
has no due dates), each agency's history rows with n and rank, every follow-up of
the earlier sessions in one table, each 每月一题 topic's own figures, and the
integrity questions in one prioritised list (severity × size), each once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..briefing import BriefingInputs
from ..results import METRICS, Flag, UnitResult
from ..story import AGING_BUCKETS, DistrictRollup, RankPoint, Story, UnitStory
from .editions import PUBLIC, SMALL_CELL

SEVERITY_WEIGHT = {
    "concern": 10,
    "watch": 3,
    "info": 1,
}  # 请说明 / 关注 / 提示: a note outranks a watch only on 3× the tickets
# evidence that counts the tickets (or callers) a question is about; otherwise the unit's tickets
SIZE_EVIDENCE = ("quick_closed", "came_back", "callers", "satisfied_after")
SUMMARY_QUESTIONS = 12  # the summary's list fits one page; the rest are on the unit pages


@dataclass(frozen=True)
class HistoryRow:
    """One month of an agency's history: tickets, the three rates with their answers, and its rank."""

    period: str
    n: int | None
    rates: dict[str, float | None]
    answers: dict[str, int]
    rank: int | None
    rank_of: int


@dataclass(frozen=True)
class Question:
    """An integrity question in the prioritised list."""

    agency: str
    anchor: str | None  # the unit's page in the book (None: the city as a whole)
    flag: Flag
    size: int  # tickets (or callers) it concerns
    priority: int  # severity weight × size


def story_context(inputs: BriefingInputs, agencies: list) -> dict:
    result = inputs.result
    story: Story = result.story
    public = inputs.edition == PUBLIC
    questions = prioritised_questions(result, agencies)
    return {
        "story": {
            "metrics": metrics_in_data(result),
            "surveyed": any(
                u.rates["satisfaction"].denominator > 0
                for u in [result.city, *result.units]
                if "satisfaction" in u.rates
            ),
            "districts": district_order(story.districts, inputs.ranking_order),
            "timeliness": story.timeliness,
            "aging_buckets": list(AGING_BUCKETS),
            "on_time_rows": on_time_rows(result.units),
            "units": {name: _outward(s, public) for name, s in story.units.items()},
            "history": {a.name: history_rows(a.unit, story.units.get(a.name)) for a in agencies},
            "topics": {
                t.name: (replace(t, by_district=[r for r in t.by_district if r[1] >= SMALL_CELL]) if public else t)
                for t in story.topics
            },
            "pooled_periods": story.pooled_periods,
            "simulations": story.simulations,
            "questions": questions[:SUMMARY_QUESTIONS],
            "questions_more": len(questions) - min(len(questions), SUMMARY_QUESTIONS),
            "questions_total": len(questions),
            "followups": sorted(
                (view for a in agencies for view in a.followups if view.carried),
                key=lambda v: (v.item.raised_period, v.item.agency, v.item.id),
            ),
        }
    }


def metrics_in_data(result) -> list[str]:
    """The rates this period's data can give (a 311 export has no survey, often no due dates): the new tables show
    only these, instead of columns of "—". Every rate when none has an answer."""
    found = [m for m in METRICS if (rate := result.city.rates.get(m)) is not None and rate.denominator > 0]
    return found or list(METRICS)


def _outward(unit_story: UnitStory, public: bool) -> UnitStory:
    if not public:
        return unit_story
    return replace(unit_story, subcategories=[r for r in unit_story.subcategories if r.n >= SMALL_CELL])


def district_order(districts: list[DistrictRollup], order: str) -> list[DistrictRollup]:
    ranked = [d for d in districts if d.rank is not None]
    rest = [d for d in districts if d.rank is None]
    return (ranked[::-1] if order == "worst_first" else ranked) + rest


def on_time_rows(units: list[UnitResult]) -> list[UnitResult]:
    """Units whose closed tickets had due dates, the lowest on-time share first."""
    rows = [u for u in units if (rate := u.rates.get("on_time")) is not None and rate.denominator > 0]
    return sorted(rows, key=lambda u: (u.rates["on_time"].value, u.agency))


def history_rows(unit: UnitResult, unit_story: UnitStory | None) -> list[HistoryRow]:
    """The unit's months newest first: tickets, rates and answers (from its series), its rank (from the story)."""
    ranks: dict[str, RankPoint] = {p.period: p for p in (unit_story.ranks if unit_story else [])}
    values = {m: {p.period: p for p in unit.series.get(m, [])} for m in METRICS}
    volume = {p.period: p for p in unit.series.get("volume", [])}
    periods = sorted(set(volume) | set(ranks), reverse=True)
    rows = []
    for period in periods:
        point = ranks.get(period)
        rows.append(
            HistoryRow(
                period,
                volume[period].n if period in volume and volume[period].value is not None else None,
                {m: values[m][period].value if period in values[m] else None for m in METRICS},
                {m: values[m][period].n if period in values[m] else 0 for m in METRICS},
                point.rank if point else None,
                point.rank_of if point else 0,
            )
        )
    return rows


def question_size(flag: Flag, unit: UnitResult) -> int:
    for key in SIZE_EVIDENCE:
        value = flag.evidence.get(key) if isinstance(flag.evidence, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value)
    return unit.n_tickets


def prioritised_questions(result, agencies: list) -> list[Question]:
    """Every integrity question once — the units' and the city's own — most serious × largest first."""
    found: list[Question] = []
    seen: set[tuple[str, str, str]] = set()
    entries = [(a.name, a.anchor, a.unit) for a in agencies] + [(result.city.agency, None, result.city)]
    for name, anchor, unit in entries:
        for flag in unit.flags:
            key = (name, flag.code, flag.message)
            if key in seen:
                continue
            seen.add(key)
            size = question_size(flag, unit)
            found.append(Question(name, anchor, flag, size, SEVERITY_WEIGHT.get(flag.severity, 1) * size))
    for flag in result.flags:  # the city's other questions (agencies appeared or gone): once, if not already listed
        key = (result.city.agency, flag.code, flag.message)
        if key not in seen:
            seen.add(key)
            size = int(abs(flag.value)) if flag.value is not None else 0
            found.append(Question(result.city.agency, None, flag, size, SEVERITY_WEIGHT.get(flag.severity, 1) * size))
    return sorted(found, key=lambda q: (-q.priority, -SEVERITY_WEIGHT.get(q.flag.severity, 1), q.agency, q.flag.code))
